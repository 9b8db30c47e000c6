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

    max_side: int = Field(128, ge=1, description="Largest height or width of any input, "
                          "padded input or output.")
    max_channels: int = Field(64, ge=1, description="Most channels of an input or output.")
    max_batch: int = Field(8, ge=1, description="Largest batch size N.")
    max_kernel_side: int = Field(16, ge=1, description="Largest kernel height or width.")
    max_elements: int = Field(65_536, ge=1, description="Most values in any one array of a "
                              "request or a response (input, weight, output, im2col matrix).")
    max_matrix_elements: int = Field(1_048_576, ge=1, description="Most entries of an unrolled "
                                     "kernel matrix, built by /kernel_matrix and by the "
                                     "kernel_matrix methods.")
    max_multiplies: int = Field(20_000_000, ge=1, description="Most multiply-adds one "
                                "operation may perform.")
    max_trace_steps: int = Field(64, ge=1, description="Most steps one trace request returns.")
    max_body_bytes: int = Field(2_000_000, ge=64, description="Largest request body in bytes.")
