"""The JSON answer of ``POST /api/v1/image/{op}`` (with ``Accept: application/json``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.schemas.fields import TensorOut


class Tensor(BaseModel):
    """An array: its shape and its values as nested lists."""

    shape: list[int]
    values: TensorOut


class Source(BaseModel):
    """The image as received: its format (``sample`` for a bundled one) and size."""

    format: str = Field(examples=["JPEG"])
    width: int
    height: int


class ImageOpResponse(BaseModel):
    """The numbers behind the picture, to check against torch.

    ``input`` is what ``torchvision.transforms.functional.to_tensor`` gives for the decoded,
    upright, shrunk image (uint8 / 255 in float32, channels first); ``torch.nn.functional``
    on it with ``weight`` and ``arguments`` gives ``output`` (float32).
    """

    op: str = Field(examples=["conv2d"])
    method: str = Field(examples=["shift_add"], description="The convcore method that ran.")
    arguments: dict[str, Any] = Field(
        description="The op's keyword arguments as run, groups included.",
        examples=[{"stride": 1, "padding": 1, "dilation": 1, "groups": 3}],
    )
    source: Source
    input: Tensor = Field(description="(C, H, W) floats in [0, 1].")
    weight: Tensor | None = Field(
        description="The weight (conv2d: (C_out, C_in/groups, kH, kW); conv_transpose2d: "
        "(C_in, C_out/groups, kH, kW)); null for a pooling."
    )
    output: Tensor = Field(description="(C_out, H_out, W_out).")
    range: list[float] = Field(description="[min, max] of the output.")
    display: str = Field(description="The colour map the PNG answer would use.")
    pytorch_code: str = Field(examples=["out = F.conv2d(x, w, padding=1, groups=3)"])
