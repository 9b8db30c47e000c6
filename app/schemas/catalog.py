"""Bodies of the catalogue endpoints: the method registry and the presets."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas.fields import TensorOut


class MethodInfo(BaseModel):
    """One way of computing an operation."""

    name: str = Field(examples=["im2col"])
    summary: str
    default: bool = Field(description="The method used when a request names none.")


class OpMethods(BaseModel):
    """An operation and its methods."""

    op: str = Field(examples=["conv2d"])
    endpoint: str = Field(examples=["/api/v1/conv2d"])
    methods: list[MethodInfo]


class MethodsResponse(BaseModel):
    """GET /api/v1/methods."""

    ops: list[OpMethods]


class PresetOut(BaseModel):
    """A named array."""

    name: str = Field(examples=["sobel_x"])
    label: str = Field(examples=["Sobel x"])
    description: str
    shape: list[int]
    values: TensorOut


class PresetsResponse(BaseModel):
    """GET /api/v1/presets: kernels and inputs, all 2-D."""

    kernels: list[PresetOut]
    inputs: list[PresetOut]
