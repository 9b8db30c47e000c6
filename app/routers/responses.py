"""The error responses every API route documents besides FastAPI's own 422."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Message(BaseModel):
    """A plain error: ``{"detail": "..."}``."""

    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    408: {"model": Message, "description": "The body took longer than body_timeout to arrive."},
    413: {"model": Message, "description": "The body is longer than max_body_bytes."},
    415: {
        "model": Message,
        "description": "The body is compressed (Content-Encoding) or not sent as "
        "Content-Type: application/json.",
    },
    503: {
        "model": Message,
        "description": "Too many large computations at once (max_running, max_queued).",
        "headers": {
            "Retry-After": {
                "description": "Seconds after which a retry is likely to be served.",
                "schema": {"type": "integer"},
            }
        },
    },
}
