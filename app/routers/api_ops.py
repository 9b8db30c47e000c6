"""POST /api/v1/{conv2d, conv_transpose2d, max_pool2d, avg_pool2d}: compute, verify, explain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from fastapi import APIRouter, Response
from numpy.typing import NDArray

from app import plans
from app.errors import ApiError
from app.gate import offload
from app.plans import Plan
from app.routers.responses import ERRORS
from app.routers.typed import with_body
from app.routing import ApiRoute
from app.schemas import examples
from app.schemas.ops import OpResponse, Reference
from app.schemas.spec_models import OpBody, api_models
from app.settings import Settings
from convcore import codegen
from convcore.trace.model import to_json
from convcore.verify import Verdict, verify

#: Above this many values in all, the response carries no runnable script (it would be huge).
SCRIPT_MAX_VALUES = 2048


async def conv2d(body: OpBody, settings: Settings) -> Response:
    """``F.conv2d`` (or ``nn.Conv2d`` with a padding_mode) by the chosen method, with
    torch's result for comparison and the PyTorch code that computes it."""
    plan = plans.plan_op(body, settings, body.method)
    return await run_sized(plan, settings, _convolution, body)


async def conv_transpose2d(body: OpBody, settings: Settings) -> Response:
    """``F.conv_transpose2d`` by the chosen method; note the weight is (C_in, C_out/groups,
    kH, kW)."""
    plan = plans.plan_op(body, settings, body.method)
    return await run_sized(plan, settings, _convolution, body)


def _convolution(body: OpBody, plan: Plan) -> OpResponse:
    """The response both convolutions share: output, torch's verdict, the PyTorch code."""
    op, kwargs = body.op, body.kwargs()
    out = finite("output", plan.run(body.method))
    verdict = verify(op, out, body.input, body.weight, body.bias, **kwargs) if body.verify else None
    code = codegen.pytorch_code(
        op,
        kwargs,
        input_ndim=body.input.ndim,
        kernel_shape=body.weight.shape,
        has_bias=body.bias is not None,
    )
    return respond(
        op,
        body.method,
        out,
        None,
        verdict,
        code,
        {"x": body.input, "w": body.weight, "b": body.bias},
    )


async def max_pool2d(body: OpBody, settings: Settings) -> Response:
    """``F.max_pool2d``; with ``return_indices`` also where each maximum came from."""
    plan = plans.plan_op(body, settings, body.method)
    return await run_sized(plan, settings, _max_pool2d, body)


def _max_pool2d(body: OpBody, plan: Plan) -> OpResponse:
    kwargs = body.kwargs()
    result = plan.run(body.method)
    out, indices = result if isinstance(result, tuple) else (result, None)
    verdict = verify("max_pool2d", result, body.input, **kwargs) if body.verify else None
    code = codegen.pytorch_code("max_pool2d", kwargs, input_ndim=body.input.ndim)
    return respond("max_pool2d", body.method, out, indices, verdict, code, {"x": body.input})


async def avg_pool2d(body: OpBody, settings: Settings) -> Response:
    """``F.avg_pool2d``: window means, padding counted unless count_include_pad is false."""
    plan = plans.plan_op(body, settings, body.method)
    return await run_sized(plan, settings, _avg_pool2d, body)


def _avg_pool2d(body: OpBody, plan: Plan) -> OpResponse:
    kwargs = body.kwargs()
    out = finite("output", plan.run(body.method))
    verdict = verify("avg_pool2d", out, body.input, **kwargs) if body.verify else None
    code = codegen.pytorch_code("avg_pool2d", kwargs, input_ndim=body.input.ndim)
    return respond("avg_pool2d", body.method, out, None, verdict, code, {"x": body.input})


#: Each operation's route: its handler, summary and worked examples.
ROUTES: dict[str, tuple[Callable[..., Any], str, examples.Examples]] = {
    "conv2d": (conv2d, "2-D convolution", examples.CONV2D),
    "conv_transpose2d": (conv_transpose2d, "2-D transposed convolution", examples.CONV_TRANSPOSE2D),
    "max_pool2d": (max_pool2d, "2-D max pooling", examples.MAX_POOL2D),
    "avg_pool2d": (avg_pool2d, "2-D average pooling", examples.AVG_POOL2D),
}


def build_router(settings: Settings) -> APIRouter:
    """The operation routes, their bodies validated with ``settings``' bounds."""
    models = api_models(settings)
    router = APIRouter(
        prefix="/api/v1", tags=["operations"], responses=ERRORS, route_class=ApiRoute
    )
    for op, (handler, summary, worked) in ROUTES.items():
        router.add_api_route(
            f"/{op}",
            with_body(handler, models.requests[op], worked),
            methods=["POST"],
            response_model=OpResponse,
            summary=summary,
        )
    return router


async def run_sized(
    plan: Plan, settings: Settings, compute: Callable[[OpBody, Plan], OpResponse], body: OpBody
) -> Response:
    """Run ``compute(body, plan)`` on the event loop when the plan is small, else in the gate.

    A thread hop costs about as much as a small convolution, so small requests skip it;
    a large one must not hold up every other request while numpy works, and waits its turn
    in the work gate (:mod:`app.gate`) with the other large ones. The model is
    serialised right after, once, by pydantic (in the same thread): it was built from typed
    values, so FastAPI's second validation of the response would only repeat work.
    """
    if plan.small(settings, body.method):
        content = _json(compute, body, plan)
    else:
        content = await offload(_json, compute, body, plan)
    return Response(content, media_type="application/json")


def _json(compute: Callable[[OpBody, Plan], OpResponse], body: OpBody, plan: Plan) -> bytes:
    result = compute(body, plan)
    return result.__pydantic_serializer__.to_json(result)


def reference_block(verdict: Verdict | None) -> Reference | None:
    """The response's ``reference`` from a convcore verdict."""
    if verdict is None:
        return None
    return Reference(
        torch=verdict.torch,
        call=verdict.call,
        allclose=verdict.allclose,
        max_abs_diff=verdict.max_abs_diff,
        error=verdict.error,
    )


def finite(field: str, array: NDArray[Any]) -> NDArray[Any]:
    """``array``, or a 422 when the result overflowed (JSON has no Infinity)."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ApiError(
            field,
            f"the {field} overflows float64 (its values exceed about "
            "1.8e308); use smaller input values",
        )
    return array


def plain(array: NDArray[Any]) -> list[Any]:
    """``array`` as nested lists, a value that is not finite written as the traces write it
    ("-inf"): JSON has no number for it, and pydantic would write null."""
    values = array.tolist()
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        return cast(list[Any], to_json(values))
    return cast(list[Any], values)


def respond(
    op: str,
    method: str,
    out: NDArray[Any],
    indices: NDArray[Any] | None,
    verdict: Verdict | None,
    code: str,
    tensors: dict[str, Any],
) -> OpResponse:
    """Assemble an :class:`OpResponse`; the script only when the tensors are small."""
    given = {name: value for name, value in tensors.items() if value is not None}
    small = sum(np.size(v) for v in given.values()) <= SCRIPT_MAX_VALUES
    script = (
        codegen.pytorch_script(code, {k: v.tolist() for k, v in given.items()}) if small else None
    )
    return OpResponse(
        op=op,
        method=method,
        shape=list(out.shape),
        output=plain(out),
        indices=None if indices is None else indices.tolist(),
        reference=reference_block(verdict),
        pytorch_code=code,
        pytorch_script=script,
    )
