"""What the page and the API share: the request's fields validated, the picture, the result.

Both read a form (the API's multipart body, the page's query or multipart form), validate
it with the op's model (:func:`app.image.params.image_models`), take the uploaded file or a
sample, prepare the job (convcore's checks and the limits) and run it, in the work gate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydantic_core
from numpy.typing import NDArray
from pydantic import ValidationError

from app.errors import (
    BodyRejectedError,
    ImageRejectedError,
    LimitExceededError,
    clean_error,
)
from app.i18n import N_
from app.image.compute import ImageJob, prepare_job
from app.image.decode import Picture, decode_image
from app.image.params import ImageParams
from app.image.render import Scale, colourise, png_bytes
from app.image.samples import sample_picture
from app.settings import Settings
from convcore import codegen
from convcore.spec import OPS


def form_values(model: type[ImageParams], fields: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Form fields (each a list of values) → the model's input: the op's pairs keep every
    value (``stride`` sent twice is ``(rows, columns)``), other fields their last."""
    pairs = {a.name for a in OPS[model.op].options if a.kind in ("pair", "padding")}
    return {name: list(v) if name in pairs else v[-1] for name, v in fields.items() if v}


def validate_params(
    model: type[ImageParams], fields: Mapping[str, Sequence[str]]
) -> tuple[ImageParams | None, list[dict[str, Any]]]:
    """The request's parameters, or None and the errors (FastAPI's format, loc ``body``)."""
    try:
        return model.model_validate(form_values(model, fields)), []
    except ValidationError as err:
        errors = [clean_error(dict(e)) for e in err.errors(include_url=False)]
        for error in errors:
            error["loc"] = ["body", *error["loc"]]
        return None, errors


def checked_params(model: type[ImageParams], fields: Mapping[str, Sequence[str]]) -> ImageParams:
    """The request's parameters, or a 422 with every field's error."""
    params, errors = validate_params(model, fields)
    if params is None:
        raise BodyRejectedError(errors)
    return params


def load_picture(params: ImageParams, upload: bytes | None, settings: Settings) -> Picture:
    """The uploaded file decoded, else the sample named; ImageRejectedError without either."""
    if upload is not None:
        return decode_image(
            upload, settings.image_max_bytes, settings.image_max_pixels, settings.image_max_side
        )
    if params.sample is not None:
        return sample_picture(params.sample)
    raise ImageRejectedError(
        N_("Send an image file (the field “image”: PNG, JPEG or WebP) or name a sample.")
    )


@dataclass(frozen=True)
class ImageResult:
    """A job and its output, with the output drawn."""

    job: ImageJob
    out: NDArray[np.float32]
    pixels: NDArray[np.uint8]
    scale: Scale

    @property
    def low(self) -> float:
        """The output's smallest value."""
        return float(self.out.min())

    @property
    def high(self) -> float:
        """The output's largest value."""
        return float(self.out.max())

    @property
    def code(self) -> str:
        """The ``torch.nn.functional`` call that computes the output from ``x`` and ``w``."""
        job = self.job
        shape = () if job.weight is None else job.weight.shape
        return codegen.pytorch_code(job.op, job.kwargs, input_ndim=3, kernel_shape=shape)


def run_image(params: ImageParams, upload: bytes | None, settings: Settings) -> ImageResult:
    """Decode, check, compute and draw (in a worker thread: it is the heavy part)."""
    picture = load_picture(params, upload, settings)
    job = prepare_job(params, picture, settings)
    out = job.run()
    pixels, scale = colourise(out, params.display)
    return ImageResult(job, out, pixels, scale)


def png_answer(result: ImageResult) -> tuple[bytes, dict[str, str]]:
    """The output as a PNG, and headers saying its shape, its range and the colour map."""
    headers = {
        "X-Output-Shape": ",".join(map(str, result.out.shape)),
        "X-Output-Range": f"{result.low!r},{result.high!r}",
        "X-Display": result.scale.mode,
    }
    return png_bytes(result.pixels), headers


def json_answer(result: ImageResult, settings: Settings) -> bytes:
    """The numbers: the input tensor as to_tensor gives it, the weight, the output.

    At most as many output values as a picture of ``image_max_side`` has (3 × side²): an
    upsampled 1024×1024 output would be 60 MB of JSON and over a second of work.
    """
    job = result.job
    most = 3 * settings.image_max_side**2
    if result.out.size > most:
        raise LimitExceededError(
            "output",
            result.out.size,
            most,
            "image_max_side",
            "output values in a JSON answer (ask for the PNG, or a smaller output)",
        )
    kwargs = {k: list(v) if isinstance(v, tuple) else v for k, v in job.kwargs.items()}
    width, height = job.picture.source
    body = {
        "op": job.op,
        "method": job.method,
        "arguments": kwargs,
        "source": {"format": job.picture.format, "width": width, "height": height},
        "input": {"shape": list(job.x.shape), "values": job.x.tolist()},
        "weight": None
        if job.weight is None
        else {"shape": list(job.weight.shape), "values": job.weight.tolist()},
        "output": {"shape": list(result.out.shape), "values": result.out.tolist()},
        "range": [result.low, result.high],
        "display": result.scale.mode,
        "pytorch_code": result.code,
    }
    return pydantic_core.to_json(body)
