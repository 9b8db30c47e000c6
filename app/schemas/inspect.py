"""Bodies of the endpoints that show the machinery: im2col, the kernel matrix, shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.fields import TensorOut
from app.schemas.ops import Reference
from app.schemas.spec_models import shape_model


class UnfoldResponse(BaseModel):
    """The im2col matrix: one column per window, rows over (channel, kernel row, column)."""

    shape: list[int] = Field(description="(N, C·kH·kW, L) or (C·kH·kW, L).")
    columns: TensorOut
    reference: Reference | None


class KernelMatrixResponse(BaseModel):
    """K with conv2d(x, weight).ravel() == K @ x.ravel()."""

    shape: list[int] = Field(description="(C_out·H_out·W_out, C_in·H·W).")
    output_size: list[int] = Field(description="(H_out, W_out) of the convolution.")
    matrix: TensorOut
    reference: Reference | None = Field(
        description="K @ x against torch's conv2d(x) for a random x; null when verify is false."
    )


#: /shape's body: one model per op (from convcore.spec), told apart by ``op``.
ShapeRequest: Any = Annotated[
    shape_model("conv2d")
    | shape_model("conv_transpose2d")
    | shape_model("max_pool2d")
    | shape_model("avg_pool2d"),
    Field(discriminator="op"),
]


class AxisFormulaOut(BaseModel):
    """One axis's size: the formula, the same with numbers, the result."""

    axis: Literal["height", "width"]
    formula: str = Field(examples=["⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1"])
    substituted: str = Field(examples=["⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3"])
    size: int


class SamePadding(BaseModel):
    """Padding (before, after) per axis that keeps the size at stride 1."""

    height: list[int]
    width: list[int]
    symmetric: bool = Field(
        description="True when before == after on both axes, so an integer or pair padding does it."
    )


class ShapeResponse(BaseModel):
    """The verdict: the output shape when valid, the reason when not, each axis explained."""

    op: str
    valid: bool
    message: str
    output_shape: list[int] | None
    axes: list[AxisFormulaOut]
    same_padding: SamePadding | None = Field(
        None, description="conv2d only; null unless the stride is 1."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "op": "conv2d",
                    "valid": True,
                    "message": "valid: the output has shape (3, 3)",
                    "output_shape": [3, 3],
                    "axes": [
                        {
                            "axis": "height",
                            "formula": "⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1",
                            "substituted": "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3",
                            "size": 3,
                        },
                        {
                            "axis": "width",
                            "formula": "⌊(W + 2p − d(k − 1) − 1) / s⌋ + 1",
                            "substituted": "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3",
                            "size": 3,
                        },
                    ],
                    "same_padding": None,
                }
            ]
        }
    )


def shape_params(body: Any) -> dict[str, Any]:
    """The request's fields as keyword arguments of convcore.formulas (``op`` left out)."""
    return {k: v for k, v in body.model_dump().items() if k != "op"}
