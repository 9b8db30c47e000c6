"""POST /api/v1/{op}/trace: step counts and every step's result against torch's output."""

from __future__ import annotations

import numpy as np
import pytest
import torch.nn.functional as F
from numpy.testing import assert_allclose

from tests.api.helpers import assert_422, t

pytestmark = pytest.mark.anyio

RNG = np.random.default_rng(5)


async def all_steps(client, path, body, count):
    """Fetch the whole trace in windows of 8 steps."""
    steps = []
    for start in range(0, count, 8):
        response = await client.post(path, json={**body, "start": start, "count": 8})
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["count"] == count
        assert result["start"] == start
        steps += result["steps"]
    return steps


def check_results(steps, expected):
    """Step t explains output value t (row-major over N, C, H, W)."""
    assert len(steps) == expected.size
    for step in steps:
        assert_allclose(step["result"], expected[tuple(step["index"])], atol=1e-12)


async def test_conv2d_trace(client):
    x, w, b = RNG.standard_normal((1, 2, 4, 5)), RNG.standard_normal((2, 2, 2, 3)), [0.5, -1]
    body = {"input": x.tolist(), "weight": w.tolist(), "bias": b, "stride": [1, 2], "padding": 1}
    expected = F.conv2d(t(x), t(w), t(b), stride=(1, 2), padding=1).numpy()
    steps = await all_steps(client, "/api/v1/conv2d/trace", body, expected.size)
    check_results(steps, expected)


async def test_conv2d_trace_tutorial_first_step(client):
    response = await client.post(
        "/api/v1/conv2d/trace",
        json={"input": [[0, 1, 2], [3, 4, 5], [6, 7, 8]], "weight": [[0, 1], [2, 3]]},
    )
    result = response.json()
    assert result["count"] == 4
    assert result["info"]["layout"] == "2d"
    (step,) = result["steps"]
    assert [tap["product"] for tap in step["taps"]] == [0, 1, 6, 12]
    assert step["result"] == 19


async def test_conv_transpose2d_trace_both_views(client):
    x, w = RNG.standard_normal((1, 1, 2, 3)), RNG.standard_normal((1, 2, 2, 2))
    body = {"input": x.tolist(), "weight": w.tolist(), "stride": 2, "padding": 1}
    expected = F.conv_transpose2d(t(x), t(w), stride=2, padding=1).numpy()
    steps = await all_steps(
        client, "/api/v1/conv_transpose2d/trace", {**body, "view": "conv"}, expected.size
    )
    check_results(steps, expected)
    response = await client.post("/api/v1/conv_transpose2d/trace", json=body)
    result = response.json()
    assert result["count"] == x.size  # the scatter view: one step per input value
    assert result["info"]["view"] == "scatter"
    assert result["steps"][0]["value"] == x[0, 0, 0, 0]


async def test_max_pool2d_trace(client):
    x = RNG.standard_normal((2, 5, 5))
    body = {"input": x.tolist(), "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}
    out, indices = F.max_pool2d(t(x), 3, stride=2, padding=1, ceil_mode=True, return_indices=True)
    steps = await all_steps(client, "/api/v1/max_pool2d/trace", body, out.numel())
    for step in steps:
        _, c, oy, ox = step["index"]
        assert step["result"] == out[c, oy, ox].item()
        assert step["flat_index"] == indices[c, oy, ox].item()


async def test_avg_pool2d_trace(client):
    x = RNG.standard_normal((1, 1, 5, 4))
    body = {"input": x.tolist(), "kernel_size": 2, "padding": 1, "count_include_pad": False}
    expected = F.avg_pool2d(t(x), 2, padding=1, count_include_pad=False).numpy()
    steps = await all_steps(client, "/api/v1/avg_pool2d/trace", body, expected.size)
    check_results(steps, expected)


async def test_trace_window_stops_at_the_end(client):
    body = {
        "input": [[0, 1, 2], [3, 4, 5], [6, 7, 8]],
        "weight": [[0, 1], [2, 3]],
        "start": 2,
        "count": 10,
    }
    result = (await client.post("/api/v1/conv2d/trace", json=body)).json()
    assert [s["t"] for s in result["steps"]] == [2, 3]


@pytest.mark.parametrize(
    ("start", "count", "message"),
    [
        (4, 1, "step must be in 0..3, got step=4"),
        (-1, 1, "greater than or equal to 0"),
        (0, 0, "greater than or equal to 1"),
    ],
)
async def test_trace_window_errors(client, start, count, message):
    body = {
        "input": [[0, 1, 2], [3, 4, 5], [6, 7, 8]],
        "weight": [[0, 1], [2, 3]],
        "start": start,
        "count": count,
    }
    assert_422(await client.post("/api/v1/conv2d/trace", json=body), message)
