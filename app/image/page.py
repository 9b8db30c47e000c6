"""The /image page's view: the form's fields as received, their problems, the result drawn.

The page's form carries the API's fields (same names, same model, same checks:
:func:`app.image.params.image_models`) plus its own: ``op`` and ``shown`` (the op the
form was drawn for: the op's own fields are dropped when the student picks another op),
the kernel as a menu ``kp`` and typed rows ``k`` (``k0``: the rows as drawn, so that edited
rows win over the menu even without the script), ``padword`` (numbers, ``same`` or
``valid``), the clicked output pixel ``oy``, ``ox``, and ``lang``.

Problems are placed next to their control and said in the page's language: a field the
model rejects, a file that is not a usable image, convcore's verdict on the configuration
(next to the control of the argument it names first), a server limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.errors import ImageRejectedError, LimitExceededError
from app.i18n import N_
from app.image.params import IMAGE_OPS, OP_DEFAULTS, ImageParams, image_models
from app.image.patch import StepperLink, Zoom, zoom
from app.image.render import Scale, data_url, input_pixels, png_bytes
from app.image.service import ImageResult, run_image, validate_params
from app.pages.format import number_text
from app.pages.problems import convcore_message
from app.settings import Settings
from convcore.errors import ConvcoreError
from convcore.presets import kernel_presets
from convcore.spec import OPS

#: The page's own fields (everything that is not the model's).
PAGE_FIELDS = frozenset(
    {"lang", "op", "shown", "kp", "k", "k0", "padword", "oy", "ox", "zoom", "image", "source"}
)

#: Each op's label in the page's menu (N_-marked).
OP_LABELS = {
    "conv2d": N_("Convolution (conv2d)"),
    "conv_transpose2d": N_("Transposed convolution: upsampling (conv_transpose2d)"),
    "max_pool2d": N_("Max pooling (max_pool2d)"),
    "avg_pool2d": N_("Average pooling (avg_pool2d)"),
}

#: The controls every op's form has (besides the op's options), each with a message slot.
OWN_CONTROLS = frozenset({"sample", "image", "channels", "combine", "op", "kernel", "display"})

#: The control a convcore argument's error is shown next to.
ARG_CONTROLS = {"weight": "kernel", "input": "image", "bias": "kernel", "groups": "channels"}


def kernel_rows(values: Any) -> str:
    """A 2-D kernel as the page's rows: ``1 0 -1; 2 0 -2``.

    >>> import numpy as np
    >>> kernel_rows(np.array([[1.0, 0.0], [0.25, -2.0]]))
    '1 0; 0.25 -2'
    """
    return "; ".join(" ".join(number_text(float(v)) for v in row) for row in values)


@dataclass
class ImageView:
    """Everything the /image templates draw."""

    op: str
    fields: dict[str, list[str]]
    params: ImageParams | None
    problems: dict[str, list[str]] = field(default_factory=dict)
    result: ImageResult | None = None
    input_url: str = ""
    output_url: str = ""
    zoom: Zoom | None = None
    upload_name: str = ""
    picture_url: str = ""

    @property
    def source(self) -> tuple[int, int] | None:
        """The size of the picture as first uploaded (width, height).

        The page's script sends the decoded picture instead of the uploaded file after the
        first answer (smaller, and decoded the same again), with the original size in the
        field ``source`` for the caption; nothing else reads it.
        """
        if self.result is None:
            return None
        size = self.result.job.picture.source
        text = (self.fields.get("source") or [""])[-1]
        try:
            width, height = (int(part) for part in text.split("x"))
        except ValueError:
            return size
        return (width, height) if width >= size[0] and height >= size[1] else size

    def value(self, name: str, index: int = 0) -> str:
        """A field's value as the form shows it (as typed; else the model's default)."""
        values = self.fields.get(name)
        if values:
            return values[min(index, len(values) - 1)]
        default = _default(self.op, name)
        if isinstance(default, tuple):
            return str(default[min(index, 1)])
        if isinstance(default, bool):
            return "1" if default else "0"
        return "" if default is None else str(default)

    def add(self, control: str, message: str) -> None:
        """Put ``message`` next to ``control`` (next to the op's menu when the form has no
        such control: an output too large, a field the form does not send)."""
        if control not in OWN_CONTROLS and control not in op_options(self.op):
            control = "op"
        self.problems.setdefault(control, []).append(message)

    @property
    def scale(self) -> Scale | None:
        """The output's colour scale."""
        return None if self.result is None else self.result.scale


def _default(op: str, name: str) -> Any:
    """A field's starting value: the image mode's, else the spec's (torch's)."""
    if name in OP_DEFAULTS[op]:
        return OP_DEFAULTS[op][name]
    if name in ImageParams.model_fields:
        return ImageParams.model_fields[name].default
    if name in OPS[op].names:
        arg = OPS[op].arg(name)
        return None if arg.required else arg.default
    return None


def has_kernel(op: str) -> bool:
    """The op takes a weight (a convolution)."""
    return any(arg.name == "weight" for arg in OPS[op].tensors)


def page_fields(raw: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, list[str]]]:
    """The op, and the fields that apply to it (the op's own dropped on a change of op)."""
    fields = {name: list(values) for name, values in raw.items()}
    op = (fields.get("op") or ["conv2d"])[-1]
    op = op if op in IMAGE_OPS else "conv2d"
    shown = (fields.get("shown") or [op])[-1]
    if shown != op:  # the student picked another op: start from its defaults
        keep = {"lang", "sample", "channels", "combine", "display"}
        fields = {name: v for name, v in fields.items() if name in keep}
    fields["op"] = [op]
    return op, fields


def model_fields(op: str, fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The page's form → the model's fields: the kernel from the menu or the rows, the
    padding word, the flags' last value (a hidden 0 comes before each checkbox)."""
    out = {name: v for name, v in fields.items() if name not in PAGE_FIELDS}
    if has_kernel(op):
        menu = (fields.get("kp") or [""])[-1]
        rows, drawn = (fields.get("k") or [""])[-1], (fields.get("k0") or [""])[-1]
        if menu and menu != "custom" and rows.strip() == drawn.strip():
            out["kernel"] = [menu]
        elif rows.strip():
            out["kernel"] = [rows]
    word = (fields.get("padword") or [""])[-1]
    if word in ("same", "valid"):
        out["padding"] = [word]
    return out


def build_view(
    raw: Mapping[str, Sequence[str]],
    upload: bytes | None,
    upload_name: str,
    settings: Settings,
    gettext: Callable[[str], str],
    stepper: StepperLink,
) -> ImageView:
    """Validate, compute and draw (in a worker thread: decoding and computing are heavy)."""
    op, fields = page_fields(raw)
    model = image_models(settings)[op]
    params, errors = validate_params(model, model_fields(op, fields))
    view = ImageView(op, fields, params, upload_name=upload_name if upload else "")
    for error in errors:
        name = str(error["loc"][1]) if len(error["loc"]) > 1 else "image"
        view.add(name, str(error["msg"]).removeprefix("Value error, "))
    if params is None:
        return view
    if upload is None and params.sample is None:
        params = params.model_copy(update={"sample": "photo"})
        view.params = params
    try:
        view.result = run_image(params, upload, settings)
    except ImageRejectedError as err:
        view.add("image", gettext(err.template) % err.values)
        return view
    except ConvcoreError as err:
        control = err.params[0] if err.params else "op"
        view.add(ARG_CONTROLS.get(control, control), convcore_message(err, gettext))
        return view
    except LimitExceededError as err:
        view.add(ARG_CONTROLS.get(err.field, err.field or "op"), err.message)
        return view
    _draw(view, fields, stepper)
    return view


def _draw(view: ImageView, fields: Mapping[str, list[str]], stepper: StepperLink) -> None:
    """The images as data: URLs, and the zoom when a pixel was asked for."""
    result = view.result
    assert result is not None
    view.input_url = data_url(png_bytes(input_pixels(result.job.pixels)))
    if view.upload_name:  # the decoded picture, for the script to send instead of the file
        rgb = np.asarray(result.job.picture.image)
        same = result.job.params.channels == "rgb"  # then the input drawn is that picture
        view.picture_url = "in" if same else data_url(png_bytes(rgb))
    view.output_url = data_url(png_bytes(result.pixels))
    oy, ox = _int(fields.get("oy")), _int(fields.get("ox"))
    if oy is not None and ox is not None:
        view.zoom = zoom(result.job, result.out, oy, ox, stepper)


def _int(values: Sequence[str] | None) -> int | None:
    """A whole number typed in a field, or None."""
    if not values:
        return None
    try:
        return int(values[-1].strip())
    except ValueError:
        return None


def kernel_menu(view: ImageView) -> tuple[str, str]:
    """(menu value, rows) of the kernel controls as the form shows them."""
    typed = (view.fields.get("k") or [""])[-1]
    menu = (view.fields.get("kp") or [""])[-1]
    if view.params is not None and "kernel" in type(view.params).model_fields:
        kernel = view.params.kernel
        name = next((n for n, p in kernel_presets().items() if _same(p.values, kernel)), None)
        return (name or "custom"), kernel_rows(kernel)
    return menu or "custom", typed


def _same(a: Any, b: Any) -> bool:
    return bool(a.shape == b.shape and (a == b).all())


def op_options(op: str) -> list[str]:
    """The op's options the page draws, in the spec's order."""
    return [a.name for a in OPS[op].options if a.name not in ("groups", "return_indices")]
