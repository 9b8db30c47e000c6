"""POST /api/v1/{unfold, kernel_matrix, shape}: the matrices behind conv2d and the size rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

import convcore as cc
from app import limits
from app.deps import SettingsDep
from app.gate import offloaded
from app.routers.api_ops import reference_block
from app.routers.responses import ERRORS
from app.routing import ApiRoute
from app.schemas import examples
from app.schemas.inspect import (
    AxisFormulaOut,
    KernelMatrixRequest,
    KernelMatrixResponse,
    SamePadding,
    ShapeRequest,
    ShapeResponse,
    UnfoldRequest,
    UnfoldResponse,
    shape_params,
)
from convcore.formulas import shape_report
from convcore.params import as_pair
from convcore.verify import verify, verify_kernel_matrix

router = APIRouter(prefix="/api/v1", tags=["inspect"], responses=ERRORS, route_class=ApiRoute)


@router.post("/unfold", response_model=UnfoldResponse, summary="im2col: windows as columns")
@offloaded
def unfold(
    body: Annotated[UnfoldRequest, Body(openapi_examples=examples.UNFOLD)],
    settings: SettingsDep,
) -> UnfoldResponse:
    """``F.unfold``: every sliding window as a column, the matrix im2col multiplies."""
    limits.check_image("input", body.input.shape, settings)
    kernel = as_pair(body.kernel_size, "kernel_size")
    limits.check_kernel_size(kernel, settings)
    for name in ("dilation", "padding", "stride"):
        limits.check_spatial(name, as_pair(getattr(body, name), name), settings)
    # the output's size from the shape alone, before anything is allocated
    report = shape_report(
        "conv2d",
        input_shape=body.input.shape[-2:],
        weight_shape=kernel,
        stride=body.stride,
        padding=body.padding,
        dilation=body.dilation,
    )
    if report.output_shape is not None:
        channels = body.input.shape[-3] * kernel[0] * kernel[1]
        blocks = report.output_shape[0] * report.output_shape[1]
        limits.check_elements("columns", (*body.input.shape[:-3], channels, blocks), settings)
    kwargs = {
        "kernel_size": body.kernel_size,
        "dilation": body.dilation,
        "padding": body.padding,
        "stride": body.stride,
    }
    columns = cc.unfold(body.input, **kwargs)
    verdict = verify("unfold", columns, body.input, **kwargs) if body.verify else None
    return UnfoldResponse(
        shape=list(columns.shape), columns=columns.tolist(), reference=reference_block(verdict)
    )


@router.post(
    "/kernel_matrix", response_model=KernelMatrixResponse, summary="The unrolled kernel matrix"
)
@offloaded
def kernel_matrix(
    body: Annotated[KernelMatrixRequest, Body(openapi_examples=examples.KERNEL_MATRIX)],
    settings: SettingsDep,
) -> KernelMatrixResponse:
    """K such that ``conv2d(x, weight).ravel() == K @ x.ravel()``, padding folded in."""
    if body.weight.ndim == 3:
        raise cc.ConvcoreError(
            f"weight must be 2-D (kH, kW) or 4-D (C_out, C_in/groups, kH, "
            f"kW), got shape {tuple(body.weight.shape)}"
        )
    limits.check_weight("weight", body.weight.shape, settings)
    size = as_pair(body.input_size, "input_size")
    limits.check_spatial("input_size", size, settings)
    for name in ("stride", "dilation"):
        limits.check_spatial(name, as_pair(getattr(body, name), name), settings)
    if not isinstance(body.padding, str):
        limits.check_spatial("padding", as_pair(body.padding, "padding"), settings)
    w4 = body.weight.shape if body.weight.ndim == 4 else (1, 1, *body.weight.shape)
    in_channels = w4[1] * max(body.groups, 1)
    limits.check(
        "input_size",
        "channels (weight.shape[1] × groups)",
        in_channels,
        settings.max_channels,
        "max_channels",
    )
    geometry = cc.conv2d_geometry(
        (1, in_channels, *size),
        w4,
        body.stride,
        body.padding,
        body.dilation,
        body.groups,
        body.padding_mode,
    )
    rows = geometry.out_channels * geometry.out_size[0] * geometry.out_size[1]
    cols = in_channels * size[0] * size[1]
    limits.check_matrix("matrix", rows, cols, settings)
    limits.check_elements("matrix", (rows, cols), settings)
    kwargs: dict[str, Any] = {
        "stride": body.stride,
        "padding": body.padding,
        "dilation": body.dilation,
        "groups": body.groups,
        "padding_mode": body.padding_mode,
    }
    matrix = cc.kernel_matrix(body.weight, size, **kwargs)
    verdict = verify_kernel_matrix(matrix, body.weight, size, **kwargs) if body.verify else None
    return KernelMatrixResponse(
        shape=list(matrix.shape),
        output_size=list(geometry.out_size),
        matrix=matrix.tolist(),
        reference=reference_block(verdict),
    )


@router.post("/shape", response_model=ShapeResponse, summary="Output shape from sizes alone")
async def shape(
    body: Annotated[ShapeRequest, Body(openapi_examples=examples.SHAPE)],
) -> ShapeResponse:
    """The output shape of any op, each axis's formula with the numbers substituted, and a
    verdict; 200 with ``valid: false`` and the reason when torch would refuse it."""
    report = shape_report(body.op, **shape_params(body))
    same = None
    if report.same_padding is not None:
        height, width = report.same_padding
        same = SamePadding(
            height=list(height),
            width=list(width),
            symmetric=height[0] == height[1] and width[0] == width[1],
        )
    return ShapeResponse(
        op=report.op,
        valid=report.valid,
        message=report.message,
        output_shape=None if report.output_shape is None else list(report.output_shape),
        axes=[
            AxisFormulaOut(
                axis=a.axis,  # type: ignore[arg-type]
                formula=a.formula,
                substituted=a.substituted,
                size=a.size,
            )
            for a in report.axes
        ],
        same_padding=same,
    )
