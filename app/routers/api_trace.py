"""POST /api/v1/{op}/trace: a window of steps, each explaining one number, in O(taps) each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response

from app import plans
from app.routers.responses import ERRORS
from app.routers.typed import with_body
from app.schemas import examples
from app.schemas.ops import TraceResponse
from app.schemas.spec_models import OpBody, api_models
from app.settings import Settings
from convcore.errors import ConvcoreError
from convcore.trace import (
    AvgPoolTracer,
    Conv2dTracer,
    EquivalentConvTracer,
    MaxPoolTracer,
    ScatterTracer,
    Tracer,
)


def conv2d_trace(body: OpBody, settings: Settings) -> Response:
    """One step per output value: the window, each tap's value × weight, the running sum,
    and the matching im2col column and kernel-matrix row."""
    plan = plans.plan_op(body, settings)
    plans.check_trace(plan.call, body.count, "output", settings)
    return window(Conv2dTracer(plan.call), body)


def conv_transpose2d_trace(body: OpBody, settings: Settings) -> Response:
    """``view='scatter'``: one step per input value and the kernel it stamps;
    ``view='conv'``: one step per output value of the equivalent direct convolution."""
    plan = plans.plan_op(body, settings)
    plans.check_trace(plan.call, body.count, body.view, settings)
    tracer = ScatterTracer if body.view == "scatter" else EquivalentConvTracer
    return window(tracer(plan.call), body)


def max_pool2d_trace(body: OpBody, settings: Settings) -> Response:
    """One step per output value: the window's taps and which one wins."""
    plan = plans.plan_op(body, settings)
    plans.check_trace(plan.call, body.count, "output", settings)
    return window(MaxPoolTracer(plan.call), body)


def avg_pool2d_trace(body: OpBody, settings: Settings) -> Response:
    """One step per output value: the window's taps, their sum and what it is divided by."""
    plan = plans.plan_op(body, settings)
    plans.check_trace(plan.call, body.count, "output", settings)
    return window(AvgPoolTracer(plan.call), body)


def window(tracer: Tracer[Any], body: OpBody) -> Response:
    """Steps ``start`` … ``start + count − 1`` (fewer at the end), already within the limits.

    Serialised here, once: a window may hold tens of thousands of taps, and FastAPI's second
    validation of the response model would only repeat work.
    """
    end = max(min(body.start + body.count, tracer.count), body.start + 1)
    try:
        steps = [tracer.step(t).to_dict() for t in range(body.start, end)]
    except ConvcoreError as err:
        # a start past the end: tracer.step names the valid range, which the input sets
        raise err.with_params(("start", "input")) from None
    response = TraceResponse(
        op=tracer.info.op,
        count=tracer.count,
        start=body.start,
        info=tracer.info.to_dict(),
        steps=steps,
    )
    return Response(response.model_dump_json(), media_type="application/json")


#: Each operation's trace route: its handler, summary and worked examples.
ROUTES: dict[str, tuple[Callable[..., Any], str, examples.Examples]] = {
    "conv2d": (conv2d_trace, "conv2d, step by step", examples.CONV2D_TRACE),
    "conv_transpose2d": (
        conv_transpose2d_trace,
        "conv_transpose2d, step by step",
        examples.CONV_TRANSPOSE2D_TRACE,
    ),
    "max_pool2d": (max_pool2d_trace, "max_pool2d, step by step", examples.MAX_POOL2D_TRACE),
    "avg_pool2d": (avg_pool2d_trace, "avg_pool2d, step by step", examples.AVG_POOL2D_TRACE),
}


def build_router(settings: Settings) -> APIRouter:
    """The trace routes, their bodies validated with ``settings``' bounds."""
    models = api_models(settings)
    router = APIRouter(prefix="/api/v1", tags=["traces"], responses=ERRORS)
    for op, (handler, summary, worked) in ROUTES.items():
        router.add_api_route(
            f"/{op}/trace",
            with_body(handler, models.traces[op], worked),
            methods=["POST"],
            response_model=TraceResponse,
            summary=summary,
        )
    return router
