"""Request and response bodies of the operation endpoints and their traces.

Each operation's parameters mirror ``torch.nn.functional``'s; a request adds the method
and whether to verify against torch, a trace request adds the window of steps.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.fields import (
    INT_BOUND,
    ConvBias,
    ConvInput,
    ConvPadding,
    ConvWeight,
    Flag,
    Int,
    IntOrPair,
    PaddingMode,
    PoolInput,
    TensorOut,
)
from convcore import METHODS


def _methods_of(op: str) -> Any:
    """A json_schema_extra that lists the registered methods when the schema is built."""

    def extra(schema: dict[str, Any]) -> None:
        schema["enum"] = sorted(METHODS.get(op, {}))

    return extra


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Conv2dParams(_Body):
    """conv2d's arguments, as ``torch.nn.functional.conv2d`` / ``nn.Conv2d`` take them."""

    input: ConvInput
    weight: ConvWeight = Field(
        description="(C_out, C_in/groups, kH, kW), or (kH, kW) with a 2-D input."
    )
    bias: ConvBias | None = None
    stride: IntOrPair = 1
    padding: ConvPadding = 0
    dilation: IntOrPair = 1
    groups: Int = 1
    padding_mode: PaddingMode = "zeros"

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments for convcore.conv2d (arrays excluded)."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
            "padding_mode": self.padding_mode,
        }


class ConvTranspose2dParams(_Body):
    """conv_transpose2d's arguments, as ``torch.nn.functional.conv_transpose2d`` takes them."""

    input: ConvInput
    weight: ConvWeight = Field(
        description="(C_in, C_out/groups, kH, kW) — input channels "
        "first — or (kH, kW) with a 2-D input."
    )
    bias: ConvBias | None = None
    stride: IntOrPair = 1
    padding: IntOrPair = 0
    output_padding: IntOrPair = 0
    groups: Int = 1
    dilation: IntOrPair = 1

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments for convcore.conv_transpose2d (arrays excluded)."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "groups": self.groups,
            "dilation": self.dilation,
        }


class MaxPool2dParams(_Body):
    """max_pool2d's arguments, as ``torch.nn.functional.max_pool2d`` takes them."""

    input: PoolInput
    kernel_size: IntOrPair
    stride: IntOrPair | None = Field(None, description="Defaults to kernel_size.")
    padding: IntOrPair = 0
    dilation: IntOrPair = 1
    ceil_mode: Flag = False

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments for convcore.max_pool2d (input excluded)."""
        return {
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "ceil_mode": self.ceil_mode,
        }


class AvgPool2dParams(_Body):
    """avg_pool2d's arguments, as ``torch.nn.functional.avg_pool2d`` takes them."""

    input: PoolInput
    kernel_size: IntOrPair
    stride: IntOrPair | None = Field(None, description="Defaults to kernel_size.")
    padding: IntOrPair = 0
    ceil_mode: Flag = False
    count_include_pad: Flag = True
    divisor_override: Int | None = None

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments for convcore.avg_pool2d (input excluded)."""
        return {
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "ceil_mode": self.ceil_mode,
            "count_include_pad": self.count_include_pad,
            "divisor_override": self.divisor_override,
        }


_VERIFY = Field(
    True, description="Also run the matching torch.nn.functional call and report the difference."
)


class Conv2dRequest(Conv2dParams):
    """POST /api/v1/conv2d."""

    method: str = Field(
        "im2col",
        json_schema_extra=_methods_of("conv2d"),
        description="A conv2d method of GET /api/v1/methods.",
    )
    verify: Flag = _VERIFY


class ConvTranspose2dRequest(ConvTranspose2dParams):
    """POST /api/v1/conv_transpose2d."""

    method: str = Field(
        "scatter",
        json_schema_extra=_methods_of("conv_transpose2d"),
        description="A conv_transpose2d method of GET /api/v1/methods.",
    )
    verify: Flag = _VERIFY


class MaxPool2dRequest(MaxPool2dParams):
    """POST /api/v1/max_pool2d."""

    return_indices: Flag = False
    method: str = Field(
        "window",
        json_schema_extra=_methods_of("max_pool2d"),
        description="A max_pool2d method of GET /api/v1/methods.",
    )
    verify: Flag = _VERIFY

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments for convcore.max_pool2d, return_indices included."""
        return {**super().kwargs(), "return_indices": self.return_indices}


class AvgPool2dRequest(AvgPool2dParams):
    """POST /api/v1/avg_pool2d."""

    method: str = Field(
        "window",
        json_schema_extra=_methods_of("avg_pool2d"),
        description="An avg_pool2d method of GET /api/v1/methods.",
    )
    verify: Flag = _VERIFY


class Reference(BaseModel):
    """The same call made through torch, and how far apart the two results are."""

    torch: str = Field(description="torch version", examples=["2.13.0+cpu"])
    call: str = Field(
        description="The torch function used.", examples=["torch.nn.functional.conv2d"]
    )
    allclose: bool = Field(description="numpy.allclose(ours, torch's): rtol 1e-5, atol 1e-8.")
    max_abs_diff: float | None = Field(
        description="max |ours − torch's|; null if torch refused the call."
    )
    error: str | None = Field(None, description="torch's message if it refused the call.")


class OpResponse(BaseModel):
    """An operation's result, with its check against torch and the code to reproduce it."""

    op: str
    method: str
    shape: list[int]
    output: TensorOut
    indices: TensorOut | None = Field(
        None,
        description="max_pool2d with return_indices: "
        "flat index (row·W + col) of each maximum in its plane.",
    )
    reference: Reference | None = Field(description="null when verify is false.")
    pytorch_code: str = Field(description="The torch call computing ``out`` from tensors x, w, b.")
    pytorch_script: str | None = Field(
        description="A complete runnable script with the "
        "tensors written out; null for large inputs."
    )


class TraceWindow(BaseModel):
    """Which steps to return: ``count`` steps from ``start``."""

    start: Annotated[int, Field(strict=True, ge=0, le=INT_BOUND)] = Field(
        0, description="First step, 0-based."
    )
    count: Annotated[int, Field(strict=True, ge=1, le=INT_BOUND)] = Field(
        1,
        description="Number of steps: at most the server's max_trace_steps; fewer are "
        "returned when the trace ends first.",
    )


class Conv2dTraceRequest(Conv2dParams, TraceWindow):
    """POST /api/v1/conv2d/trace."""


class ConvTranspose2dTraceRequest(ConvTranspose2dParams, TraceWindow):
    """POST /api/v1/conv_transpose2d/trace."""

    view: Literal["scatter", "conv"] = Field(
        "scatter",
        description="'scatter': a step per input value stamping the kernel; "
        "'conv': a step per output value of the equivalent direct convolution.",
    )


class MaxPool2dTraceRequest(MaxPool2dParams, TraceWindow):
    """POST /api/v1/max_pool2d/trace."""


class AvgPool2dTraceRequest(AvgPool2dParams, TraceWindow):
    """POST /api/v1/avg_pool2d/trace."""


class TraceResponse(BaseModel):
    """A window of steps in convcore's trace format."""

    op: str
    count: int = Field(description="Steps in the whole trace.")
    start: int
    info: dict[str, Any] = Field(description="The tracer's TraceInfo: view, axes, shapes.")
    steps: list[dict[str, Any]] = Field(description="Steps start … start+len−1.")
