"""How the API says no: every rejection is a 4xx whose body a student can act on.

422 bodies keep FastAPI's shape (``{"detail": [{"type", "loc", "msg", ...}]}``) whether the
request failed schema validation, a server limit or convcore's own checks, so a client reads
one format. A 500 is a bug: the last-resort handler logs it and still answers in JSON.
"""

from __future__ import annotations

import logging
import math
import reprlib
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from convcore import ConvcoreError

logger = logging.getLogger("convplay.api")

#: Longest ``input`` echoed back in a validation error; a large array is not worth returning.
_ECHO_CHARS = 80
#: Longest message: the library's messages may quote what was sent (an unknown method name,
#: a tag), and a megabyte string sent back is no message.
_MSG_CHARS = 400


class LimitExceededError(Exception):
    """A request asks for more than a server limit allows (see :class:`app.settings.Settings`).

    ``method``, when set, is a cheaper method of the same operation that fits every limit;
    the message then ends by suggesting it.
    """

    def __init__(
        self, field: str, value: int, limit: int, setting: str, what: str, method: str | None = None
    ) -> None:
        hint = f"; use method {method!r}" if method else ""
        super().__init__(f"{what} is {value}, over the limit of {limit} ({setting}){hint}")
        self.field, self.value, self.limit, self.setting = field, value, limit, setting
        self.what, self.method = what, method
        self.message = str(self)

    def with_hint(self, method: str | None) -> LimitExceededError:
        """The same error, suggesting ``method`` instead (unchanged when it is None)."""
        if method is None:
            return self
        return LimitExceededError(
            self.field, self.value, self.limit, self.setting, self.what, method
        )


class ApiError(Exception):
    """A 422 for a request that is well formed but cannot be served (e.g. a float overflow)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class ImageRejectedError(Exception):
    """An uploaded file that cannot be used as an image: not one, broken, too big, animated.

    The message is ``template % values``; the template is marked for translation (the page
    shows it in its language, the API in English). ``kind`` is the 422's error type
    (``image_invalid``, or ``limit_exceeded`` with ``setting`` for a file over a size
    limit); ``status`` is 413 for a file over the upload size limit, 422 otherwise.
    Nothing is computed for such a file.
    """

    def __init__(
        self,
        template: str,
        values: dict[str, Any] | None = None,
        *,
        kind: str = "image_invalid",
        setting: str = "",
        status: int = 422,
    ) -> None:
        self.template, self.values = template, dict(values or {})
        self.message = template % self.values
        super().__init__(self.message)
        self.kind, self.setting, self.status = kind, setting, status


class BodyRejectedError(HTTPException):
    """A 422 raised while reading the body, carrying its errors cleaned for the response.

    An HTTPException because FastAPI re-raises those from its body reading as they are
    (anything else there becomes a bare 400). The errors are cleaned where they are raised
    (see :func:`clean_error`), so that no reference to a rejected megabyte array outlives
    the worker thread that parsed it.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(status_code=422, detail="the request body was rejected")
        self.errors = errors


def error_body(loc: Sequence[str | int], msg: str, kind: str, **extra: Any) -> dict[str, Any]:
    """One 422 body in FastAPI's ``HTTPValidationError`` format."""
    return {"detail": [{"type": kind, "loc": list(loc), "msg": msg, **extra}]}


def _loc(field: str) -> list[str | int]:
    """``'input'`` → ``['body', 'input']``; dotted names become path segments."""
    return ["body", *field.split(".")] if field else ["body"]


def _encodable(text: str) -> str:
    """``text`` with lone surrogates written as escapes: JSON may carry ``"\\ud800"``, which
    Python decodes to a character UTF-8 cannot encode (the response would fail to render)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _cut(text: str, limit: int) -> str:
    """``text`` encodable and at most about ``limit`` characters."""
    text = _encodable(text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def _json_safe(value: Any) -> Any:
    """A short, JSON-encodable echo of a rejected value (no NaN, no megabyte arrays)."""
    if isinstance(value, str):
        value = _encodable(value)
    if value is None or isinstance(value, bool | int | str):
        text = repr(value) if isinstance(value, str) else value
        return value if len(str(text)) <= _ECHO_CHARS else str(text)[:_ECHO_CHARS] + "…"
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    text = _short_repr(value)
    return text if len(text) <= _ECHO_CHARS else text[:_ECHO_CHARS] + "…"


def _short_repr(value: Any) -> str:
    """A repr that stops after a few items per level: ``repr()`` of a rejected 2 MB array
    took about 0.1 s on the event loop, to be cut to 80 characters."""
    short = reprlib.Repr()
    short.maxlevel, short.maxlist, short.maxtuple, short.maxdict = 3, 8, 8, 8
    short.maxstring = short.maxother = _ECHO_CHARS
    return short.repr(value)


def clean_error(error: dict[str, Any]) -> dict[str, Any]:
    """Keep an error's type, location and message; make its input and context JSON-safe."""
    loc = error.get("loc", ())
    clean: dict[str, Any] = {
        "type": str(error.get("type", "value_error")),
        "loc": [part if isinstance(part, int) else _cut(str(part), _ECHO_CHARS) for part in loc],
        "msg": _cut(str(error.get("msg", "invalid value")), _MSG_CHARS),
    }
    if "input" in error:
        clean["input"] = _json_safe(error["input"])
    context = {
        str(k): _json_safe(v)
        for k, v in (error.get("ctx") or {}).items()
        if not isinstance(v, BaseException)
    }  # the message already says it
    if context:
        clean["ctx"] = context
    return clean


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for this type only
    return JSONResponse({"detail": [clean_error(e) for e in exc.errors()]}, status_code=422)


async def _on_limit(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LimitExceededError)
    context: dict[str, Any] = {"limit": exc.limit, "setting": exc.setting}
    if exc.method:
        context["method"] = exc.method
    body = error_body(_loc(exc.field), exc.message, "limit_exceeded", input=exc.value, ctx=context)
    return JSONResponse(body, status_code=422)


async def _on_convcore(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConvcoreError)
    # the first argument the error names is the one to change: point the client at it
    loc = ["body", *exc.params[:1]]
    return JSONResponse(error_body(loc, str(exc), "convcore_error"), status_code=422)


async def _on_image(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ImageRejectedError)
    extra: dict[str, Any] = {"ctx": {"setting": exc.setting}} if exc.setting else {}
    body = error_body(["body", "image"], exc.message, exc.kind, **extra)
    return JSONResponse(body, status_code=exc.status)


async def _on_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(error_body(_loc(exc.field), exc.message, "value_error"), status_code=422)


#: What FastAPI says when the JSON decoder itself gives up (an integer past Python's digit
#: limit, nesting past the recursion limit); everything else malformed is a 422 already.
_UNPARSEABLE = "There was an error parsing the body"


async def _on_http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, HTTPException)  # registered for this type only
    if isinstance(exc, BodyRejectedError):
        return JSONResponse({"detail": exc.errors}, status_code=422)
    if exc.status_code == 400 and exc.detail == _UNPARSEABLE:
        msg = (
            "the body could not be read as JSON: a number has too many digits or the "
            "arrays are nested too deeply"
        )
        return JSONResponse(error_body(["body"], msg, "json_invalid"), status_code=422)
    return await http_exception_handler(request, exc)


async def _on_anything(request: Request, exc: Exception) -> JSONResponse:
    # a safety net, not a code path: the fuzz tests fail on any 500
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error; this is a bug in convplay"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(LimitExceededError, _on_limit)
    app.add_exception_handler(ConvcoreError, _on_convcore)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(ImageRejectedError, _on_image)
    app.add_exception_handler(Exception, _on_anything)
