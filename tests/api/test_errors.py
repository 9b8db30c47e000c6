"""Bad requests: every one a 4xx with a message that says what is wrong, never a 500."""

from __future__ import annotations

import json

import pytest
import torch.nn.functional as F

from tests.api.helpers import assert_422, t

pytestmark = pytest.mark.anyio

X3 = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
W2 = [[0, 1], [2, 3]]

#: One valid body per array endpoint; the tests break one field at a time.
VALID = {
    "/api/v1/conv2d": {"input": X3, "weight": W2},
    "/api/v1/conv_transpose2d": {"input": X3, "weight": W2},
    "/api/v1/max_pool2d": {"input": X3, "kernel_size": 2},
    "/api/v1/avg_pool2d": {"input": X3, "kernel_size": 2},
    "/api/v1/conv2d/trace": {"input": X3, "weight": W2},
    "/api/v1/conv_transpose2d/trace": {"input": X3, "weight": W2},
    "/api/v1/max_pool2d/trace": {"input": X3, "kernel_size": 2},
    "/api/v1/avg_pool2d/trace": {"input": X3, "kernel_size": 2},
    "/api/v1/unfold": {"input": [X3], "kernel_size": 2},
    "/api/v1/kernel_matrix": {"weight": W2, "input_size": 3},
    "/api/v1/shape": {"op": "conv2d", "input_shape": [3, 3], "weight_shape": [2, 2]},
}
ARRAY_FIELD = {
    path: "weight" if path.endswith("kernel_matrix") else "input"
    for path in VALID
    if not path.endswith("shape")
}


async def post_raw(client, path, text):
    return await client.post(
        path, content=text.encode(), headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize("path", list(VALID))
async def test_valid_bodies_pass(client, path):
    response = await client.post(path, json=VALID[path])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", list(VALID))
@pytest.mark.parametrize("text", ['{"input": [[1, 2]', "not json", '{"input": [1,]}'])
async def test_malformed_json(client, path, text):
    assert_422(await post_raw(client, path, text), "JSON decode error")


@pytest.mark.parametrize("path", list(VALID))
async def test_body_must_be_an_object(client, path):
    assert_422(await client.post(path, json=[1, 2, 3]), "dictionary")
    assert_422(
        await client.post(path, content=b"", headers={"content-type": "application/json"}),
        "Field required",
    )


@pytest.mark.parametrize("path", list(ARRAY_FIELD))
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[0, 1, 2], [3, 4]], "ragged array: item [1] has 2 entries, but item [0] has 3"),
        ([[0, 1, 2], 3, [6, 7, 8]], "ragged array: item [1] is 3"),
        ([[[0, 1]], [[2], [3]]], "ragged array"),
        ([[0, "1"], [2, 3]], "item [0][1] is the string '1', not a number"),
        ([[0, True], [2, 3]], "item [0][1] is true, not a number"),
        ([[0, None], [2, 3]], "item [0][1] is null, not a number"),
        ([[]], "empty array"),
        ("abc", "expected an array"),
        ([[[[[1.0]]]]], "levels of nesting, got 5"),
    ],
)
async def test_arrays_must_be_rectangular_numbers(client, path, value, message):
    field = ARRAY_FIELD[path]
    if path.endswith("unfold") and isinstance(value, list) and "nesting" not in message:
        value, message = [value], message.replace("item [", "item [0][")  # unfold is 3-D
    body = {**VALID[path], field: value}
    text = assert_422(await client.post(path, json=body), message)
    assert f"body.{field}" in text


@pytest.mark.parametrize("path", list(ARRAY_FIELD))
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_nan_and_infinity_are_rejected(client, path, literal):
    # Python's json module reads NaN and Infinity literals: the validator must catch them
    field = ARRAY_FIELD[path]
    text = (
        f'{{"{field}": [[0, 1, 2], [3, {literal}, 5], [6, 7, 8]]'
        + "".join(
            f', "{k}": {v}'
            for k, v in [
                ("weight", "[[0, 1], [2, 3]]")
                if field == "input" and "pool" not in path and "unfold" not in path
                else ("kernel_size", "2")
                if field == "input"
                else ("input_size", "3")
            ]
        )
        + "}"
    )
    if "unfold" in path:
        text = text.replace(f'"{field}": [[', f'"{field}": [[[').replace("8]]", "8]]]")
    assert_422(await post_raw(client, path, text), "only finite numbers are allowed")


@pytest.mark.parametrize("literal", ["NaN", "Infinity"])
async def test_nan_in_scalar_fields(client, literal):
    for field in ("stride", "bias"):
        text = f'{{"input": [[1, 2], [3, 4]], "weight": [[1]], "{field}": {literal}}}'
        assert_422(await post_raw(client, "/api/v1/conv2d", text), field)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("stride", "2", "expected an integer or a list of 1 or 2 integers"),
        ("stride", 1.5, "expected an integer"),
        ("stride", [1, 2, 3], "expected an integer or a list of 1 or 2 integers, got [1, 2, 3]"),
        ("stride", True, "got true"),
        ("padding", "full", "padding must be an integer, [height, width], 'same' or 'valid'"),
        ("groups", "1", "valid integer"),
        ("groups", 1.5, "valid integer"),
        ("padding_mode", "mirror", "'zeros', 'reflect', 'replicate' or 'circular'"),
        ("verify", "yes", "valid boolean"),
        ("dilation", 10**7, "within ±1000000"),
        ("strides", 2, "Extra inputs are not permitted"),
    ],
)
async def test_wrong_types(client, field, value, message):
    body = {"input": X3, "weight": W2, field: value}
    text = assert_422(await client.post("/api/v1/conv2d", json=body), message)
    assert field in text


@pytest.mark.parametrize(
    ("path", "op"),
    [
        ("/api/v1/conv2d", "conv2d"),
        ("/api/v1/conv_transpose2d", "conv_transpose2d"),
        ("/api/v1/max_pool2d", "max_pool2d"),
        ("/api/v1/avg_pool2d", "avg_pool2d"),
    ],
)
async def test_unknown_method(client, path, op):
    response = await client.post(path, json={**VALID[path], "method": "fft"})
    assert_422(response, "method must be one of", f"for {op}, got 'fft'")


async def test_missing_field(client):
    assert_422(
        await client.post("/api/v1/conv2d", json={"input": X3}), "body.weight: Field required"
    )


# Invalid configurations: torch refuses each (checked here), and so does the API, with a
# message that names the argument and quotes the values, and a loc pointing at the field.
INVALID = [
    (
        "/api/v1/conv2d",
        {"input": X3, "weight": [[1] * 4] * 4},
        lambda: F.conv2d(t([[X3]]), t([[[[1] * 4] * 4]])),
        "does not fit the padded input 3×3",
        "weight",
    ),
    (
        "/api/v1/conv2d",
        {"input": X3, "weight": W2, "stride": 0},
        lambda: F.conv2d(t([[X3]]), t([[W2]]), stride=0),
        "stride must be positive",
        "stride",
    ),
    (
        "/api/v1/conv2d",
        {"input": X3, "weight": W2, "padding": -1},
        lambda: F.conv2d(t([[X3]]), t([[W2]]), padding=-1),
        "padding must not be negative",
        "padding",
    ),
    (
        "/api/v1/conv2d",
        {"input": [[X3, X3]], "weight": [[[W2]] * 3][0], "groups": 2},
        lambda: F.conv2d(t([[X3, X3]]), t([[W2]]), groups=2),
        "groups=2",
        "groups",
    ),
    (
        "/api/v1/conv2d",
        {"input": X3, "weight": W2, "padding": "same", "stride": 2},
        lambda: F.conv2d(t([[X3]]), t([[W2]]), padding="same", stride=2),
        "padding='same'",
        "padding",
    ),
    (
        "/api/v1/conv2d",
        {"input": [[X3]], "weight": [[W2]], "bias": [1, 2]},
        lambda: F.conv2d(t([[X3]]), t([[W2]]), t([1, 2])),
        "bias",
        "bias",
    ),
    (
        "/api/v1/conv_transpose2d",
        {"input": X3, "weight": W2, "output_padding": 1},
        lambda: F.conv_transpose2d(t([[X3]]), t([[W2]]), output_padding=1),
        "output_padding",
        "output_padding",
    ),
    (
        "/api/v1/max_pool2d",
        {"input": X3, "kernel_size": 2, "padding": 2},
        lambda: F.max_pool2d(t([X3]), 2, padding=2),
        "padding must be at most half",
        "padding",
    ),
    (
        "/api/v1/avg_pool2d",
        {"input": X3, "kernel_size": 4},
        lambda: F.avg_pool2d(t([X3]), 4),
        "does not fit",
        "kernel_size",
    ),
    (
        "/api/v1/avg_pool2d",
        {"input": X3, "kernel_size": 2, "divisor_override": 0},
        lambda: F.avg_pool2d(t([X3]), 2, divisor_override=0),
        "divisor_override",
        "divisor_override",
    ),
    (
        "/api/v1/unfold",
        {"input": [X3], "kernel_size": 4},
        lambda: F.unfold(t([[X3]]), 4),
        "window positions",
        "kernel_size",
    ),
    (
        "/api/v1/kernel_matrix",
        {"weight": W2, "input_size": 1},
        lambda: F.conv2d(t([[[[0.0]]]]), t([[W2]])),
        "does not fit",
        "weight",
    ),
]


@pytest.mark.parametrize(("path", "body", "torch_call", "message", "field"), INVALID)
async def test_invalid_configurations(client, path, body, torch_call, message, field):
    with pytest.raises((RuntimeError, ValueError)):
        torch_call()
    response = await client.post(path, json=body)
    assert_422(response, message)
    (error,) = response.json()["detail"]
    # loc points at the argument to change, as convcore's error names it
    assert error["loc"] == ["body", field]
    assert error["type"] == "convcore_error"


@pytest.mark.filterwarnings("ignore:overflow encountered")
async def test_overflow_is_a_422_not_a_500(client):
    body = {"input": [[1e300, 1e300]], "weight": [[1e300]]}
    assert_422(await client.post("/api/v1/conv2d", json=body), "overflows float64")


@pytest.mark.filterwarnings("ignore:overflow encountered")
async def test_a_kernel_matrix_that_overflows_is_a_422_not_nulls(client):
    # replicate padding lands both taps on the one input cell: their weights add up to ∞
    body = {"weight": [[1.7e308, 1.7e308]], "input_size": 1, "padding": [0, 1]}
    response = await client.post(
        "/api/v1/kernel_matrix", json={**body, "padding_mode": "replicate"}
    )
    assert_422(response, "matrix overflows float64")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
@pytest.mark.parametrize("path", ["/api/v1/conv2d", "/api/v1/unfold", "/api/v1/shape"])
async def test_a_body_not_sent_as_json_gets_a_415_naming_the_header(client, path, content_type):
    # curl -d '{...}' without -H sends JSON as application/x-www-form-urlencoded
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(path, content=json.dumps(VALID[path]).encode(), headers=headers)
    assert response.status_code == 415, response.text
    assert "Content-Type: application/json" in response.json()["detail"]
    assert (content_type or "no Content-Type") in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/x+json"])
async def test_json_media_types_are_read(client, content_type):
    body = json.dumps(VALID["/api/v1/conv2d"]).encode()
    headers = {"content-type": content_type}
    assert (await client.post("/api/v1/conv2d", content=body, headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"input": [[1]], "weight": [[1]], "stride": ' + "9" * 5000 + "}",
            "too many digits",
        ),  # past int's digit cap
        (
            '{"input": ' + "[" * 100_000 + "]" * 100_000 + ', "weight": [[1]]}',
            "nested too deeply",
        ),  # past the recursion cap
    ],
)
async def test_json_the_decoder_gives_up_on_is_a_readable_422(client, text, message):
    response = await post_raw(client, "/api/v1/conv2d", text)
    assert response.status_code == 422, response.text[:300]
    (error,) = response.json()["detail"]
    assert error["type"] == "json_invalid"
    assert message in error["msg"]


async def test_unknown_path_and_method(client):
    assert (await client.get("/api/v1/nothing")).status_code == 404
    assert (await client.get("/api/v1/conv2d")).status_code == 405


#: A lone UTF-16 surrogate: valid JSON (``"\\ud800"``), but no character UTF-8 can encode.
LONE = "\ud800"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/conv2d", {"input": [[1]], "weight": [[1]], "method": LONE}),
        ("/api/v1/conv2d", {"input": [[1]], "weight": [[1]], LONE: 1}),
        ("/api/v1/conv2d", {"input": [[1]], "weight": [[1]], "padding": LONE}),
        ("/api/v1/conv2d", {"input": [[1]], "weight": [[1]], "padding_mode": LONE}),
        ("/api/v1/conv2d", {"input": [[1]], "weight": [[1]], "groups": LONE}),
        ("/api/v1/conv_transpose2d/trace", {"input": [[1]], "weight": [[1]], "view": LONE}),
        ("/api/v1/shape", {"op": "conv2d", "input_shape": [3, 3], "padding": LONE}),
    ],
)
async def test_a_lone_surrogate_is_echoed_escaped_not_a_500(client, path, body):
    response = await post_raw(client, path, json.dumps(body))  # ASCII: "\\ud800" escaped
    assert response.status_code == 422, response.text[:300]
    assert "\\ud800" in response.text  # escaped, so the client sees what it sent


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/conv2d", {"input": [[1]], "weight": [[1]], "method": "a" * 500_000}),
        ("/api/v1/conv2d", {"input": [[1]], "weight": [[1]], "a" * 500_000: 1}),
        ("/api/v1/shape", {"op": "a" * 500_000, "input_shape": [3, 3]}),
    ],
)
async def test_a_long_string_is_not_echoed_whole(client, path, body):
    response = await client.post(path, json=body)
    assert response.status_code == 422
    assert len(response.content) < 2_000, response.text[:300]
