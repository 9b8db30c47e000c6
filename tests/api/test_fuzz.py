"""Property-based fuzzing over the OpenAPI schema: no input may give a 500 or break the schema,
and the schema is exactly as strict as the server.

schemathesis generates bodies from each operation's schema (valid ones and, in the negative
phase, ones that violate it) and checks every response against the documented responses.
Bodies that break the schema must be rejected (negative-data rejection). Bodies that fit it
must be accepted, except for what a JSON Schema cannot say about one field alone: a rule
between arguments (a kernel that must fit its input, groups that must divide the channels:
a convcore error naming two arguments or more) or a limit on a product (values in an array,
multiply-adds, a method's steps, the size of the output). Small limits keep each example
cheap; the example count is bounded so that the whole pass stays well under a minute on two
cores.
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
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.errors import LimitExceededError
from app.main import create_app
from app.settings import Settings
from convcore import ConvcoreError

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

APP = create_app(SMALL)

#: The convcore and limit errors the app answered with since the last request (the 422 body
#: says what is wrong; the exception also says which arguments, which a body cannot show).
RAISED: list[Exception] = []


def _record(kind: type[Exception]) -> None:
    handler = APP.exception_handlers[kind]

    async def record(request, exc):
        RAISED.append(exc)
        return await handler(request, exc)

    APP.exception_handlers[kind] = record


_record(ConvcoreError)
_record(LimitExceededError)

#: Limits on a product or on what a request produces: no JSON Schema of one field states them.
DERIVED_LIMITS = {
    "max_elements",
    "max_matrix_elements",
    "max_multiplies",
    "max_python_steps",
    "max_trace_taps",
}
DERIVED_FIELDS = {"output", "columns", "matrix", "method"}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
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
def test_no_500_responses_match_and_the_schema_is_as_strict_as_the_server(case):
    RAISED.clear()
    response = case.call()
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
            negative_data_rejection,
        ],
    )
    if case.meta is not None and case.meta.generation.mode.is_positive:
        assert_accepted_unless_arguments_conflict(response, case)


def assert_accepted_unless_arguments_conflict(response, case) -> None:
    """Schema-valid data gets a 200, or a 422 for a rule the schema cannot express."""
    if response.status_code < 400:
        return
    if case.path.startswith("/api/v1/image/"):
        # an image endpoint's file must be a picture Pillow can decode, and its kernel a name
        # or rows of numbers: no JSON Schema can say either, so schema-valid bodies may get a
        # 422 there (still a 4xx in the documented format: the checks above hold)
        assert response.status_code in (413, 422), response.text
        return
    assert response.status_code == 422, response.text
    if not RAISED:  # rejected while parsing: only rows of unequal length may be
        for error in response.json()["detail"]:
            # a JSON Schema cannot say that the rows of one array have equal lengths, nor
            # that the values it allows (each finite) multiply into an output past float64
            ragged = error["type"] == "value_error" and "ragged array" in error["msg"]
            overflow = error["loc"][-1] in DERIVED_FIELDS and "overflows float64" in error["msg"]
            assert ragged or overflow, (
                f"a schema-valid body failed validation: {error} ({case.body!r:.300})"
            )
    for exc in RAISED:
        if isinstance(exc, ConvcoreError):
            assert len(exc.params) >= 2, f"{exc} is about {exc.params} alone: say so in the schema"
        else:
            assert isinstance(exc, LimitExceededError)
            derived = exc.setting in DERIVED_LIMITS or exc.field in DERIVED_FIELDS
            assert derived, f"{exc} bounds one field: say so in the schema"


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
