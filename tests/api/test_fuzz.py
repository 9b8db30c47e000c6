"""Property-based fuzzing over the OpenAPI schema: no input may give a 500 or break the schema.

schemathesis generates bodies from each operation's schema (valid ones and, in the negative
phase, ones that violate it) and checks every response against the documented responses.
Small limits keep each example cheap; the example count is bounded so that the whole pass
stays well under a minute on two cores.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from app.settings import Settings

SMALL = Settings(
    max_side=16,
    max_channels=4,
    max_batch=2,
    max_kernel_side=5,
    max_elements=2048,
    max_matrix_elements=65536,
    max_multiplies=200_000,
    max_trace_steps=8,
    max_body_bytes=200_000,
)

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(SMALL))
# bodies that fit the schema and bodies that break it (wrong types, missing fields, …)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
)

EXAMPLES = 30 if os.environ.get("HYPOTHESIS_PROFILE") == "dev" else 60


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_no_500_and_responses_match_schema(case):
    case.call_and_validate(
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ]
    )


def test_the_schema_has_every_endpoint():
    paths = schema.raw_schema["paths"]
    for op in ("conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d"):
        assert f"/api/v1/{op}" in paths
        assert f"/api/v1/{op}/trace" in paths
    for name in ("unfold", "kernel_matrix", "shape", "methods", "presets"):
        assert f"/api/v1/{name}" in paths


@pytest.mark.parametrize("path", ["/api/v1/conv2d", "/api/v1/shape", "/api/v1/kernel_matrix"])
def test_every_post_endpoint_has_worked_examples(path):
    body = schema.raw_schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    assert body["examples"]
