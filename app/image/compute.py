"""A picture and an image request → the op's call, checked by convcore and the limits, and run.

The input is the picture's pixels divided by 255 in float32, channels first: exactly what
torchvision's ``to_tensor`` gives. A kernel becomes the op's weight by the channels:

=================  =======================  ==================================
channels           conv2d weight, groups    conv_transpose2d weight, groups
=================  =======================  ==================================
gray               (1, 1, kH, kW), 1        (1, 1, kH, kW), 1
rgb, per_channel   (3, 1, kH, kW), 3        (3, 1, kH, kW), 3
rgb, mix           (1, 3, kH, kW), 1        (3, 1, kH, kW), 1
=================  =======================  ==================================

so ``mix`` sums the three filtered channels into one output channel, as a convolution layer
with three input channels does. The call is prepared by convcore (its checks, its errors)
and sized by :mod:`app.plans` against the image limits: the output's side and values
capped by ``image_max_output_side``, its work by ``image_max_multiplies``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import plans
from app.errors import LimitExceededError
from app.image.decode import Picture
from app.image.params import ImageParams
from app.plans import Plan
from app.settings import Settings

#: What a server limit is called when it bounds an image operation.
_IMAGE_SETTINGS = {
    "max_side": "image_max_output_side",
    "max_elements": "image_max_output_side",
    "max_multiplies": "image_max_multiplies",
}


@dataclass(frozen=True)
class ImageJob:
    """One image operation, checked and ready to run.

    ``pixels`` is the input as decoded (uint8, ``(C, H, W)``), ``x`` the same divided by 255
    (float32), ``weight`` the op's weight (float32; None for a pooling), ``kwargs`` the op's
    keyword arguments (groups included), ``method`` the convcore method that runs it.
    """

    params: ImageParams
    picture: Picture
    pixels: NDArray[np.uint8]
    x: NDArray[np.float32]
    weight: NDArray[np.float32] | None
    kwargs: dict[str, Any]
    method: str
    plan: Plan[Any]

    @property
    def op(self) -> str:
        """The operation."""
        return self.params.op

    def run(self) -> NDArray[np.float32]:
        """The output, ``(C_out, H_out, W_out)``, float32."""
        out: NDArray[np.float32] = self.plan.run(self.method)
        return out


def image_limits(settings: Settings) -> Settings:
    """The server's limits with an image's sizes: its output side, values and work."""
    side = max(settings.image_max_output_side, settings.image_max_side)
    return settings.model_copy(
        update={
            "max_side": side,
            "max_elements": 3 * side * side,
            "max_multiplies": settings.image_max_multiplies,
        }
    )


def prepare_job(params: ImageParams, picture: Picture, settings: Settings) -> ImageJob:
    """Check the operation ``params`` asks for on ``picture`` (ConvcoreError or
    LimitExceededError when it cannot run).

    >>> from app.image.params import image_models
    >>> from app.image.samples import sample_picture
    >>> settings = Settings()
    >>> params = image_models(settings)["conv2d"].model_validate({"kernel": "box_blur"})
    >>> job = prepare_job(params, sample_picture("checkerboard"), settings)
    >>> job.weight.shape, job.kwargs["groups"], job.run().shape, job.run().dtype
    ((3, 1, 3, 3), 3, (3, 256, 256), dtype('float32'))
    """
    pixels = picture.pixels(params.channels)
    x = pixels.astype(np.float32) / np.float32(255)
    kwargs = params.op_kwargs()
    weight = None
    if params.op in ("conv2d", "conv_transpose2d"):
        weight, kwargs["groups"] = conv_weight(params, x.shape[0])
    method = choose_method(params.op, kwargs)
    arrays = (x,) if weight is None else (x, weight, None)
    try:
        plan = plans.plan_call(params.op, arrays, kwargs, image_limits(settings), method)
    except LimitExceededError as err:
        setting = _IMAGE_SETTINGS.get(err.setting, err.setting)
        raise LimitExceededError(err.field, err.value, err.limit, setting, err.what) from None
    return ImageJob(params, picture, pixels, x, weight, kwargs, method, plan)


def conv_weight(params: ImageParams, channels: int) -> tuple[NDArray[np.float32], int]:
    """The weight and groups of a convolution of ``channels`` input channels (see the table
    in the module docstring)."""
    kernel = np.asarray(params.kernel, dtype=np.float32)
    if channels == 1:
        return kernel[None, None].copy(), 1
    if params.combine == "per_channel":
        return np.repeat(kernel[None, None], channels, axis=0), channels
    if params.op == "conv2d":
        return np.repeat(kernel[None, None], channels, axis=1), 1  # (1, C, kH, kW)
    return np.repeat(kernel[None, None], channels, axis=0), 1  # (C_in, 1, kH, kW)


def choose_method(op: str, kwargs: dict[str, Any]) -> str:
    """The fastest convcore method for an image: shift-add at stride 1 (no columns of
    ``kH·kW`` copies of the image), im2col under a stride; col2im; the window pools."""
    if op == "conv2d":
        stride = kwargs.get("stride", 1)
        unit = stride == 1 or (isinstance(stride, tuple) and set(stride) == {1})
        return "shift_add" if unit else "im2col"
    return "col2im" if op == "conv_transpose2d" else "window"
