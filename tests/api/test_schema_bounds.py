"""The OpenAPI schema is exactly as strict as the server, bound by bound.

Each request body here is judged twice: by the published OpenAPI schema (with a JSON
Schema validator, as a client generator or schemathesis would) and by the server. They
must agree: what the schema rejects gets a 422 pointing at the field, what it accepts
passes the field's checks. The bounds come from convcore.spec (minimum, nonzero) and from
the app's settings (maxima), so a test also checks that every bound reaches the schema.
"""

from __future__ import annotations

import httpx
import jsonschema_rs  # schemathesis's own validator
import pytest

from app.main import create_app
from app.settings import Settings
from convcore.spec import OPS

pytestmark = pytest.mark.anyio

SETTINGS = Settings(max_side=32, max_channels=8, max_kernel_side=5, max_trace_steps=16)
APP = create_app(SETTINGS)
OPENAPI = APP.openapi()

X3 = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
W2 = [[0, 1], [2, 3]]
BASE = {
    "/api/v1/conv2d": {"input": X3, "weight": W2},
    "/api/v1/conv_transpose2d": {"input": X3, "weight": W2},
    "/api/v1/max_pool2d": {"input": X3, "kernel_size": 2},
    "/api/v1/avg_pool2d": {"input": X3, "kernel_size": 2},
    "/api/v1/conv2d/trace": {"input": X3, "weight": W2},
    "/api/v1/unfold": {"input": [X3], "kernel_size": 2},
    "/api/v1/kernel_matrix": {"weight": W2, "input_size": 3},
}


def schema_accepts(path: str, body: dict) -> bool:
    """Whether the published schema of ``path``'s request body accepts ``body``."""
    content = OPENAPI["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    schema = {**content["schema"], "components": OPENAPI["components"]}
    return jsonschema_rs.Draft202012Validator(schema).is_valid(body)


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


# The bounds the issue lists, and their neighbours just inside.
REJECTED = [
    ("/api/v1/conv2d", "stride", 0),
    ("/api/v1/conv2d", "stride", -1),
    ("/api/v1/conv2d", "stride", [1, 0]),
    ("/api/v1/conv2d", "stride", 999999),
    ("/api/v1/conv2d", "dilation", 999999),
    ("/api/v1/conv2d", "groups", 999999),
    ("/api/v1/conv2d", "groups", 0),
    ("/api/v1/conv2d", "padding", 33),
    ("/api/v1/conv2d", "padding", -33),
    ("/api/v1/conv_transpose2d", "output_padding", -1),
    ("/api/v1/conv_transpose2d", "dilation", 999999),
    ("/api/v1/max_pool2d", "kernel_size", 6),
    ("/api/v1/max_pool2d", "stride", 999999),
    ("/api/v1/avg_pool2d", "divisor_override", 0),
    ("/api/v1/avg_pool2d", "divisor_override", 0.0),
    ("/api/v1/conv2d/trace", "count", 17),
    ("/api/v1/conv2d/trace", "stride", 0),
    ("/api/v1/unfold", "kernel_size", [2]),
    ("/api/v1/kernel_matrix", "input_size", 33),
    ("/api/v1/kernel_matrix", "weight", [[[1.0]]]),
    ("/api/v1/conv2d", "weight", [[[1.0]]]),
    ("/api/v1/conv2d", "input", [[0.0] * 33]),
]
ACCEPTED = [
    ("/api/v1/conv2d", "stride", 1),
    ("/api/v1/conv2d", "stride", 32),
    ("/api/v1/conv2d", "stride", 2.0),
    ("/api/v1/conv2d", "groups", 1.0),
    ("/api/v1/conv2d", "padding", 1),
    ("/api/v1/conv2d", "dilation", [1, 2]),
    ("/api/v1/max_pool2d", "kernel_size", 3),
    ("/api/v1/avg_pool2d", "divisor_override", -2),
    ("/api/v1/avg_pool2d", "divisor_override", 3.0),
    ("/api/v1/conv2d/trace", "count", 16),
    ("/api/v1/unfold", "kernel_size", [2, 2]),
    ("/api/v1/kernel_matrix", "input_size", [32, 2]),
]


@pytest.mark.parametrize(("path", "field", "value"), REJECTED)
async def test_what_the_schema_rejects_the_server_rejects_at_that_field(client, path, field, value):
    body = {**BASE[path], field: value}
    assert not schema_accepts(path, body)
    response = await client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]], response.text


@pytest.mark.parametrize(("path", "field", "value"), ACCEPTED)
async def test_what_the_schema_accepts_the_server_accepts(client, path, field, value):
    body = {**BASE[path], field: value}
    assert schema_accepts(path, body)
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text


async def test_the_messages_stay_convcores_and_the_limits(client):
    over = await client.post("/api/v1/conv2d", json={**BASE["/api/v1/conv2d"], "stride": 999999})
    (error,) = over.json()["detail"]
    assert error["type"] == "limit_exceeded"
    assert error["msg"] == "stride is 999999, over the limit of 32 (max_side)"
    assert error["ctx"] == {"limit": 32, "setting": "max_side"}
    zero = await client.post("/api/v1/conv2d", json={**BASE["/api/v1/conv2d"], "stride": 0})
    (error,) = zero.json()["detail"]
    assert error["type"] == "convcore_error"
    assert error["msg"] == "stride must be positive, got stride=0"


async def test_shape_takes_integral_floats_as_json_schema_counts_them(client):
    body = {"op": "conv2d", "input_shape": [1, 3, 461.0, 32], "weight_shape": [8, 3, 3.0, 3]}
    assert schema_accepts("/api/v1/shape", body)
    response = await client.post("/api/v1/shape", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["output_shape"] == [1, 8, 459, 30]
    half = {**body, "input_shape": [1, 3, 461.5, 32]}
    assert not schema_accepts("/api/v1/shape", half)
    assert (await client.post("/api/v1/shape", json=half)).status_code == 422


def _bounds(schema: dict) -> tuple[float | None, float | None]:
    """(minimum, maximum) of an integer or int-or-pair property (optional or not)."""
    while "anyOf" in schema:
        schema = next(s for s in schema["anyOf"] if s.get("type") == "integer" or "anyOf" in s)
    return schema.get("minimum"), schema.get("maximum")


CAPS = {
    "side": SETTINGS.max_side,
    "channels": SETTINGS.max_channels,
    "kernel": SETTINGS.max_kernel_side,
}


@pytest.mark.parametrize("op", list(OPS))
def test_every_bound_of_the_spec_and_the_settings_reaches_the_schema(op):
    properties = OPENAPI["components"]["schemas"][f"{_title(op)}Request"]["properties"]
    for arg in OPS[op].options:
        if arg.kind not in ("pair", "padding", "int"):
            continue
        low, high = _bounds(properties[arg.name])
        cap = CAPS.get(arg.size, 1_000_000)  # a plain value: only the API's overall bound
        expected_low = arg.minimum if arg.minimum is not None else -cap
        assert (low, high) == (expected_low, cap), (op, arg.name)
        if arg.nonzero:
            assert {"const": 0} in _not(properties[arg.name]), (op, arg.name)


def _not(schema: dict) -> list:
    """Every ``not`` clause in a property's schema."""
    found = [schema["not"]] if "not" in schema else []
    for sub in schema.get("anyOf", []):
        found += _not(sub)
    return found


def _title(op: str) -> str:
    return {
        "conv2d": "Conv2d",
        "conv_transpose2d": "ConvTranspose2d",
        "max_pool2d": "MaxPool2d",
        "avg_pool2d": "AvgPool2d",
    }[op]


def test_each_app_publishes_its_own_limits():
    small = create_app(Settings(max_side=8)).openapi()
    stride = small["components"]["schemas"]["Conv2dRequest"]["properties"]["stride"]
    assert _bounds(stride) == (1, 8)
    assert _bounds(OPENAPI["components"]["schemas"]["Conv2dRequest"]["properties"]["stride"]) == (
        1,
        32,
    )
