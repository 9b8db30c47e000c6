"""POST /api/v1/{op}/trace: a window of steps, each explaining one number, in O(taps) each."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from app import limits, plans
from app.deps import SettingsDep
from app.gate import offload
from app.routers.responses import ERRORS
from app.routing import ApiRoute
from app.schemas import examples
from app.schemas.ops import (
    AvgPool2dTraceRequest,
    Conv2dTraceRequest,
    ConvTranspose2dTraceRequest,
    MaxPool2dTraceRequest,
    TraceResponse,
    TraceWindow,
)
from app.settings import Settings
from convcore.params import as_pair
from convcore.trace import (
    Tracer,
    trace_avg_pool2d,
    trace_conv2d,
    trace_conv_transpose2d,
    trace_max_pool2d,
)

router = APIRouter(prefix="/api/v1", tags=["traces"], responses=ERRORS, route_class=ApiRoute)


@router.post("/conv2d/trace", response_model=TraceResponse, summary="conv2d, step by step")
async def conv2d_trace(
    body: Annotated[Conv2dTraceRequest, Body(openapi_examples=examples.CONV2D_TRACE)],
    settings: SettingsDep,
) -> Response:
    """One step per output value: the window, each tap's value × weight, the running sum,
    and the matching im2col column and kernel-matrix row."""
    plans.plan_conv2d(body, settings)
    tracer = trace_conv2d(body.input, body.weight, body.bias, **body.kwargs())
    g = tracer.geometry
    return await window(tracer, body, settings, g.in_per_group * g.kernel[0] * g.kernel[1])


@router.post(
    "/conv_transpose2d/trace",
    response_model=TraceResponse,
    summary="conv_transpose2d, step by step",
)
async def conv_transpose2d_trace(
    body: Annotated[
        ConvTranspose2dTraceRequest, Body(openapi_examples=examples.CONV_TRANSPOSE2D_TRACE)
    ],
    settings: SettingsDep,
) -> Response:
    """``view='scatter'``: one step per input value and the kernel it stamps;
    ``view='conv'``: one step per output value of the equivalent direct convolution."""
    plans.plan_conv_transpose2d(body, settings)
    tracer = trace_conv_transpose2d(
        body.input, body.weight, body.bias, **body.kwargs(), view=body.view
    )
    g = tracer.geometry
    per_group = g.out_per_group if body.view == "scatter" else g.in_per_group
    return await window(tracer, body, settings, per_group * g.kernel[0] * g.kernel[1])


@router.post("/max_pool2d/trace", response_model=TraceResponse, summary="max_pool2d, step by step")
async def max_pool2d_trace(
    body: Annotated[MaxPool2dTraceRequest, Body(openapi_examples=examples.MAX_POOL2D_TRACE)],
    settings: SettingsDep,
) -> Response:
    """One step per output value: the window's taps and which one wins."""
    plans.plan_pool(body, settings)
    tracer = trace_max_pool2d(body.input, **body.kwargs())
    return await window(tracer, body, settings, _window_taps(body.kernel_size))


@router.post("/avg_pool2d/trace", response_model=TraceResponse, summary="avg_pool2d, step by step")
async def avg_pool2d_trace(
    body: Annotated[AvgPool2dTraceRequest, Body(openapi_examples=examples.AVG_POOL2D_TRACE)],
    settings: SettingsDep,
) -> Response:
    """One step per output value: the window's taps, their sum and what it is divided by."""
    plans.plan_pool(body, settings)
    tracer = trace_avg_pool2d(body.input, **body.kwargs())
    return await window(tracer, body, settings, _window_taps(body.kernel_size))


def _window_taps(kernel_size: Any) -> int:
    kh, kw = as_pair(kernel_size, "kernel_size")
    return kh * kw


async def window(tracer: Tracer[Any], body: TraceWindow, settings: Settings, taps: int) -> Response:
    """Steps ``start`` … ``start + count − 1`` (fewer at the end), within the limits.

    A step costs O(taps) in Python; a window of a few taps is built on the event loop, a
    larger one in the work gate (:mod:`app.gate`), serialised there too.
    """
    limits.check("count", "", body.count, settings.max_trace_steps, "max_trace_steps")
    limits.check(
        "count", f"× {taps} taps per step", body.count * taps, settings.max_elements, "max_elements"
    )
    # a start past the end reaches tracer.step, whose ConvcoreError names the valid range
    end = max(min(body.start + body.count, tracer.count), body.start + 1)
    if (end - body.start) * taps <= settings.inline_trace_taps:
        content = _steps_json(tracer, body.start, end)
    else:
        content = await offload(_steps_json, tracer, body.start, end)
    return Response(content, media_type="application/json")


def _steps_json(tracer: Tracer[Any], start: int, end: int) -> bytes:
    response = TraceResponse(
        op=tracer.info.op,
        count=tracer.count,
        start=start,
        info=tracer.info.to_dict(),
        steps=[tracer.step(t).to_dict() for t in range(start, end)],
    )
    return response.__pydantic_serializer__.to_json(response)
