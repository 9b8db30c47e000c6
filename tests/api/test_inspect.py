"""POST /api/v1/{unfold, kernel_matrix, shape} against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose, assert_array_equal

from tests.api.helpers import t

pytestmark = pytest.mark.anyio

RNG = np.random.default_rng(11)


async def test_unfold_matches_torch(client):
    x = RNG.standard_normal((2, 3, 6, 7))
    response = await client.post(
        "/api/v1/unfold",
        json={
            "input": x.tolist(),
            "kernel_size": [2, 3],
            "dilation": [2, 1],
            "padding": 1,
            "stride": [1, 2],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = F.unfold(t(x), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)).numpy()
    assert body["shape"] == list(expected.shape)
    assert_array_equal(body["columns"], expected)
    assert body["reference"]["allclose"] is True


async def test_unfold_tutorial_example(client):
    response = await client.post(
        "/api/v1/unfold", json={"input": [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]], "kernel_size": 2}
    )
    assert response.json()["columns"] == [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]


def torch_kernel_matrix(weight, size, **kwargs):
    """Column j of K is the convolution of the j-th one-hot image (torch does the work)."""
    channels = weight.shape[1] * kwargs.get("groups", 1)
    basis = torch.eye(channels * size[0] * size[1], dtype=torch.float64)
    images = basis.reshape(-1, channels, *size)
    mode = kwargs.pop("padding_mode", "zeros")
    if mode == "zeros":
        out = F.conv2d(images, t(weight), **kwargs)
    else:
        layer = torch.nn.Conv2d(
            channels, weight.shape[0], weight.shape[2:], bias=False, padding_mode=mode, **kwargs
        ).double()
        with torch.no_grad():
            layer.weight.copy_(t(weight))
            out = layer(images)
    return out.reshape(images.shape[0], -1).T.detach().numpy()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2, "padding": 1},
        {"dilation": [2, 1], "padding": [2, 0], "groups": 2},
        {"padding": 1, "padding_mode": "reflect"},
        {"padding": 2, "padding_mode": "circular", "stride": [1, 2]},
    ],
)
async def test_kernel_matrix_matches_torch(client, kwargs):
    weight = RNG.standard_normal((2, 1 if "groups" in kwargs else 2, 3, 2))
    size = (5, 4)
    response = await client.post(
        "/api/v1/kernel_matrix",
        json={"weight": weight.tolist(), "input_size": list(size), **kwargs},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = torch_kernel_matrix(
        weight, size, **{k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    )
    assert body["shape"] == list(expected.shape)
    assert_allclose(body["matrix"], expected, atol=1e-12)
    assert body["reference"]["allclose"] is True


async def test_kernel_matrix_tutorial(client):
    response = await client.post(
        "/api/v1/kernel_matrix", json={"weight": [[0, 1], [2, 3]], "input_size": 3}
    )
    body = response.json()
    assert body["output_size"] == [2, 2]
    assert body["matrix"][0] == [0, 1, 0, 2, 3, 0, 0, 0, 0]


async def test_kernel_matrix_rejects_a_3d_weight(client):
    response = await client.post(
        "/api/v1/kernel_matrix", json={"weight": [[[1.0]]], "input_size": 3}
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    # the schema says so too (a 2- or 4-level array), so it is a validation error on the field
    assert error["loc"] == ["body", "weight"]
    assert "expected 2 or 4 levels of nesting, got 3" in error["msg"]


def torch_shape(op, body):
    """The output shape torch gives on zeros of the requested shapes, or None if it refuses."""
    x = torch.zeros(body["input_shape"], dtype=torch.float64)
    params = {
        k: tuple(v) if isinstance(v, list) else v
        for k, v in body.items()
        if k not in ("op", "input_shape", "weight_shape")
    }
    try:
        if op == "conv2d":
            w = torch.zeros(body["weight_shape"], dtype=torch.float64)
            if x.dim() == 2:
                x, w = x[None, None], w[None, None]
            out = F.conv2d(x, w, **params)
            return list(out.shape[2:]) if len(body["input_shape"]) == 2 else list(out.shape)
        if op == "conv_transpose2d":
            return list(
                F.conv_transpose2d(
                    x, torch.zeros(body["weight_shape"], dtype=torch.float64), **params
                ).shape
            )
        pool = getattr(F, op)
        return list(pool(x[None] if x.dim() == 2 else x, **params).shape[-x.dim() :])
    except (RuntimeError, ValueError):
        return None


SHAPES = [
    {"op": "conv2d", "input_shape": [5, 5], "weight_shape": [3, 3], "stride": 2, "padding": 1},
    {
        "op": "conv2d",
        "input_shape": [1, 4, 9, 7],
        "weight_shape": [6, 2, 3, 2],
        "groups": 2,
        "dilation": [2, 3],
        "stride": [2, 1],
    },
    {"op": "conv2d", "input_shape": [3, 8, 8], "weight_shape": [4, 3, 4, 4], "padding": "same"},
    {"op": "conv2d", "input_shape": [2, 2], "weight_shape": [3, 3]},
    {"op": "conv2d", "input_shape": [1, 3, 8, 8], "weight_shape": [4, 2, 3, 3]},
    {
        "op": "conv_transpose2d",
        "input_shape": [1, 2, 3, 3],
        "weight_shape": [2, 4, 3, 3],
        "stride": 2,
        "padding": 1,
        "output_padding": 1,
    },
    {
        "op": "conv_transpose2d",
        "input_shape": [1, 1, 3, 3],
        "weight_shape": [1, 1, 3, 3],
        "output_padding": 1,
    },
    {"op": "max_pool2d", "input_shape": [1, 5, 5], "kernel_size": 2, "ceil_mode": True},
    {
        "op": "max_pool2d",
        "input_shape": [1, 5, 5],
        "kernel_size": 3,
        "stride": 3,
        "padding": 1,
        "ceil_mode": True,
    },
    {"op": "max_pool2d", "input_shape": [1, 9, 9], "kernel_size": 3, "dilation": 2},
    {"op": "max_pool2d", "input_shape": [1, 4, 4], "kernel_size": 2, "padding": 2},
    {"op": "avg_pool2d", "input_shape": [2, 1, 7, 6], "kernel_size": [3, 2], "stride": [2, 1]},
    {"op": "avg_pool2d", "input_shape": [1, 2, 2], "kernel_size": 3},
]


@pytest.mark.parametrize("body", SHAPES, ids=lambda b: f"{b['op']}-{b['input_shape']}")
async def test_shape_agrees_with_torch(client, body):
    response = await client.post("/api/v1/shape", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    expected = torch_shape(body["op"], body)
    assert result["valid"] is (expected is not None), result["message"]
    assert result["output_shape"] == expected
    if expected is not None:
        assert [a["size"] for a in result["axes"]] == expected[-2:]
        assert result["message"].startswith("valid")
    else:
        assert result["message"]


async def test_shape_formula_and_same_padding(client):
    response = await client.post(
        "/api/v1/shape",
        json={"op": "conv2d", "input_shape": [5, 5], "weight_shape": [4, 3], "dilation": [1, 2]},
    )
    result = response.json()
    assert result["axes"][0]["formula"] == "⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1"
    assert result["axes"][0]["substituted"] == "⌊(5 + 2·0 − 1·(4 − 1) − 1) / 1⌋ + 1 = 2"
    assert result["axes"][1]["substituted"] == "⌊(5 + 2·0 − 2·(3 − 1) − 1) / 1⌋ + 1 = 1"
    assert result["same_padding"] == {"height": [1, 2], "width": [2, 2], "symmetric": False}
    # torch agrees that this padding keeps the size
    out = F.conv2d(
        F.pad(torch.zeros(1, 1, 5, 5), (2, 2, 1, 2)), torch.zeros(1, 1, 4, 3), dilation=(1, 2)
    )
    assert tuple(out.shape[2:]) == (5, 5)


async def test_shape_has_no_same_padding_when_strided(client):
    response = await client.post(
        "/api/v1/shape",
        json={"op": "conv2d", "input_shape": [5, 5], "weight_shape": [3, 3], "stride": 2},
    )
    assert response.json()["same_padding"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"op": "conv3d", "input_shape": [5, 5]}, "op"),
        ({"op": "conv2d", "input_shape": [5], "weight_shape": [3, 3]}, "at least 2 items"),
        ({"op": "conv2d", "input_shape": [5, 0], "weight_shape": [3, 3]}, "greater than or equal"),
        ({"op": "max_pool2d", "input_shape": [5, 5]}, "kernel_size"),
    ],
)
async def test_shape_rejects_malformed_requests(client, body, message):
    response = await client.post("/api/v1/shape", json=body)
    assert response.status_code == 422
    assert message in response.text
