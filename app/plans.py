"""Size up a request before running it: validate with convcore's geometry, then check limits.

Each function raises ``ConvcoreError`` for a configuration torch would reject and
``LimitExceededError`` for one over a server limit; what remains is safe to compute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import limits
from app.schemas.ops import AvgPool2dParams, Conv2dParams, ConvTranspose2dParams, MaxPool2dParams
from app.settings import Settings
from convcore import conv2d_geometry, conv_transpose2d_geometry, pool2d_geometry
from convcore.dispatch import run_batched
from convcore.geometry import Conv2dGeometry
from convcore.layout import Batched, batch_conv_args, check_bias
from convcore.params import as_pair
from convcore.transposed import ConvTranspose2dGeometry, check_transposed_bias


@dataclass(frozen=True)
class Plan:
    """What a checked request will produce and cost.

    For the convolutions also the arrays in torch's 4-D layout and the geometry, so that
    :func:`run_conv2d` / :func:`run_conv_transpose2d` compute without sizing it all again.
    """

    out_shape: tuple[int, ...]
    work: int  # multiply-adds, or intermediate values when those are more
    args: Batched | None = None
    geometry: Conv2dGeometry | ConvTranspose2dGeometry | None = None

    def small(self, settings: Settings) -> bool:
        """Cheap enough to compute on the event loop instead of a worker thread."""
        return (
            self.work <= settings.inline_work
            and math.prod(self.out_shape) <= settings.inline_work // 100
        )


def _check_params(settings: Settings, **pairs: Any) -> None:
    """Every stride, padding and dilation within max_side (ints or pairs; strings skipped)."""
    for name, value in pairs.items():
        if value is not None and not isinstance(value, str):
            limits.check_spatial(name, as_pair(value, name), settings)


def plan_conv2d(body: Conv2dParams, settings: Settings, method: str | None = None) -> Plan:
    """Check a conv2d request; return its plan (batched output shape)."""
    limits.check_image("input", body.input.shape, settings)
    limits.check_weight("weight", body.weight.shape, settings)
    _check_params(settings, stride=body.stride, padding=body.padding, dilation=body.dilation)
    args = batch_conv_args(body.input, body.weight, body.bias, "conv2d")
    g = conv2d_geometry(
        args.x.shape,
        args.weight.shape,
        body.stride,
        body.padding,
        body.dilation,
        body.groups,
        body.padding_mode,
    )
    n, (oh, ow), (kh, kw) = args.x.shape[0], g.out_size, g.kernel
    out = (n, g.out_channels, oh, ow)
    limits.check_image("output", out, settings)
    multiplies = n * g.out_channels * oh * ow * g.in_per_group * kh * kw
    padded = n * g.in_channels * g.padded_size[0] * g.padded_size[1]
    limits.check_work(max(multiplies, padded), settings)
    if method == "kernel_matrix":
        limits.check_matrix(
            "method",
            g.out_channels * oh * ow,
            g.in_channels * g.in_size[0] * g.in_size[1],
            settings,
        )
    return Plan(out, max(multiplies, padded), args, g)


def plan_conv_transpose2d(
    body: ConvTranspose2dParams, settings: Settings, method: str | None = None
) -> Plan:
    """Check a conv_transpose2d request; return its plan (batched output shape)."""
    limits.check_image("input", body.input.shape, settings)
    limits.check_weight("weight", body.weight.shape, settings)
    _check_params(
        settings,
        stride=body.stride,
        padding=body.padding,
        output_padding=body.output_padding,
        dilation=body.dilation,
    )
    args = batch_conv_args(body.input, body.weight, body.bias, "conv_transpose2d")
    g = conv_transpose2d_geometry(
        args.x.shape,
        args.weight.shape,
        body.stride,
        body.padding,
        body.output_padding,
        body.groups,
        body.dilation,
    )
    n, (oh, ow), (kh, kw) = args.x.shape[0], g.out_size, g.kernel
    out = (n, g.out_channels, oh, ow)
    limits.check_image("output", out, settings)
    multiplies = n * g.in_channels * g.in_size[0] * g.in_size[1] * g.out_per_group * kh * kw
    canvas = n * max(g.in_channels, g.out_channels) * g.canvas_size[0] * g.canvas_size[1]
    limits.check_work(max(multiplies, canvas), settings)
    if method == "kernel_matrix":
        limits.check_matrix(
            "method",
            g.in_channels * g.in_size[0] * g.in_size[1],
            g.out_channels * oh * ow,
            settings,
        )
    return Plan(out, max(multiplies, canvas), args, g)


def run_conv2d(plan: Plan, method: str) -> NDArray[np.floating]:
    """``convcore.conv2d`` by ``method`` on a plan's checked arrays and geometry.

    Shares :func:`convcore.dispatch.run_batched` with :func:`convcore.conv2d`, without
    redoing the layout and the geometry the plan has just worked out.
    """
    args, g = plan.args, plan.geometry
    if args is None or not isinstance(g, Conv2dGeometry):
        raise TypeError("run_conv2d needs a plan from plan_conv2d")
    check_bias(args.bias, g.out_channels, args.weight.shape)
    return run_batched("conv2d", method, args, g)


def run_conv_transpose2d(plan: Plan, method: str) -> NDArray[np.floating]:
    """``convcore.conv_transpose2d`` by ``method`` on a plan's checked arrays and geometry."""
    args, g = plan.args, plan.geometry
    if args is None or not isinstance(g, ConvTranspose2dGeometry):
        raise TypeError("run_conv_transpose2d needs a plan from plan_conv_transpose2d")
    check_transposed_bias(args.bias, g)
    return run_batched("conv_transpose2d", method, args, g)


def plan_pool(body: MaxPool2dParams | AvgPool2dParams, settings: Settings) -> Plan:
    """Check a max_pool2d or avg_pool2d request; return its plan (input's layout)."""
    limits.check_image("input", body.input.shape, settings)
    kernel = as_pair(body.kernel_size, "kernel_size")
    limits.check_kernel_size(kernel, settings)
    dilation = body.dilation if isinstance(body, MaxPool2dParams) else 1
    _check_params(settings, stride=body.stride, padding=body.padding, dilation=dilation)
    g = pool2d_geometry(
        body.input.shape[-2:], body.kernel_size, body.stride, body.padding, dilation, body.ceil_mode
    )
    out = (*body.input.shape[:-2], *g.out_size)
    limits.check_image("output", out, settings)
    planes = math.prod(out[:-2])  # N·C, C or 1
    padded = (g.in_size[0] + g.pads[0] + g.pads[1]) * (g.in_size[1] + g.pads[2] + g.pads[3])
    work = planes * max(g.out_size[0] * g.out_size[1] * kernel[0] * kernel[1], padded)
    limits.check_work(work, settings)
    return Plan(out, work)
