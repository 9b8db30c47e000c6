"""The error responses every API route documents besides FastAPI's own 422."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Message(BaseModel):
    """A plain error: ``{"detail": "..."}``."""

    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": Message, "description": "The body is longer than max_body_bytes."},
}
