"""What an image request asks for: the op's arguments (from :mod:`convcore.spec`), the kernel,
the channels, and how to draw the output; one model per op, shared by the page and the API.

The op's options are the API's own fields (:func:`app.schemas.spec_models.arg_field`, with
the server's limits as bounds and convcore's checks as validators), read from form text
first: ``2`` is 2, ``2,3`` (or the field sent twice) is ``(2, 3)``, ``true`` / ``on`` / ``1``
is True. Two options are the image mode's to set: ``groups`` follows the channels (3 for
RGB per channel, 1 otherwise) and ``return_indices`` has no picture.

The kernel is a name from convcore's catalogue (:func:`convcore.presets.kernel_presets`) or
typed rows: ``1 0 -1; 2 0 -2; 1 0 -1`` (rows split by ``;`` or new lines, numbers by spaces
or commas) or the JSON ``[[1, 0, -1], …]``.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from app.image.samples import SAMPLES
from app.pages.query import CELL_BOUND
from app.schemas.spec_models import Bounds, arg_field
from app.settings import Settings
from convcore.presets import kernel_presets
from convcore.spec import OPS, Arg

#: The operations image mode runs, in the order the page offers them.
IMAGE_OPS = ("conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d")
#: Options the image mode sets itself (see the module docstring).
DERIVED = frozenset({"groups", "return_indices"})

#: Each op's starting kernel and options where they differ from torch's defaults: an edge
#: finder; an upsampling ×2 (bilinear weights, output twice the input's size); 2×2 windows.
OP_DEFAULTS: dict[str, dict[str, Any]] = {
    "conv2d": {"kernel": "sobel_x", "padding": 1},
    "conv_transpose2d": {
        "kernel": "0.25 0.5 0.25; 0.5 1 0.5; 0.25 0.5 0.25",
        "stride": 2,
        "padding": 1,
        "output_padding": 1,
    },
    "max_pool2d": {"kernel_size": 2},
    "avg_pool2d": {"kernel_size": 2},
}

Channels = Literal["gray", "rgb"]
Combine = Literal["per_channel", "mix"]
Display = Literal["auto", "signed", "abs", "clip"]


class ImageParams(BaseModel):
    """The fields every image request has; :func:`image_models` adds the op's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: ClassVar[str] = ""

    sample: Literal[tuple(SAMPLES)] | None = Field(  # type: ignore[valid-type]
        None, description="A bundled sample instead of an uploaded image: " + ", ".join(SAMPLES)
    )
    channels: Channels = Field(
        "rgb", description="'rgb': three input channels; 'gray': the luma, one channel."
    )
    combine: Combine = Field(
        "per_channel",
        description="RGB only: 'per_channel' filters each channel on its own (groups = 3); "
        "'mix' sums the three filtered channels into one output channel (groups = 1).",
    )
    display: Display = Field(
        "auto",
        description="How the PNG draws the output: 'signed' (diverging colours, 0 white, "
        "±max|y| at the ends), 'abs' (|y| / max|y|), 'clip' (y clipped to [0, 1]); 'auto' "
        "is 'signed' when a value is negative, else 'clip' up to 1, else 'abs'.",
    )

    def op_kwargs(self) -> dict[str, Any]:
        """The op's keyword arguments the request gives (groups not yet: see compute)."""
        spec = OPS[self.op]
        return {a.name: getattr(self, a.name) for a in spec.options if a.name not in DERIVED}

    if TYPE_CHECKING:  # the op's fields are built at run time from convcore.spec

        def __getattr__(self, name: str) -> Any: ...


def _form_value(arg: Arg, value: Any) -> Any:
    """Form text → what the API's field takes (``'2,3'`` → ``[2, 3]``)."""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        return value
    parts = [p.strip() for item in items for p in item.split(",")]
    if arg.kind == "flag":
        word = parts[-1].lower()
        return {"true": True, "on": True, "1": True, "false": False, "off": False, "0": False}.get(
            word, value
        )
    if arg.kind in ("pair", "padding", "int"):
        parts = [p for p in parts if p]
        if not parts:
            return None if arg.optional else value
        numbers: list[Any] = [_number(p) for p in parts]
        return numbers[0] if len(numbers) == 1 else numbers
    return parts[-1] if parts else value


def _number(text: str) -> Any:
    """``'2'`` → 2, ``'2.0'`` → 2.0 (the API's validator judges it); a word stays a word."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def parse_kernel(text: str, max_side: int) -> NDArray[np.float64]:
    """A kernel's name or typed rows → a 2-D array; ValueError saying what is wrong.

    >>> parse_kernel("1 0 -1; 2,0,-2", 16)
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.]])
    >>> parse_kernel("identity", 16)[1, 1]
    np.float64(1.0)
    >>> parse_kernel("1 2; 3", 16)
    Traceback (most recent call last):
    ...
    ValueError: row 2 of the kernel has 1 numbers, row 1 has 2: every row needs as many
    """
    text = text.strip()
    presets = kernel_presets()
    if text in presets:
        return presets[text].values
    if text.startswith("["):
        try:
            rows = [[float(v) for v in row] for row in json.loads(text)]
        except RecursionError:  # json's decoder gives up on ~1000 nested lists
            raise ValueError(
                "the kernel's lists are nested too deeply: send rows of numbers"
            ) from None
        except (ValueError, TypeError) as exc:
            raise ValueError(f"the kernel is not a JSON list of rows of numbers ({exc})") from None
    else:
        lines = [line for line in text.replace(";", "\n").splitlines() if line.strip()]
        try:
            rows = [[float(v) for v in line.replace(",", " ").split()] for line in lines]
        except ValueError:
            names = ", ".join(presets)
            raise ValueError(
                f"the kernel must be one of {names}, or rows of numbers such as "
                f"'1 0 -1; 2 0 -2; 1 0 -1'; got {text[:40]!r}"
            ) from None
    return _checked_kernel(rows, max_side)


def _checked_kernel(rows: list[list[float]], max_side: int) -> NDArray[np.float64]:
    if not rows or not rows[0]:
        raise ValueError("the kernel is empty: type at least one number")
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            raise ValueError(
                f"row {i} of the kernel has {len(row)} numbers, row 1 has {len(rows[0])}: "
                "every row needs as many"
            )
    kernel = np.array(rows, dtype=np.float64)
    if kernel.shape[0] > max_side or kernel.shape[1] > max_side:
        raise ValueError(
            f"the kernel is {kernel.shape[0]}×{kernel.shape[1]}, over the limit of "
            f"{max_side}×{max_side} (max_kernel_side)"
        )
    if not all(math.isfinite(v) and abs(v) <= CELL_BOUND for v in kernel.ravel()):
        raise ValueError(f"kernel values must be finite numbers within ±{CELL_BOUND:g}")
    return kernel


def _kernel_field(op: str, settings: Settings) -> tuple[Any, Any]:
    def validate(value: Any) -> NDArray[np.float64]:
        if not isinstance(value, str):
            raise ValueError("the kernel must be text: a name or rows of numbers")
        return parse_kernel(value, settings.max_kernel_side)

    names = ", ".join(kernel_presets())
    annotation = Annotated[Any, BeforeValidator(validate)]
    return annotation, Field(
        OP_DEFAULTS[op]["kernel"],
        validate_default=True,  # the default is text too
        description=f"A named kernel ({names}) or typed rows: '1 0 -1; 2 0 -2; 1 0 -1'.",
        json_schema_extra={"type": "string", "maxLength": 20_000},
    )


def _option_field(arg: Arg, bounds: Bounds, default: Any) -> tuple[Any, Any]:
    """The API's field for ``arg``, reading form text first; the image mode's default."""
    annotation, info = arg_field(arg, bounds)
    read_form_text = BeforeValidator(lambda value: _form_value(arg, value))
    wrapped: Any = Annotated[annotation, read_form_text]
    return wrapped, Field(default, description=info.description)


@cache
def image_models(settings: Settings) -> dict[str, type[ImageParams]]:
    """One request model per image op, with ``settings``' limits as bounds.

    >>> model = image_models(Settings())["conv2d"]
    >>> params = model.model_validate({"stride": "2", "kernel": "sobel_y", "padding": "same"})
    >>> params.stride, params.padding, params.kernel.shape
    (2, 'same', (3, 3))
    """
    bounds = Bounds.of(settings)
    models: dict[str, type[ImageParams]] = {}
    for op in IMAGE_OPS:
        spec, defaults = OPS[op], OP_DEFAULTS[op]
        fields: dict[str, Any] = {}
        if any(a.name == "weight" for a in spec.tensors):
            fields["kernel"] = _kernel_field(op, settings)
        for arg in spec.options:
            if arg.name not in DERIVED:
                default = defaults.get(arg.name, None if arg.required else arg.default)
                fields[arg.name] = _option_field(arg, bounds, default)
        model = create_model(
            "Image" + "".join(part.title() for part in op.split("_")) + "Params",
            __base__=ImageParams,
            __doc__=f"POST /api/v1/image/{op}: the image, and {spec.torch}'s arguments.",
            **fields,
        )
        model.op = op
        models[op] = model
    return models
