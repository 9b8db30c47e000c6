"""Step traces of conv2d: one output value at a time, from indices alone."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.geometry import Conv2dGeometry
from convcore.params import IntOrPair, Padding
from convcore.prepare import PreparedConv, prepare_conv2d
from convcore.trace.base import Tracer, bias_tuple, shape4
from convcore.trace.model import (
    INPUT,
    PADDING,
    ConvStep,
    ConvTap,
    Im2colColumn,
    KernelMatrixRow,
    TraceInfo,
)


def trace_conv2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> Conv2dTracer:
    """Trace :func:`convcore.conv2d`: one step per output value.

    Parameters
    ----------
    input, weight, bias, stride, padding, dilation, groups, padding_mode
        As in :func:`convcore.conv2d`, validated the same way.

    Returns
    -------
    Conv2dTracer
        ``.count`` steps, numbered row-major over ``(N, C_out, H_out, W_out)``;
        ``.step(t)`` gives a :class:`~convcore.trace.model.ConvStep`.

    Raises
    ------
    ConvcoreError
        Exactly where :func:`convcore.conv2d` raises.

    Notes
    -----
    Construction costs O(H + W + taps) (the per-axis padding maps and the kernel's tap
    offsets); each step costs O(taps) = O(C_in/groups · kH · kW), wherever the window is.

    Examples
    --------
    >>> tracer = trace_conv2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
    >>> tracer.count
    4
    >>> step = tracer.step(0)
    >>> step.index, step.result
    ((0, 0, 0, 0), 19.0)
    >>> " + ".join(f"{tap.value:g}·{tap.weight:g}" for tap in step.taps)
    '0·0 + 1·1 + 3·2 + 4·3'
    >>> step.kernel_row.entries
    ((0, 0.0), (1, 1.0), (3, 2.0), (4, 3.0))
    """
    call = prepare_conv2d(
        input, weight, bias, stride, padding, dilation, groups, padding_mode=padding_mode
    )
    return Conv2dTracer(call)


class Conv2dTracer(Tracer[ConvStep]):
    """Steps of one conv2d configuration.

    Build it with :func:`trace_conv2d`, or from a call already prepared with
    :func:`convcore.prepare.prepare_conv2d` (which the computation can reuse too).
    """

    def __init__(self, call: PreparedConv[Conv2dGeometry]) -> None:
        g: Conv2dGeometry = call.geometry
        x, weight, bias = call.x, call.weight, call.bias
        step_shape = g.out_shape
        super().__init__(
            TraceInfo(
                op="conv2d",
                view="output",
                count=int(np.prod(step_shape)),
                step_axes=("n", "c_out", "oy", "ox"),
                step_shape=step_shape,
                input_shape=shape4(x.shape),
                output_shape=shape4(step_shape),
                layout=call.layout,
                grid_size=g.padded_size,
                bias=bias_tuple(bias),
            )
        )
        self.call = call  # the prepared call: the computation can reuse it
        self.geometry = g
        self._x, self._weight, self._bias = x, weight, bias
        self._rows_map, self._cols_map = g.source_maps()
        # the taps of one window in im2col's row order (C_in/groups, kH, kW), flattened
        ci, i, j = np.indices((g.in_per_group, *g.kernel)).reshape(3, -1)
        self._tap_c, self._tap_i, self._tap_j = ci, i, j
        self._tap_dy, self._tap_dx = i * g.dilation[0], j * g.dilation[1]

    def _step(self, t: int, index: tuple[int, ...]) -> ConvStep:
        n, oc, oy, ox = index
        g = self.geometry
        group = oc // g.out_per_group
        origin = (oy * g.stride[0], ox * g.stride[1])
        rows, cols = origin[0] + self._tap_dy, origin[1] + self._tap_dx
        src_y, src_x = self._rows_map[rows], self._cols_map[cols]
        channels = group * g.in_per_group + self._tap_c
        has_source = (src_y >= 0) & (src_x >= 0)
        values = np.zeros(len(rows), dtype=self._x.dtype)
        values[has_source] = self._x[n, channels[has_source], src_y[has_source], src_x[has_source]]
        weights = self._weight[oc].reshape(-1)  # (C_in/groups · kH · kW,) in im2col row order
        products = values * weights
        running = np.cumsum(products)
        total = running[-1]
        bias = None if self._bias is None else self._bias[oc]
        result = total if bias is None else total + bias
        taps = self._taps(channels, rows, cols, src_y, src_x, values, weights, products, running)
        return ConvStep(
            t=t,
            index=(n, oc, oy, ox),
            group=group,
            origin=origin,
            taps=taps,
            total=float(total),
            bias=None if bias is None else float(bias),
            result=float(result),
            im2col=self._im2col(n, group, oy, ox, values),
            kernel_row=self._kernel_row(oc, oy, ox, channels, src_y, src_x, weights, has_source),
        )

    def _taps(
        self,
        channels: NDArray[np.intp],
        rows: NDArray[np.intp],
        cols: NDArray[np.intp],
        src_y: NDArray[np.intp],
        src_x: NDArray[np.intp],
        *numbers: NDArray[np.floating],
    ) -> tuple[ConvTap, ...]:
        """Tap records from the per-tap arrays (values, weights, products, running sums)."""
        height, width = self.geometry.in_size
        top, _, left, _ = self.geometry.pads
        columns = zip(
            self._tap_c.tolist(),
            self._tap_i.tolist(),
            self._tap_j.tolist(),
            channels.tolist(),
            rows.tolist(),
            cols.tolist(),
            src_y.tolist(),
            src_x.tolist(),
            *(a.tolist() for a in numbers),
            strict=True,
        )
        return tuple(
            ConvTap(
                kernel=(c, i, j),
                channel=channel,
                padded=(row, col),
                kind=INPUT if 0 <= row - top < height and 0 <= col - left < width else PADDING,
                source=(sy, sx) if sy >= 0 and sx >= 0 else None,
                value=value,
                weight=weight,
                product=product,
                running_sum=running,
            )
            for c, i, j, channel, row, col, sy, sx, value, weight, product, running in columns
        )

    def _im2col(
        self, n: int, group: int, oy: int, ox: int, values: NDArray[np.floating]
    ) -> Im2colColumn:
        """The unfolded column of window (oy, ox): the group's rows of unfold's layout."""
        g = self.geometry
        per_group = len(values)
        first = group * per_group
        return Im2colColumn(
            sample=n,
            column=oy * g.out_size[1] + ox,
            rows=tuple(range(first, first + per_group)),
            values=tuple(values.tolist()),
            shape=(g.in_channels * g.kernel[0] * g.kernel[1], g.out_size[0] * g.out_size[1]),
        )

    def _kernel_row(
        self,
        oc: int,
        oy: int,
        ox: int,
        channels: NDArray[np.intp],
        src_y: NDArray[np.intp],
        src_x: NDArray[np.intp],
        weights: NDArray[np.floating],
        has_source: NDArray[np.bool_],
    ) -> KernelMatrixRow:
        """The kernel-matrix row of output (oc, oy, ox): weights summed per input cell."""
        g = self.geometry
        (height, width), (oh, ow) = g.in_size, g.out_size
        columns = ((channels * height + src_y) * width + src_x)[has_source]
        unique, where = np.unique(columns, return_inverse=True)
        # summed in float64 and cast back, as kernel_matrix does
        sums = np.bincount(where, weights=weights[has_source], minlength=len(unique))
        sums = sums.astype(weights.dtype)
        return KernelMatrixRow(
            row=(oc * oh + oy) * ow + ox,
            entries=tuple(zip(unique.tolist(), sums.tolist(), strict=True)),
            shape=(g.out_channels * oh * ow, g.in_channels * height * width),
        )
