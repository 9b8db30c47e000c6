"""POST /api/v1/{op}/trace: a window of steps, each explaining one number, in O(taps) each."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from app import plans
from app.deps import SettingsDep
from app.routers.responses import ERRORS
from app.schemas import examples
from app.schemas.ops import (
    AvgPool2dTraceRequest,
    Conv2dTraceRequest,
    ConvTranspose2dTraceRequest,
    MaxPool2dTraceRequest,
    TraceResponse,
    TraceWindow,
)
from convcore.errors import ConvcoreError
from convcore.trace import (
    AvgPoolTracer,
    Conv2dTracer,
    EquivalentConvTracer,
    MaxPoolTracer,
    ScatterTracer,
    Tracer,
)

router = APIRouter(prefix="/api/v1", tags=["traces"], responses=ERRORS)


@router.post("/conv2d/trace", response_model=TraceResponse, summary="conv2d, step by step")
def conv2d_trace(
    body: Annotated[Conv2dTraceRequest, Body(openapi_examples=examples.CONV2D_TRACE)],
    settings: SettingsDep,
) -> TraceResponse:
    """One step per output value: the window, each tap's value × weight, the running sum,
    and the matching im2col column and kernel-matrix row."""
    plan = plans.plan_conv2d(body, settings)
    plans.check_trace(plan.call, body.count, "output", settings)
    return window(Conv2dTracer(plan.call), body)


@router.post(
    "/conv_transpose2d/trace",
    response_model=TraceResponse,
    summary="conv_transpose2d, step by step",
)
def conv_transpose2d_trace(
    body: Annotated[
        ConvTranspose2dTraceRequest, Body(openapi_examples=examples.CONV_TRANSPOSE2D_TRACE)
    ],
    settings: SettingsDep,
) -> TraceResponse:
    """``view='scatter'``: one step per input value and the kernel it stamps;
    ``view='conv'``: one step per output value of the equivalent direct convolution."""
    plan = plans.plan_conv_transpose2d(body, settings)
    plans.check_trace(plan.call, body.count, body.view, settings)
    tracer = ScatterTracer if body.view == "scatter" else EquivalentConvTracer
    return window(tracer(plan.call), body)


@router.post("/max_pool2d/trace", response_model=TraceResponse, summary="max_pool2d, step by step")
def max_pool2d_trace(
    body: Annotated[MaxPool2dTraceRequest, Body(openapi_examples=examples.MAX_POOL2D_TRACE)],
    settings: SettingsDep,
) -> TraceResponse:
    """One step per output value: the window's taps and which one wins."""
    plan = plans.plan_pool(body, settings)
    plans.check_trace(plan.call, body.count, "output", settings)
    return window(MaxPoolTracer(plan.call), body)


@router.post("/avg_pool2d/trace", response_model=TraceResponse, summary="avg_pool2d, step by step")
def avg_pool2d_trace(
    body: Annotated[AvgPool2dTraceRequest, Body(openapi_examples=examples.AVG_POOL2D_TRACE)],
    settings: SettingsDep,
) -> TraceResponse:
    """One step per output value: the window's taps, their sum and what it is divided by."""
    plan = plans.plan_pool(body, settings)
    plans.check_trace(plan.call, body.count, "output", settings)
    return window(AvgPoolTracer(plan.call), body)


def window(tracer: Tracer[Any], body: TraceWindow) -> TraceResponse:
    """Steps ``start`` … ``start + count − 1`` (fewer at the end), already within the limits."""
    end = max(min(body.start + body.count, tracer.count), body.start + 1)
    try:
        steps = [tracer.step(t).to_dict() for t in range(body.start, end)]
    except ConvcoreError as err:
        # a start past the end: tracer.step names the valid range of its ``step``
        raise ConvcoreError(err.template, "start", **err.values) from None
    return TraceResponse(
        op=tracer.info.op,
        count=tracer.count,
        start=body.start,
        info=tracer.info.to_dict(),
        steps=steps,
    )
