"""The route class of every API router: JSON bodies read strictly, large ones off the loop.

FastAPI decodes a JSON body and validates it against the route's model on the event loop;
for a 2 MB body of nested lists that is most of a second in which no other request moves.
:class:`ApiRoute` hands FastAPI a request whose ``json()`` does that work itself: small
bodies on the loop as before, bodies over ``offload_body_bytes`` in the work gate
(:mod:`app.gate`), decoded *and* validated there. The model instance it returns passes
FastAPI's own validation untouched (pydantic does not revalidate an instance), and a body
that fails validation raises the same errors FastAPI would have, from the worker thread.

It also binds each request to the app's gate, so that routes can :func:`app.gate.offload`,
reads bodies as UTF-8 only, with a message that says so when they are not, and answers a
body sent under another Content-Type with a 415 that names the header to send.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from app import gate
from app.errors import BodyRejectedError, clean_error
from app.middleware import CLOSE

#: What ``field.validate`` needs: FastAPI's ModelField of the route's body.
BodyField = Any


def reject(kind: str, msg: str) -> BodyRejectedError:
    """One body error at ``["body"]``."""
    return BodyRejectedError([{"type": kind, "loc": ["body"], "msg": msg}])


def _to_float(text: str) -> float:
    return float(text)


def _to_int(text: str) -> int:
    return int(text)


def decode_json(body: bytes, *, yielding: bool = False) -> Any:
    """Bytes → Python values: UTF-8 only, with a readable error for what json cannot read.

    ``yielding`` (for large bodies, decoded in a worker thread): every number goes through
    a Python function, which lets the event loop's thread take the interpreter back every
    half millisecond; ``json.loads`` alone is one C call that held it for 40–50 ms per
    2 MB body. It costs about a fifth more time, off the loop.

    >>> decode_json(b'{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    >>> decode_json(b'{"a": "\\xff"}')
    Traceback (most recent call last):
    ...
    app.errors.BodyRejectedError: 422: the request body was rejected
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise reject(
            "json_invalid",
            f"the body is not UTF-8 text (byte 0x{body[exc.start]:02x} at offset {exc.start}): "
            "send JSON encoded as UTF-8, and uncompressed",
        ) from None
    hooks: dict[str, Any] = {"parse_float": _to_float, "parse_int": _to_int} if yielding else {}
    try:
        return json.loads(text, **hooks)
    except json.JSONDecodeError:
        raise  # FastAPI reports it, with the position
    except RecursionError:
        raise reject(
            "json_invalid", "the body's arrays or objects are nested too deeply to read"
        ) from None
    except ValueError:  # an integer past Python's digit limit (4300 digits)
        raise reject(
            "json_invalid", "a number in the body has too many digits to be read"
        ) from None


def decode_and_validate(body: bytes, field: BodyField) -> Any:
    """Decode ``body`` and validate it as FastAPI would; the model, or the 422's errors."""
    value, errors = field.validate(decode_json(body, yielding=True), {}, loc=("body",))
    if errors:
        cleaned = [clean_error(e) for e in errors]
        del errors  # they hold the parsed body, which the traceback would keep alive
        raise BodyRejectedError(cleaned)
    return value


class _StrictJsonRequest(Request):
    """A request whose ``json()`` is UTF-8 only and runs large bodies through the gate."""

    def __init__(self, request: Request, field: BodyField | None) -> None:
        super().__init__(request.scope, request.receive)
        self._field = field

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            limit = self.app.state.settings.offload_body_bytes
            if self._field is not None and len(body) > limit:
                self._json = await gate.offload(decode_and_validate, body, self._field)
            else:
                self._json = decode_json(body)
        return self._json


def _not_json(request: Request) -> JSONResponse | None:
    """A 415 for a body sent as something other than JSON, else None.

    FastAPI reads such a body as bytes and answers "Input should be a valid dictionary",
    which does not say what to change; ``curl -d`` without ``-H`` (form-encoded) is the
    usual cause.
    """
    headers = request.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return None  # no body: the model's own "Field required" says it
    media = headers.get("content-type", "").partition(";")[0].strip().lower()[:80]
    if media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    ):
        return None
    got = f"Content-Type: {media}" if media else "no Content-Type"
    msg = (
        f"the body must be JSON sent with Content-Type: application/json, got {got} "
        "(with curl: -H 'content-type: application/json')"
    )
    # the body stays unread, which leaves the connection unusable (as for the other 415)
    return JSONResponse({"detail": msg}, status_code=415, headers=CLOSE)


class ApiRoute(APIRoute):
    """An APIRoute that reads its JSON body strictly and binds the request to the gate."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        # decoding and validating in one go is only FastAPI's path for a single body model
        field = self.body_field if len(self.dependant.body_params) == 1 else None
        if getattr(self, "_embed_body_fields", False):
            field = None

        async def route(request: Request) -> Response:
            refusal = _not_json(request) if field is not None else None
            if refusal is not None:
                return refusal
            with gate.bound(request.app.state.gate, request.receive):
                return await handler(_StrictJsonRequest(request, field))

        return route
