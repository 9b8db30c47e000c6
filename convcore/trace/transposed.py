"""Step traces of conv_transpose2d: as scattered stamps, or as the equivalent direct conv."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.geometry import ConvTranspose2dGeometry
from convcore.params import IntOrPair
from convcore.prepare import PreparedConv, prepare_conv_transpose2d
from convcore.trace.base import Tracer, bias_tuple, shape4
from convcore.trace.model import (
    INPUT,
    INSERTED,
    PADDING,
    EquivalentConvStep,
    EquivalentConvTap,
    KernelMatrixRow,
    ScatterStep,
    ScatterTap,
    TraceInfo,
)

VIEWS = ("scatter", "conv")
_KINDS = (INPUT, INSERTED, PADDING)  # codes 0, 1, 2 of the per-axis maps


def trace_conv_transpose2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
    *,
    view: str = "scatter",
) -> ScatterTracer | EquivalentConvTracer:
    """Trace :func:`convcore.conv_transpose2d` in one of two views.

    Parameters
    ----------
    input, weight, bias, stride, padding, output_padding, groups, dilation
        As in :func:`convcore.conv_transpose2d`, validated the same way.
    view : {'scatter', 'conv'}
        'scatter': a step per input value ``(n, c_in, iy, ix)``, which stamps the kernel,
        scaled by that value, onto the output (:class:`~convcore.trace.model.ScatterStep`).
        'conv': a step per output value ``(n, c_out, oy, ox)``, a window of the
        zero-inserted, padded input times the flipped kernel
        (:class:`~convcore.trace.model.EquivalentConvStep`).

    Returns
    -------
    ScatterTracer or EquivalentConvTracer
        ``.count`` steps, numbered row-major over ``info.step_shape``.

    Raises
    ------
    ConvcoreError
        Exactly where :func:`convcore.conv_transpose2d` raises, or for an unknown ``view``.

    Notes
    -----
    Each step costs O(C_out/groups · kH · kW) (scatter) or O(C_in/groups · kH · kW) (conv).

    Examples
    --------
    >>> x = [[1.0, 2.0], [3.0, 4.0]]
    >>> step = trace_conv_transpose2d(x, [[1.0, 1.0], [1.0, 1.0]], stride=2).step(1)
    >>> step.index, step.value, [tap.output for tap in step.taps]
    ((0, 0, 0, 1), 2.0, [(0, 2), (0, 3), (1, 2), (1, 3)])
    >>> conv = trace_conv_transpose2d(x, [[1.0, 2.0], [3.0, 4.0]], view="conv").step(0)
    >>> [(tap.kind, tap.value, tap.weight) for tap in conv.taps if tap.kind == "input"]
    [('input', 1.0, 1.0)]
    """
    if view not in VIEWS:
        raise ConvcoreError(
            "view must be one of {choices}, got {view!r}",
            "view",
            choices=", ".join(map(repr, VIEWS)),
            view=view,
        )
    call = prepare_conv_transpose2d(
        input, weight, bias, stride, padding, output_padding, groups, dilation
    )
    return ScatterTracer(call) if view == "scatter" else EquivalentConvTracer(call)


def _info(
    call: PreparedConv[ConvTranspose2dGeometry], view: str, grid: tuple[int, int]
) -> TraceInfo:
    """The TraceInfo of either view."""
    x, g = call.x, call.geometry
    out_shape = g.out_shape
    step_shape = shape4(x.shape if view == "scatter" else out_shape)
    axes = ("n", "c_in", "iy", "ix") if view == "scatter" else ("n", "c_out", "oy", "ox")
    return TraceInfo(
        op="conv_transpose2d",
        view=view,
        count=int(np.prod(step_shape)),
        step_axes=axes,
        step_shape=step_shape,
        input_shape=shape4(x.shape),
        output_shape=shape4(out_shape),
        layout=call.layout,
        grid_size=grid,
        bias=bias_tuple(call.bias),
    )


class ScatterTracer(Tracer[ScatterStep]):
    """Scatter-view steps of one conv_transpose2d configuration.

    Build it with :func:`trace_conv_transpose2d`, or from a call prepared with
    :func:`convcore.prepare.prepare_conv_transpose2d`.
    """

    def __init__(self, call: PreparedConv[ConvTranspose2dGeometry]) -> None:
        geometry = call.geometry
        super().__init__(_info(call, "scatter", geometry.canvas_size))
        self.call = call  # the prepared call: the computation can reuse it
        self.geometry = geometry
        self._x, self._weight = call.x, call.weight
        # the stamp's cells in (C_out/groups, kH, kW) row-major order, flattened
        co, i, j = np.indices((geometry.out_per_group, *geometry.kernel)).reshape(3, -1)
        self._tap_c, self._tap_i, self._tap_j = co, i, j
        self._tap_dy, self._tap_dx = i * geometry.dilation[0], j * geometry.dilation[1]

    def _step(self, t: int, index: tuple[int, ...]) -> ScatterStep:
        n, ci, iy, ix = index
        g = self.geometry
        group = ci // g.in_per_group
        origin = (iy * g.stride[0], ix * g.stride[1])
        rows, cols = origin[0] + self._tap_dy, origin[1] + self._tap_dx
        out_rows, out_cols = rows - g.padding[0], cols - g.padding[1]
        kept = (
            (out_rows >= 0)
            & (out_rows < g.out_size[0])
            & (out_cols >= 0)
            & (out_cols < g.out_size[1])
        )
        value = self._x[n, ci, iy, ix]
        weights = self._weight[ci].reshape(-1)  # (C_out/groups · kH · kW,)
        contributions = value * weights
        columns = zip(
            self._tap_c.tolist(),
            self._tap_i.tolist(),
            self._tap_j.tolist(),
            rows.tolist(),
            cols.tolist(),
            out_rows.tolist(),
            out_cols.tolist(),
            kept.tolist(),
            weights.tolist(),
            contributions.tolist(),
            strict=True,
        )
        taps = tuple(
            ScatterTap(
                kernel=(c, i, j),
                out_channel=group * g.out_per_group + c,
                canvas=(row, col),
                output=(out_row, out_col) if keep else None,
                weight=weight,
                contribution=contribution,
            )
            for c, i, j, row, col, out_row, out_col, keep, weight, contribution in columns
        )
        return ScatterStep(
            t=t, index=(n, ci, iy, ix), group=group, origin=origin, value=float(value), taps=taps
        )


class EquivalentConvTracer(Tracer[EquivalentConvStep]):
    """Equivalent-convolution steps of one conv_transpose2d configuration.

    Build it with :func:`trace_conv_transpose2d` (``view='conv'``), or from a call prepared
    with :func:`convcore.prepare.prepare_conv_transpose2d`.
    """

    def __init__(self, call: PreparedConv[ConvTranspose2dGeometry]) -> None:
        g = call.geometry
        x, weight, bias = call.x, call.weight, call.bias
        (self._kind_y, self._src_y), (self._kind_x, self._src_x) = g.zero_insert_maps()
        grid = (len(self._kind_y), len(self._kind_x))
        super().__init__(_info(call, "conv", grid))
        self.call = call  # the prepared call: the computation can reuse it
        self.geometry = g
        self._x, self._weight, self._bias = x, weight, bias
        ci, i, j = np.indices((g.in_per_group, *g.kernel)).reshape(3, -1)
        self._tap_c, self._tap_i, self._tap_j = ci, i, j
        self._tap_dy, self._tap_dx = i * g.dilation[0], j * g.dilation[1]

    def _step(self, t: int, index: tuple[int, ...]) -> EquivalentConvStep:
        n, oc, oy, ox = index
        g = self.geometry
        group, co = divmod(oc, g.out_per_group)
        rows, cols = oy + self._tap_dy, ox + self._tap_dx
        src_y, src_x = self._src_y[rows], self._src_x[cols]
        kinds = np.maximum(self._kind_y[rows], self._kind_x[cols])  # padding > inserted > input
        channels = group * g.in_per_group + self._tap_c
        # the flipped kernel's (i, j) is the transposed weight's (kH − 1 − i, kW − 1 − j)
        flip_i, flip_j = g.kernel[0] - 1 - self._tap_i, g.kernel[1] - 1 - self._tap_j
        weights = self._weight[channels, co, flip_i, flip_j]
        on_input = kinds == 0
        values = np.zeros(len(rows), dtype=self._x.dtype)
        values[on_input] = self._x[n, channels[on_input], src_y[on_input], src_x[on_input]]
        products = values * weights
        running = np.cumsum(products)
        bias = None if self._bias is None else self._bias[oc]
        total = running[-1]
        result = total if bias is None else total + bias
        taps = self._taps(
            co, channels, rows, cols, kinds, src_y, src_x, flip_i, flip_j,
            values, weights, products, running,
        )  # fmt: skip
        return EquivalentConvStep(
            t=t,
            index=(n, oc, oy, ox),
            group=group,
            origin=(oy, ox),
            taps=taps,
            total=float(total),
            bias=None if bias is None else float(bias),
            result=float(result),
            kernel_row=self._kernel_row(oc, oy, ox, channels, src_y, src_x, weights, on_input),
        )

    def _taps(
        self, co: int, *columns: NDArray[np.intp] | NDArray[np.floating]
    ) -> tuple[EquivalentConvTap, ...]:
        """Tap records from the per-tap arrays: channels, padded rows and columns, kinds,
        source rows and columns, flipped kernel rows and columns, then values, weights,
        products and running sums."""
        per_tap = zip(
            self._tap_c.tolist(),
            self._tap_i.tolist(),
            self._tap_j.tolist(),
            *(column.tolist() for column in columns),
            strict=True,
        )
        return tuple(
            EquivalentConvTap(
                kernel=(c, i, j),
                channel=channel,
                padded=(row, col),
                kind=_KINDS[kind],
                source=(sy, sx) if kind == 0 else None,
                value=value,
                weight=weight,
                product=product,
                running_sum=run,
                weight_index=(channel, co, wi, wj),
            )
            for c, i, j, channel, row, col, kind, sy, sx, wi, wj, value, weight, product, run in (
                per_tap
            )
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
        on_input: NDArray[np.bool_],
    ) -> KernelMatrixRow:
        """Row of A (out = A·x): each input cell at most once, so no summing is needed."""
        g = self.geometry
        (height, width), (oh, ow) = g.in_size, g.out_size
        columns = ((channels * height + src_y) * width + src_x)[on_input]
        order = np.argsort(columns, kind="stable")
        return KernelMatrixRow(
            row=(oc * oh + oy) * ow + ox,
            entries=tuple(
                zip(columns[order].tolist(), weights[on_input][order].tolist(), strict=True)
            ),
            shape=(g.out_channels * oh * ow, g.in_channels * height * width),
        )
