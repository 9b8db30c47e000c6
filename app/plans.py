"""Size up a request before running it: prepare it with convcore, compare its costs with limits.

convcore's prepare step validates the call once and works out its geometry, whose cost
figures (multiply-adds, padded or canvas values, kernel-matrix entries, each method's
Python-level steps, the size of a trace window) this module only compares with
:class:`app.settings.Settings`. Each function raises ``ConvcoreError`` for a configuration
torch would reject and ``LimitExceededError`` for one over a server limit; what remains is
safe to compute, from the same prepared call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import convcore as cc
from app import limits
from app.errors import LimitExceededError
from app.schemas.spec_models import OpBody, default_method
from app.settings import Settings
from convcore.geometry import Conv2dGeometry
from convcore.kernel_matrix import kernel_matrix_geometry
from convcore.prepare import Prepared
from convcore.spec import op_spec
from convcore.unfold import unfold_geometry

CallT = TypeVar("CallT", bound=Prepared[Any])


@dataclass(frozen=True)
class Plan(Generic[CallT]):
    """A checked request: the prepared call, and what it will produce and cost."""

    call: CallT

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The output's shape in the request's layout."""
        return self.call.out_shape

    @property
    def work(self) -> int:
        """Multiply-adds, or intermediate values when those are more."""
        return int(self.call.geometry.work)

    def small(self, settings: Settings, method: str) -> bool:
        """Cheap enough to compute by ``method`` on the event loop instead of a worker thread.

        A Python-level step (a loop method's pass over a window or a tap) costs the
        interpreter about what numpy spends on a hundred multiply-adds, so steps count
        against ``inline_work`` as outputs do: max pooling's loop on 1,000 windows of 99
        taps, 99,000 comparisons, held the event loop for 85 ms.
        """
        per_step = settings.inline_work // 100
        return (
            self.work <= settings.inline_work
            and math.prod(self.out_shape) <= per_step
            and self.call.python_steps(method) <= per_step
        )

    def run(self, method: str) -> Any:
        """The operation by ``method`` on the checked arrays and geometry."""
        return self.call.run(method)


def _checked(call: CallT, settings: Settings, method: str | None) -> Plan[CallT]:
    """The limits every operation shares: the output, the work, the method's own costs."""
    limits.check_image("output", call.out_shape, settings)
    limits.check_work(call.geometry.work, settings)
    if method is not None:
        check_method(call, method, settings)
    return Plan(call)


def check_method(call: Prepared[Any], method: str, settings: Settings) -> None:
    """The costs only ``method`` has: its Python-level steps, a kernel matrix it builds.

    Over a limit, the error names the cheapest method of the op that fits every limit.
    """
    try:
        _method_costs(call, method, settings)
    except LimitExceededError as err:
        raise err.with_hint(_cheaper_method(call, method, settings)) from None


def _method_costs(call: Prepared[Any], method: str, settings: Settings) -> None:
    if cc.get_method(call.op, method).matrix:
        rows, cols = call.geometry.matrix_shape
        limits.check_matrix("method", rows, cols, settings)
    limits.check_steps(method, call.python_steps(method), settings)


def _cheaper_method(call: Prepared[Any], method: str, settings: Settings) -> str | None:
    """A method of the op that fits every limit: the op's default (its fast path) if it does,
    else the one with the fewest Python-level steps, building no kernel matrix if possible."""
    default = default_method(call.op)
    fitting = []
    for order, (name, entry) in enumerate(cc.METHODS[call.op].items()):
        if name == method:
            continue
        try:
            _method_costs(call, name, settings)
        except LimitExceededError:
            continue
        fitting.append((name != default, entry.matrix, call.python_steps(name), order, name))
    return min(fitting)[-1] if fitting else None


#: Each operation's prepare step.
PREPARE: dict[str, Callable[..., Prepared[Any]]] = {
    "conv2d": cc.prepare_conv2d,
    "conv_transpose2d": cc.prepare_conv_transpose2d,
    "max_pool2d": cc.prepare_max_pool2d,
    "avg_pool2d": cc.prepare_avg_pool2d,
}

#: How each array argument is held to the limits (its own sizes, before anything is built).
ARRAY_CHECKS: dict[str, Callable[[str, tuple[int, ...], Settings], None]] = {
    "input": limits.check_image,
    "weight": limits.check_weight,
}


def plan_op(body: OpBody, settings: Settings, method: str | None = None) -> Plan[Any]:
    """Check a request for ``body.op`` (and ``method``'s own costs, when given).

    The request's arrays and options are exactly the op's arguments (both come from
    :mod:`convcore.spec`), so one function serves every operation.
    """
    for arg in op_spec(body.op).tensors:
        value = getattr(body, arg.name, None)
        if value is not None and arg.name in ARRAY_CHECKS:
            ARRAY_CHECKS[arg.name](arg.name, value.shape, settings)
    return plan_call(body.op, body.arrays(), body.kwargs(), settings, method)


def plan_call(
    op: str,
    arrays: tuple[Any, ...],
    kwargs: dict[str, Any],
    settings: Settings,
    method: str | None = None,
) -> Plan[Any]:
    """Check a call of ``op`` on arrays already held to their own limits (a request's, or an
    image's): convcore's prepare step, then the output, the work and ``method``'s costs."""
    call = PREPARE[op](*arrays, **kwargs)
    return _checked(call, settings, method)


def check_trace(call: Prepared[Any], count: int, view: str, settings: Settings) -> None:
    """A window of ``count`` trace steps: few enough steps, few enough taps in all."""
    limits.check("count", "", count, settings.max_trace_steps, "max_trace_steps")
    taps = call.geometry.trace_size(view)[1]
    limits.check(
        "count", f"× {taps} taps per step", count * taps, settings.max_trace_taps, "max_trace_taps"
    )


def plan_unfold(input_shape: tuple[int, ...], params: dict[str, Any], settings: Settings) -> None:
    """Check an unfold request: the input, and the columns it produces."""
    limits.check_image("input", input_shape, settings)
    g = unfold_geometry(input_shape, **params)
    limits.check(
        "columns", "element count", g.column_elements, settings.max_elements, "max_elements"
    )


def plan_kernel_matrix(
    weight_shape: tuple[int, ...], params: dict[str, Any], settings: Settings
) -> Conv2dGeometry:
    """Check a kernel_matrix request; return the geometry the matrix is built for."""
    g = kernel_matrix_geometry(weight_shape, **params)
    limits.check_weight("weight", weight_shape, settings)
    limits.check(
        "input_size",
        "channels (weight.shape[1] × groups)",
        g.in_channels,
        settings.max_channels,
        "max_channels",
    )
    limits.check_matrix("matrix", *g.matrix_shape, settings)
    limits.check_elements("matrix", g.matrix_shape, settings)
    return g
