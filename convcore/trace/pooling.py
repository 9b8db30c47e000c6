"""Step traces of max_pool2d and avg_pool2d: one output value at a time."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.params import IntOrPair
from convcore.prepare import PreparedPool, prepare_avg_pool2d, prepare_max_pool2d
from convcore.trace.base import StepT, Tracer, shape4
from convcore.trace.model import (
    DIVISOR_CEIL_CLIPPED,
    DIVISOR_INSIDE_INPUT,
    DIVISOR_OVERRIDE,
    DIVISOR_WINDOW,
    INPUT,
    OUTSIDE,
    PADDING,
    AvgPoolStep,
    MaxPoolStep,
    PoolTap,
    TraceInfo,
)

_KINDS = (INPUT, PADDING, OUTSIDE)  # codes 0, 1, 2 of the per-axis maps


def trace_max_pool2d(
    input: ArrayLike,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> MaxPoolTracer:
    """Trace :func:`convcore.max_pool2d`: one step per output value.

    Parameters
    ----------
    input, kernel_size, stride, padding, dilation, ceil_mode
        As in :func:`convcore.max_pool2d`, validated the same way. Every step carries the
        index ``return_indices=True`` would report, so there is no such argument here.

    Returns
    -------
    MaxPoolTracer
        ``.count`` steps, row-major over ``(N, C, H_out, W_out)``; ``.step(t)`` gives a
        :class:`~convcore.trace.model.MaxPoolStep`. Each step costs O(kH · kW).

    Raises
    ------
    ConvcoreError
        Exactly where :func:`convcore.max_pool2d` raises.

    Examples
    --------
    >>> tracer = trace_max_pool2d(np.arange(16.0).reshape(4, 4), 3, stride=2, padding=1)
    >>> step = tracer.step(0)
    >>> step.result, step.source, step.flat_index
    (5.0, (1, 1), 5)
    >>> [tap.kind for tap in step.taps[:4]]
    ['padding', 'padding', 'padding', 'padding']
    """
    return MaxPoolTracer(
        prepare_max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)
    )


def trace_avg_pool2d(
    input: ArrayLike,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> AvgPoolTracer:
    """Trace :func:`convcore.avg_pool2d`: one step per output value.

    Parameters
    ----------
    input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
        As in :func:`convcore.avg_pool2d`, validated the same way.

    Returns
    -------
    AvgPoolTracer
        ``.count`` steps, row-major over ``(N, C, H_out, W_out)``; ``.step(t)`` gives an
        :class:`~convcore.trace.model.AvgPoolStep` with the divisor and why it is that.

    Raises
    ------
    ConvcoreError
        Exactly where :func:`convcore.avg_pool2d` raises.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> step = trace_avg_pool2d(x, 2, padding=1, count_include_pad=False).step(1)
    >>> step.total, step.divisor, step.reason, step.result
    (3.0, 2, 'inside_input', 1.5)
    """
    call = prepare_avg_pool2d(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )
    return AvgPoolTracer(call)


def _axis_map(size: int, pad: int, length: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Per padded position of one axis: kind code (input/padding/outside) and source or −1."""
    real = np.arange(length) - pad
    inside = (real >= 0) & (real < size)
    kinds = np.where(inside, 0, np.where(real < size + pad, 1, 2))
    return kinds, np.where(inside, real, -1)


class _PoolTracer(Tracer[StepT]):
    """Shared by both pools: the per-axis maps and the taps of a window."""

    def __init__(self, call: PreparedPool) -> None:
        x, g, op = call.x, call.geometry, call.op
        grid = g.padded_size
        step_shape = shape4((*x.shape[:2], *g.out_size))
        super().__init__(
            TraceInfo(
                op=op,
                view="output",
                count=int(np.prod(step_shape)),
                step_axes=("n", "c", "oy", "ox"),
                step_shape=step_shape,
                input_shape=shape4(x.shape),
                output_shape=step_shape,
                layout=call.layout,
                grid_size=grid,
                bias=None,
            )
        )
        self.call = call  # the prepared call: the computation can reuse it
        self.geometry = g
        self._x = x
        (self._kind_y, self._src_y), (self._kind_x, self._src_x) = (
            _axis_map(g.in_size[0], g.padding[0], grid[0]),
            _axis_map(g.in_size[1], g.padding[1], grid[1]),
        )
        i, j = np.indices(g.kernel).reshape(2, -1)
        self._tap_i, self._tap_j = i, j
        self._tap_dy, self._tap_dx = i * g.dilation[0], j * g.dilation[1]

    def _window(
        self, n: int, c: int, oy: int, ox: int, fill: float
    ) -> tuple[tuple[int, int], NDArray[np.intp], NDArray[np.floating], list[tuple]]:
        """Origin, kind codes, values (``fill`` off the input) and per-tap columns."""
        g = self.geometry
        origin = (oy * g.stride[0], ox * g.stride[1])
        rows, cols = origin[0] + self._tap_dy, origin[1] + self._tap_dx
        src_y, src_x = self._src_y[rows], self._src_x[cols]
        kinds = np.maximum(self._kind_y[rows], self._kind_x[cols])  # outside > padding > input
        on_input = kinds == 0
        values = np.full(len(rows), fill, dtype=self._x.dtype)
        values[on_input] = self._x[n, c, src_y[on_input], src_x[on_input]]
        columns = list(
            zip(
                self._tap_i.tolist(),
                self._tap_j.tolist(),
                rows.tolist(),
                cols.tolist(),
                kinds.tolist(),
                src_y.tolist(),
                src_x.tolist(),
                strict=True,
            )
        )
        return origin, kinds, values, columns


def _taps(
    columns: list[tuple], values: NDArray[np.floating], running: list[float]
) -> tuple[PoolTap, ...]:
    """Pool tap records from the per-tap columns of ``_PoolTracer._window``."""
    return tuple(
        PoolTap(
            kernel=(i, j),
            padded=(row, col),
            kind=_KINDS[kind],
            source=(sy, sx) if kind == 0 else None,
            value=value,
            running=run,
        )
        for (i, j, row, col, kind, sy, sx), value, run in zip(
            columns, values.tolist(), running, strict=True
        )
    )


class MaxPoolTracer(_PoolTracer[MaxPoolStep]):
    """Steps of one max_pool2d configuration.

    Build it with :func:`trace_max_pool2d`, or from a call prepared with
    :func:`convcore.prepare.prepare_max_pool2d`.
    """

    def _step(self, t: int, index: tuple[int, ...]) -> MaxPoolStep:
        n, c, oy, ox = index
        origin, _, values, columns = self._window(n, c, oy, ox, -np.inf)
        # torch's scan: a cell wins when it is larger than the maximum so far, or NaN
        winner, best, running = None, -np.inf, []
        for k, value in enumerate(values.tolist()):
            if value > best or np.isnan(value):
                winner, best = k, value
            running.append(best)
        source = None if winner is None else (columns[winner][5], columns[winner][6])
        if source is None:
            flat = int(self.geometry.first_tap_index(oy, ox))
        else:
            flat = source[0] * self.geometry.in_size[1] + source[1]
        return MaxPoolStep(
            t=t,
            index=(n, c, oy, ox),
            origin=origin,
            taps=_taps(columns, values, running),
            result=float(best),
            winner=winner,
            source=source,
            flat_index=flat,
        )


class AvgPoolTracer(_PoolTracer[AvgPoolStep]):
    """Steps of one avg_pool2d configuration.

    Build it with :func:`trace_avg_pool2d`, or from a call prepared with
    :func:`convcore.prepare.prepare_avg_pool2d`.
    """

    def __init__(self, call: PreparedPool) -> None:
        super().__init__(call)
        self.count_include_pad: bool = call.options["count_include_pad"]
        self.divisor_override: int | None = call.options["divisor_override"]

    def _step(self, t: int, index: tuple[int, ...]) -> AvgPoolStep:
        n, c, oy, ox = index
        origin, kinds, values, columns = self._window(n, c, oy, ox, 0.0)
        running = np.cumsum(values)
        total = running[-1]
        divisor, reason = self._divisor(kinds)
        result = total / np.asarray(divisor, dtype=values.dtype)
        return AvgPoolStep(
            t=t,
            index=(n, c, oy, ox),
            origin=origin,
            taps=_taps(columns, values, running.tolist()),
            total=float(total),
            divisor=divisor,
            reason=reason,
            result=float(result),
        )

    def _divisor(self, kinds: NDArray[np.intp]) -> tuple[int, str]:
        """torch's divisor for a window with these tap kinds, and which rule gave it."""
        if self.divisor_override is not None:
            return self.divisor_override, DIVISOR_OVERRIDE
        if not self.count_include_pad:
            return int(np.count_nonzero(kinds == 0)), DIVISOR_INSIDE_INPUT
        counted = int(np.count_nonzero(kinds < 2))  # a ceil_mode overhang is never counted
        return counted, DIVISOR_WINDOW if counted == len(kinds) else DIVISOR_CEIL_CLIPPED
