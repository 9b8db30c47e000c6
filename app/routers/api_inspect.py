"""POST /api/v1/{unfold, kernel_matrix, shape}: the matrices behind conv2d and the size rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

import convcore as cc
from app import plans
from app.deps import SettingsDep
from app.routers.api_ops import reference_block
from app.routers.responses import ERRORS
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
from convcore.verify import verify, verify_kernel_matrix

router = APIRouter(prefix="/api/v1", tags=["inspect"], responses=ERRORS)


@router.post("/unfold", response_model=UnfoldResponse, summary="im2col: windows as columns")
def unfold(
    body: Annotated[UnfoldRequest, Body(openapi_examples=examples.UNFOLD)],
    settings: SettingsDep,
) -> UnfoldResponse:
    """``F.unfold``: every sliding window as a column, the matrix im2col multiplies."""
    kwargs = {
        "kernel_size": body.kernel_size,
        "dilation": body.dilation,
        "padding": body.padding,
        "stride": body.stride,
    }
    plans.plan_unfold(body.input.shape, kwargs, settings)
    columns = cc.unfold(body.input, **kwargs)
    verdict = verify("unfold", columns, body.input, **kwargs) if body.verify else None
    return UnfoldResponse(
        shape=list(columns.shape), columns=columns.tolist(), reference=reference_block(verdict)
    )


@router.post(
    "/kernel_matrix", response_model=KernelMatrixResponse, summary="The unrolled kernel matrix"
)
def kernel_matrix(
    body: Annotated[KernelMatrixRequest, Body(openapi_examples=examples.KERNEL_MATRIX)],
    settings: SettingsDep,
) -> KernelMatrixResponse:
    """K such that ``conv2d(x, weight).ravel() == K @ x.ravel()``, padding folded in."""
    kwargs: dict[str, Any] = {
        "stride": body.stride,
        "padding": body.padding,
        "dilation": body.dilation,
        "groups": body.groups,
        "padding_mode": body.padding_mode,
    }
    geometry = plans.plan_kernel_matrix(
        body.weight.shape, {"input_size": body.input_size, **kwargs}, settings
    )
    size = geometry.in_size
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
