"""Liveness and versions: what a load balancer, a Docker HEALTHCHECK or a student checks."""

from __future__ import annotations

import functools
from importlib import metadata

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field

from convcore import reference

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The server is up, and which versions answer."""

    status: str = Field(examples=["ok"])
    convplay: str = Field(examples=["0.1.0"])
    numpy: str = Field(examples=["2.3.0"])
    torch: str = Field(examples=["2.13.0+cpu"])


@functools.cache
def convplay_version() -> str:
    """The installed distribution's version (read once: it scans the install's metadata)."""
    try:
        return metadata.version("convplay")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


@router.get("/healthz", response_model=Health, summary="Liveness and versions")
async def healthz() -> Health:
    """Answer 200 with the versions of convplay, numpy and the torch used as the reference.

    A coroutine: nothing here waits, so the probe is answered on the event loop without a
    hop to a worker thread (the thread pool may be busy compressing large responses).
    """
    return Health(
        status="ok",
        convplay=convplay_version(),
        numpy=np.__version__,
        torch=reference.torch_version(),
    )
