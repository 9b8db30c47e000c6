"""Response bodies of the operation endpoints and their traces.

The request bodies are built from :mod:`convcore.spec` per app (:mod:`app.schemas.spec_models`):
each operation's parameters mirror ``torch.nn.functional``'s; a request adds the method
and whether to verify against torch, a trace request adds the window of steps.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.schemas.fields import ResultOut, TensorOut


class Reference(BaseModel):
    """The same call made through torch, and how far apart the two results are."""

    torch: str = Field(description="torch version", examples=["2.13.0+cpu"])
    call: str = Field(
        description="The torch function used.", examples=["torch.nn.functional.conv2d"]
    )
    allclose: bool = Field(description="numpy.allclose(ours, torch's): rtol 1e-5, atol 1e-8.")
    max_abs_diff: float | None = Field(
        description="max |ours − torch's|; null if torch refused the call."
    )
    error: str | None = Field(None, description="torch's message if it refused the call.")


class OpResponse(BaseModel):
    """An operation's result, with its check against torch and the code to reproduce it."""

    op: str
    method: str
    shape: list[int]
    output: ResultOut
    indices: TensorOut | None = Field(
        None,
        description="max_pool2d with return_indices: "
        "flat index (row·W + col) of each maximum in its plane.",
    )
    reference: Reference | None = Field(description="null when verify is false.")
    pytorch_code: str = Field(description="The torch call computing ``out`` from tensors x, w, b.")
    pytorch_script: str | None = Field(
        description="A complete runnable script with the "
        "tensors written out; null for large inputs."
    )


class TraceResponse(BaseModel):
    """A window of steps in convcore's trace format."""

    op: str
    count: int = Field(description="Steps in the whole trace.")
    start: int
    info: dict[str, Any] = Field(description="The tracer's TraceInfo: view, axes, shapes.")
    steps: list[dict[str, Any]] = Field(description="Steps start … start+len−1.")
