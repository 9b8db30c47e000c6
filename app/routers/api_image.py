"""POST /api/v1/image/{conv2d, conv_transpose2d, max_pool2d, avg_pool2d}: a picture through an op.

The body is ``multipart/form-data``: the image file (field ``image``; or ``sample`` naming a
bundled one) and the op's arguments as form fields (``stride=2``, a pair as ``2,3`` or the
field twice). The answer is the output drawn as a PNG, or, for ``Accept: application/json``,
the numbers (:class:`app.schemas.image.ImageOpResponse`). Decoding, computing and encoding
run in the work gate (:mod:`app.gate`): an image is always heavy work.
"""

from __future__ import annotations

import gzip
from typing import Any

from fastapi import APIRouter, Request, Response

from app.gate import offload
from app.image.params import IMAGE_OPS, ImageParams, image_models
from app.image.service import checked_params, json_answer, png_answer, run_image
from app.image.upload import read_form
from app.routers.responses import ERRORS
from app.routing import ApiRoute
from app.schemas.image import ImageOpResponse
from app.settings import Settings
from convcore.spec import OPS

#: JSON answers longer than this are gzipped here for a client that accepts it.
GZIP_OVER = 1_000_000

_SUMMARIES = {
    "conv2d": "An image through conv2d",
    "conv_transpose2d": "An image through conv_transpose2d (upsampling)",
    "max_pool2d": "An image through max_pool2d",
    "avg_pool2d": "An image through avg_pool2d",
}


def wants_json(accept: str) -> bool:
    """The client asked for the numbers (``Accept: application/json``), not the picture.

    >>> wants_json("application/json"), wants_json("image/png"), wants_json("*/*")
    (True, False, False)
    """
    return "application/json" in accept.lower()


def _endpoint(op: str) -> Any:
    async def endpoint(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        form = read_form(await request.body(), request.headers.get("content-type", ""))
        params = checked_params(image_models(settings)[op], form.fields)
        upload = form.file("image")
        as_json = wants_json(request.headers.get("accept", ""))
        gzip_ok = "gzip" in request.headers.get("accept-encoding", "").lower()
        content, headers, media = await offload(_answer, params, upload, settings, as_json, gzip_ok)
        return Response(content, media_type=media, headers=headers)

    endpoint.__name__ = f"image_{op}"
    endpoint.__doc__ = (
        f"Run ``{OPS[op].torch}`` on an uploaded PNG, JPEG or WebP image (at most "
        "image_max_bytes; EXIF orientation applied, shrunk to image_max_side pixels a side) "
        "or a bundled sample, as one channel (gray) or three (rgb). Answers the output as a "
        "PNG (headers X-Output-Shape, X-Output-Range, X-Display), or the numbers with "
        "Accept: application/json. A file that is not such an image, is truncated, "
        "animated or a decompression bomb gets a 422 (413 over the size limit) at "
        '["body", "image"].'
    )
    return endpoint


def _answer(
    params: ImageParams, upload: bytes | None, settings: Settings, as_json: bool, gzip_ok: bool
) -> tuple[bytes, dict[str, str], str]:
    """The answer's body, headers and media type (in the work gate: all of it is heavy).

    The JSON of a 512×512 RGB picture is about 30 MB: it is compressed here, at level 1
    (0.2 s), rather than by the app's middleware at level 6 (1.4 s, outside the gate).
    """
    result = run_image(params, upload, settings)
    if as_json:
        body = json_answer(result, settings)
        if gzip_ok and len(body) > GZIP_OVER:
            headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
            return gzip.compress(body, compresslevel=1), headers, "application/json"
        return body, {}, "application/json"
    png, headers = png_answer(result)
    return png, headers, "image/png"


def _request_body(model: type[ImageParams], settings: Settings) -> dict[str, Any]:
    """The multipart body in the OpenAPI schema: the file and the model's fields."""
    schema = model.model_json_schema()
    image = {
        "type": "string",
        "format": "binary",
        "description": f"A PNG, JPEG or WebP file of at most {settings.image_max_bytes} bytes "
        "(image_max_bytes); or leave it out and name a sample.",
    }
    properties = {"image": image, **schema["properties"]}
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "title": model.__name__,
                    "type": "object",
                    "properties": properties,
                    "additionalProperties": False,
                },
            }
        },
    }


def build_router(settings: Settings) -> APIRouter:
    """One route per image op, documented with that op's fields and ``settings``' bounds."""
    router = APIRouter(prefix="/api/v1/image", tags=["image"], route_class=ApiRoute)
    responses: dict[int | str, dict[str, Any]] = {
        **ERRORS,
        200: {
            "description": "The output drawn as a PNG, or the numbers as JSON.",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        413: {
            "model": ERRORS[413]["model"],
            "description": "The body is longer than image_max_bytes (plus the form's fields).",
        },
        415: {"model": ERRORS[415]["model"], "description": "The body is not multipart/form-data."},
        422: {
            "description": "A field, the image file or the configuration is invalid.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
            },
        },
    }
    for op in IMAGE_OPS:
        router.add_api_route(
            f"/{op}",
            _endpoint(op),
            methods=["POST"],
            response_model=ImageOpResponse,
            responses=responses,
            summary=_SUMMARIES[op],
            openapi_extra={"requestBody": _request_body(image_models(settings)[op], settings)},
        )
    return router
