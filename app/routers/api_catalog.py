"""GET /api/v1/{methods, presets}: what the engine offers, read from convcore's tables."""

from __future__ import annotations

from fastapi import APIRouter

import convcore as cc
from app.schemas.catalog import MethodInfo, MethodsResponse, OpMethods, PresetOut, PresetsResponse
from app.schemas.spec_models import default_method
from convcore.presets import Preset, input_presets, kernel_presets

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/methods", response_model=MethodsResponse, summary="Every method of every op")
async def methods() -> MethodsResponse:
    """The registry: each operation with its methods and their one-line descriptions."""
    return MethodsResponse(
        ops=[
            OpMethods(
                op=op,
                endpoint=f"/api/v1/{op}",
                methods=[
                    MethodInfo(name=m.name, summary=m.summary, default=m.name == default_method(op))
                    for m in table.values()
                ],
            )
            for op, table in cc.METHODS.items()
        ]
    )


def _out(preset: Preset) -> PresetOut:
    return PresetOut(
        name=preset.name,
        label=preset.label,
        description=preset.description,
        shape=list(preset.values.shape),
        values=preset.values.tolist(),
    )


@router.get("/presets", response_model=PresetsResponse, summary="Named kernels and inputs")
async def presets() -> PresetsResponse:
    """Classic image kernels (identity, blurs, sharpen, Sobel, Laplacian, emboss, outline) and
    example inputs, the tutorial's 3×3 and 4×4 first."""
    return PresetsResponse(
        kernels=[_out(p) for p in kernel_presets().values()],
        inputs=[_out(p) for p in input_presets().values()],
    )
