"""Bodies of the endpoints that show the machinery: im2col, the kernel matrix, shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.fields import (
    INT_BOUND,
    ConvPadding,
    ConvWeight,
    Flag,
    Int,
    IntOrPair,
    PaddingMode,
    TensorOut,
    UnfoldInput,
)
from app.schemas.ops import Reference


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnfoldRequest(_Body):
    """POST /api/v1/unfold: F.unfold's arguments."""

    input: UnfoldInput
    kernel_size: IntOrPair
    dilation: IntOrPair = 1
    padding: IntOrPair = 0
    stride: IntOrPair = 1
    verify: Flag = True


class UnfoldResponse(BaseModel):
    """The im2col matrix: one column per window, rows over (channel, kernel row, column)."""

    shape: list[int] = Field(description="(N, C·kH·kW, L) or (C·kH·kW, L).")
    columns: TensorOut
    reference: Reference | None


class KernelMatrixRequest(_Body):
    """POST /api/v1/kernel_matrix: a conv2d weight and configuration, without the input."""

    weight: ConvWeight
    input_size: IntOrPair = Field(description="(H, W) of the unpadded input.")
    stride: IntOrPair = 1
    padding: ConvPadding = 0
    dilation: IntOrPair = 1
    groups: Int = 1
    padding_mode: PaddingMode = "zeros"
    verify: Flag = True


class KernelMatrixResponse(BaseModel):
    """K with conv2d(x, weight).ravel() == K @ x.ravel()."""

    shape: list[int] = Field(description="(C_out·H_out·W_out, C_in·H·W).")
    output_size: list[int] = Field(description="(H_out, W_out) of the convolution.")
    matrix: TensorOut
    reference: Reference | None = Field(
        description="K @ x against torch's conv2d(x) for a random x; null when verify is false."
    )


Size = Annotated[int, Field(strict=True, ge=1, le=INT_BOUND)]
Shape = Annotated[list[Size], Field(min_length=2, max_length=4)]


class Conv2dShapeRequest(_Body):
    """conv2d from shapes: (N, C, H, W) / (C, H, W) with a 4-D weight, or (H, W) with (kH, kW)."""

    op: Literal["conv2d"]
    input_shape: Shape
    weight_shape: Shape
    stride: IntOrPair = 1
    padding: ConvPadding = 0
    dilation: IntOrPair = 1
    groups: Int = 1
    padding_mode: PaddingMode = "zeros"


class ConvTranspose2dShapeRequest(_Body):
    """conv_transpose2d from shapes; weight_shape is (C_in, C_out/groups, kH, kW)."""

    op: Literal["conv_transpose2d"]
    input_shape: Shape
    weight_shape: Shape
    stride: IntOrPair = 1
    padding: IntOrPair = 0
    output_padding: IntOrPair = 0
    groups: Int = 1
    dilation: IntOrPair = 1


class MaxPool2dShapeRequest(_Body):
    """max_pool2d from the input's shape."""

    op: Literal["max_pool2d"]
    input_shape: Shape
    kernel_size: IntOrPair
    stride: IntOrPair | None = None
    padding: IntOrPair = 0
    dilation: IntOrPair = 1
    ceil_mode: Flag = False


class AvgPool2dShapeRequest(_Body):
    """avg_pool2d from the input's shape."""

    op: Literal["avg_pool2d"]
    input_shape: Shape
    kernel_size: IntOrPair
    stride: IntOrPair | None = None
    padding: IntOrPair = 0
    ceil_mode: Flag = False


ShapeRequest = Annotated[
    Conv2dShapeRequest
    | ConvTranspose2dShapeRequest
    | MaxPool2dShapeRequest
    | AvgPool2dShapeRequest,
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
