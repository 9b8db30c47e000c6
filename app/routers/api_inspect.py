"""POST /api/v1/{unfold, kernel_matrix, shape}: the matrices behind conv2d and the size rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

import convcore as cc
from app import plans
from app.gate import offloaded
from app.routers.api_ops import finite, reference_block
from app.routers.responses import ERRORS
from app.routers.typed import with_body
from app.routing import ApiRoute
from app.schemas import examples
from app.schemas.inspect import (
    AxisFormulaOut,
    KernelMatrixResponse,
    SamePadding,
    ShapeRequest,
    ShapeResponse,
    UnfoldResponse,
    shape_params,
)
from app.schemas.spec_models import OpBody, api_models
from app.settings import Settings
from convcore.formulas import shape_report
from convcore.verify import verify, verify_kernel_matrix


@offloaded
def unfold(body: OpBody, settings: Settings) -> UnfoldResponse:
    """``F.unfold``: every sliding window as a column, the matrix im2col multiplies."""
    kwargs = body.kwargs()
    plans.plan_unfold(body.input.shape, kwargs, settings)
    columns = cc.unfold(body.input, **kwargs)
    verdict = verify("unfold", columns, body.input, **kwargs) if body.verify else None
    return UnfoldResponse(
        shape=list(columns.shape), columns=columns.tolist(), reference=reference_block(verdict)
    )


@offloaded
def kernel_matrix(body: OpBody, settings: Settings) -> KernelMatrixResponse:
    """K such that ``conv2d(x, weight).ravel() == K @ x.ravel()``, padding folded in."""
    kwargs = body.kwargs()
    geometry = plans.plan_kernel_matrix(body.weight.shape, kwargs, settings)
    del kwargs["input_size"]
    size = geometry.in_size
    matrix = finite("matrix", cc.kernel_matrix(body.weight, size, **kwargs))  # sums of weights
    verdict = verify_kernel_matrix(matrix, body.weight, size, **kwargs) if body.verify else None
    return KernelMatrixResponse(
        shape=list(matrix.shape),
        output_size=list(geometry.out_size),
        matrix=matrix.tolist(),
        reference=reference_block(verdict),
    )


async def shape(body: Any) -> ShapeResponse:
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
                formula=a.formula_text,
                substituted=a.substituted_text,
                size=a.size,
            )
            for a in report.axes
        ],
        same_padding=same,
    )


def build_router(settings: Settings) -> APIRouter:
    """The inspect routes, their bodies validated with ``settings``' bounds."""
    models = api_models(settings)
    router = APIRouter(prefix="/api/v1", tags=["inspect"], responses=ERRORS, route_class=ApiRoute)
    router.add_api_route(
        "/unfold",
        with_body(unfold, models.unfold, examples.UNFOLD),
        methods=["POST"],
        response_model=UnfoldResponse,
        summary="im2col: windows as columns",
    )
    router.add_api_route(
        "/kernel_matrix",
        with_body(kernel_matrix, models.kernel_matrix, examples.KERNEL_MATRIX),
        methods=["POST"],
        response_model=KernelMatrixResponse,
        summary="The unrolled kernel matrix",
    )
    router.add_api_route(
        "/shape",
        with_body(shape, ShapeRequest, examples.SHAPE),
        methods=["POST"],
        response_model=ShapeResponse,
        summary="Output shape from sizes alone",
    )
    return router
