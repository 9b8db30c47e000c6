"""GET /api/v1/{methods, presets}."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convcore as cc

pytestmark = pytest.mark.anyio


async def test_methods_list_the_registry(client):
    body = (await client.get("/api/v1/methods")).json()
    listed = {entry["op"]: [m["name"] for m in entry["methods"]] for entry in body["ops"]}
    assert listed == {op: list(table) for op, table in cc.METHODS.items()}
    assert set(listed) == {"conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d"}
    defaults = {
        entry["op"]: [m["name"] for m in entry["methods"] if m["default"]] for entry in body["ops"]
    }
    assert defaults == {
        "conv2d": ["im2col"],
        "conv_transpose2d": ["col2im"],
        "max_pool2d": ["window"],
        "avg_pool2d": ["window"],
    }
    for entry in body["ops"]:
        assert entry["endpoint"] == f"/api/v1/{entry['op']}"
        assert all(m["summary"] for m in entry["methods"])


async def test_every_listed_method_is_accepted(client):
    body = (await client.get("/api/v1/methods")).json()
    x = np.arange(16.0).reshape(4, 4).tolist()
    for entry in body["ops"]:
        extra = {"weight": [[1, 0], [0, 1]]} if "conv" in entry["op"] else {"kernel_size": 2}
        for method in entry["methods"]:
            response = await client.post(
                entry["endpoint"], json={"input": x, **extra, "method": method["name"]}
            )
            assert response.status_code == 200, response.text
            assert response.json()["reference"]["allclose"] is True


async def test_presets(client):
    body = (await client.get("/api/v1/presets")).json()
    kernels = {k["name"]: k for k in body["kernels"]}
    assert {
        "identity",
        "box_blur",
        "gaussian",
        "sharpen",
        "sobel_x",
        "sobel_y",
        "laplacian",
        "emboss",
        "outline",
    } <= set(kernels)
    inputs = {i["name"]: i for i in body["inputs"]}
    assert inputs["tutorial_3x3"]["values"] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    for preset in [*body["kernels"], *body["inputs"]]:
        assert preset["shape"] == list(np.shape(preset["values"]))
        assert preset["label"]
        assert preset["description"]
    # a preset kernel through the API equals torch on the same numbers
    x = inputs["arange_5x5"]["values"]
    response = await client.post(
        "/api/v1/conv2d", json={"input": x, "weight": kernels["sobel_x"]["values"], "padding": 1}
    )
    expected = F.conv2d(
        torch.tensor([[x]], dtype=torch.float64),
        torch.tensor([[kernels["sobel_x"]["values"]]], dtype=torch.float64),
        padding=1,
    )[0, 0]
    np.testing.assert_allclose(response.json()["output"], expected.numpy())
