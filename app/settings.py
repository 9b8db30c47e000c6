"""Every tunable of the server in one place, each overridable by a ``CONVPLAY_*`` variable.

``CONVPLAY_MAX_SIDE=512 uvicorn app.main:create_app --factory`` raises the spatial limit;
tests build an app with their own ``Settings(...)`` instead.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Server limits: what one request may ask of the engine.

    Every limit bounds memory and time per request, so that no input can take the server
    down; a request over one gets a 422 naming the field, the value and the limit.
    """

    model_config = SettingsConfigDict(env_prefix="CONVPLAY_", frozen=True)

    max_side: int = Field(
        default=128,
        ge=1,
        description="Largest height or width of an input or output; also caps stride, "
        "padding and dilation.",
    )
    max_channels: int = Field(default=64, ge=1, description="Most channels of any array.")
    max_batch: int = Field(default=8, ge=1, description="Largest batch size N.")
    max_kernel_side: int = Field(default=16, ge=1, description="Largest kernel height or width.")
    max_elements: int = Field(
        default=65_536,
        ge=1,
        description="Most values in any one array of a request or a response (input, weight, "
        "output, im2col matrix, kernel matrix, the taps of a trace window).",
    )
    max_matrix_elements: int = Field(
        default=1_048_576,
        ge=1,
        description="Most entries of an unrolled kernel matrix built by a kernel_matrix method.",
    )
    max_multiplies: int = Field(
        default=20_000_000,
        ge=1,
        description="Most multiply-adds (or intermediate values) one operation may need.",
    )
    max_python_steps: int = Field(
        default=100_000,
        ge=1,
        description="Most Python-level steps one method may take: passes through the loops "
        "the interpreter runs itself (per window of the loop methods, per input cell of "
        "scatter, per tap of the vectorised ones), a few microseconds each. Over it, the "
        "error names a method that fits.",
    )
    max_trace_steps: int = Field(default=64, ge=1, description="Most steps per trace request.")
    max_trace_taps: int = Field(
        default=16_384,
        ge=1,
        description="Most taps in one trace response (steps × taps per step): each tap is a "
        "record of a dozen numbers, about 160 bytes of JSON and a few microseconds to build.",
    )
    max_body_bytes: int = Field(
        default=2_000_000, ge=64, description="Largest request body in bytes."
    )
    compute_threads: int = Field(
        default=1,
        ge=1,
        description="Threads torch (and the BLAS under numpy) may use per request in the "
        "server; requests run concurrently, so one is usually fastest overall.",
    )
    inline_work: int = Field(
        default=100_000,
        ge=0,
        description="Operations needing at most this many multiply-adds (and producing at "
        "most 1/100 as many values) run on the event loop; larger ones in a worker thread, "
        "so that they never stall other requests.",
    )
