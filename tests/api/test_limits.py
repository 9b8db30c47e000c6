"""Server limits: each just under (200) and just over (422 naming field, value and limit).

Every test builds an app whose limits are all generous except the one under test, so the
boundary case fails for that limit's reason alone.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from app.settings import Settings
from tests.api.helpers import assert_422

pytestmark = pytest.mark.anyio


def settings(**override) -> Settings:
    return Settings(
        **{
            "max_side": 64,
            "max_channels": 16,
            "max_batch": 8,
            "max_kernel_side": 8,
            "max_elements": 100_000,
            "max_matrix_elements": 1_000_000,
            "max_multiplies": 10_000_000,
            "max_trace_steps": 64,
            "max_body_bytes": 1_000_000,
            **override,
        }
    )


def zeros(*shape):
    return np.zeros(shape).tolist()


async def under_and_over(make_client, limit, path, under, over, *fragments):
    async with make_client(settings(**limit)) as client:
        ok = await client.post(path, json=under)
        assert ok.status_code == 200, ok.text
        response = await client.post(path, json=over)
    text = assert_422(response, *fragments)
    detail = response.json()["detail"][0]
    assert detail["type"] == "limit_exceeded"
    assert detail["ctx"]["limit"] == next(iter(limit.values()))
    assert detail["ctx"]["setting"] == next(iter(limit))
    return text


CASES = [
    (
        "side",
        {"max_side": 8},
        "/api/v1/conv2d",
        {"input": zeros(8, 3), "weight": zeros(1, 1)},
        {"input": zeros(9, 3), "weight": zeros(1, 1)},
        "input height is 9, over the limit of 8 (max_side)",
    ),
    (
        "width",
        {"max_side": 8},
        "/api/v1/max_pool2d",
        {"input": zeros(2, 8), "kernel_size": 1},
        {"input": zeros(2, 9), "kernel_size": 1},
        "input width is 9, over the limit of 8 (max_side)",
    ),
    (
        "output side",
        {"max_side": 8},
        "/api/v1/conv_transpose2d",
        {"input": zeros(4, 4), "weight": zeros(2, 2), "stride": 2},
        {"input": zeros(4, 4), "weight": zeros(3, 3), "stride": 2},
        "output height is 9, over the limit of 8 (max_side)",
    ),
    (
        "padding",
        {"max_side": 8, "max_kernel_side": 16},
        "/api/v1/conv2d",
        {"input": zeros(1, 1), "weight": zeros(16, 16), "padding": 8},
        {"input": zeros(1, 1), "weight": zeros(16, 16), "padding": 9},
        "padding is 9, over the limit of 8 (max_side)",
    ),
    (
        "channels",
        {"max_channels": 3},
        "/api/v1/conv2d",
        {"input": zeros(3, 2, 2), "weight": zeros(1, 3, 1, 1)},
        {"input": zeros(4, 2, 2), "weight": zeros(1, 4, 1, 1)},
        "input channels is 4, over the limit of 3 (max_channels)",
    ),
    (
        "output channels",
        {"max_channels": 3},
        "/api/v1/conv2d",
        {"input": zeros(1, 2, 2), "weight": zeros(3, 1, 1, 1)},
        {"input": zeros(1, 2, 2), "weight": zeros(4, 1, 1, 1)},
        "weight channels (weight.shape[0]) is 4, over the limit of 3 (max_channels)",
    ),
    (
        "batch",
        {"max_batch": 2},
        "/api/v1/avg_pool2d",
        {"input": zeros(2, 1, 2, 2), "kernel_size": 2},
        {"input": zeros(3, 1, 2, 2), "kernel_size": 2},
        "input batch size is 3, over the limit of 2 (max_batch)",
    ),
    (
        "kernel",
        {"max_kernel_side": 3},
        "/api/v1/conv2d",
        {"input": zeros(5, 5), "weight": zeros(3, 3)},
        {"input": zeros(5, 5), "weight": zeros(4, 3)},
        "weight kernel height is 4, over the limit of 3 (max_kernel_side)",
    ),
    (
        "pool kernel",
        {"max_kernel_side": 3},
        "/api/v1/max_pool2d",
        {"input": zeros(5, 5), "kernel_size": [2, 3]},
        {"input": zeros(5, 5), "kernel_size": [2, 4]},
        "kernel_size width is 4, over the limit of 3 (max_kernel_side)",
    ),
    (
        "elements",
        {"max_elements": 48},
        "/api/v1/conv2d",
        {"input": zeros(6, 8), "weight": zeros(1, 1)},
        {"input": zeros(7, 7), "weight": zeros(1, 1)},
        "input element count is 49, over the limit of 48 (max_elements)",
    ),
    (
        "unfold columns",
        {"max_elements": 36},
        "/api/v1/unfold",
        {"input": zeros(1, 4, 4), "kernel_size": 2},
        {"input": zeros(1, 4, 5), "kernel_size": 2},
        "columns element count is 48, over the limit of 36 (max_elements)",
    ),
    (
        "matrix",
        {"max_matrix_elements": 36},
        "/api/v1/kernel_matrix",
        {"weight": zeros(1, 1), "input_size": [1, 6]},
        {"weight": zeros(1, 1), "input_size": [1, 7]},
        "matrix kernel matrix entries (7×7) is 49, over the limit of 36 (max_matrix_elements)",
    ),
    (
        "method matrix",
        {"max_matrix_elements": 36},
        "/api/v1/conv2d",
        {"input": zeros(6, 1), "weight": zeros(1, 1), "method": "kernel_matrix"},
        {"input": zeros(7, 1), "weight": zeros(1, 1), "method": "kernel_matrix"},
        "method kernel matrix entries (7×7) is 49, over the limit of 36 (max_matrix_elements); "
        "use method 'im2col'",
    ),
    (
        "multiplies",
        {"max_multiplies": 64},
        "/api/v1/conv2d",
        {"input": zeros(8, 8), "weight": zeros(1, 1)},
        {"input": zeros(5, 13), "weight": zeros(1, 1)},
        "multiply-adds is 65, over the limit of 64 (max_multiplies)",
    ),
    (
        "trace steps",
        {"max_trace_steps": 4},
        "/api/v1/conv2d/trace",
        {"input": zeros(3, 3), "weight": zeros(1, 1), "count": 4},
        {"input": zeros(3, 3), "weight": zeros(1, 1), "count": 5},
        "count is 5, over the limit of 4 (max_trace_steps)",
    ),
    (
        "trace taps",
        {"max_trace_taps": 36},
        "/api/v1/max_pool2d/trace",
        {"input": zeros(6, 6), "kernel_size": 2, "stride": 1, "count": 9},
        {"input": zeros(6, 6), "kernel_size": 2, "stride": 1, "count": 10},
        "count × 4 taps per step is 40, over the limit of 36 (max_trace_taps)",
    ),
]


@pytest.mark.parametrize(
    ("limit", "path", "under", "over", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_limit(make_client, limit, path, under, over, message):
    await under_and_over(make_client, limit, path, under, over, message)


def body_of_size(size: int) -> bytes:
    """A valid conv2d body padded with spaces to exactly ``size`` bytes."""
    text = json.dumps({"input": [[1, 2], [3, 4]], "weight": [[1]]})
    return (text + " " * (size - len(text))).encode()


async def test_body_bytes_by_content_length(make_client):
    async with make_client(settings(max_body_bytes=500)) as client:
        headers = {"content-type": "application/json"}
        ok = await client.post("/api/v1/conv2d", content=body_of_size(500), headers=headers)
        assert ok.status_code == 200, ok.text
        over = await client.post("/api/v1/conv2d", content=body_of_size(501), headers=headers)
    assert over.status_code == 413
    assert over.json()["detail"].startswith("request body is 501 bytes, over the limit of 500")


async def test_body_bytes_counted_when_streamed(make_client):
    # a chunked body declares no length: the middleware has to count what arrives
    async def chunks(body: bytes):
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    async with make_client(settings(max_body_bytes=500)) as client:
        headers = {"content-type": "application/json"}
        ok = await client.post("/api/v1/conv2d", content=chunks(body_of_size(500)), headers=headers)
        assert ok.status_code == 200, ok.text
        over = await client.post(
            "/api/v1/conv2d", content=chunks(body_of_size(501)), headers=headers
        )
    assert over.status_code == 413
    assert "over the limit of 500 bytes (max_body_bytes)" in over.json()["detail"]


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CONVPLAY_MAX_SIDE", "17")
    monkeypatch.setenv("CONVPLAY_MAX_BODY_BYTES", "12345")
    loaded = Settings()
    assert (loaded.max_side, loaded.max_body_bytes) == (17, 12345)
    assert "CONVPLAY_MAX_SIDE" in os.environ


async def test_create_app_reads_the_environment(monkeypatch):
    import httpx

    from app.main import create_app

    monkeypatch.setenv("CONVPLAY_MAX_SIDE", "2")
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(
            "/api/v1/conv2d", json={"input": zeros(3, 3), "weight": zeros(1, 1)}
        )
    assert_422(response, "over the limit of 2 (max_side)")


# Python-level steps: the cost a loop method adds on top of numpy's work (issue 13)


async def test_a_loop_method_over_its_step_limit_names_the_method_that_fits(client):
    # the costliest request the default limits used to accept: about 12 s of CPU by loop
    body = {"input": zeros(4, 1, 127, 127), "kernel_size": 16, "stride": 1, "padding": 8}
    response = await client.post("/api/v1/max_pool2d", json={**body, "method": "loop"})
    text = assert_422(response, "use method 'window'")
    (error,) = response.json()["detail"]
    assert error["type"] == "limit_exceeded"
    assert error["loc"] == ["body", "method"]
    # 4·128·128 windows, each a pass of the outer loop and 256 of the inner one
    assert error["input"] == 4 * 128 * 128 * (1 + 256)
    assert error["ctx"] == {"limit": 100_000, "setting": "max_python_steps", "method": "window"}
    assert "Python-level step count of method 'loop' is 16842752" in text
    window = await client.post("/api/v1/max_pool2d", json={**body, "method": "window"})
    assert window.status_code == 200, window.text


async def test_the_step_limit_comes_from_the_settings(make_client):
    body = {"input": zeros(5, 5), "weight": zeros(2, 2), "method": "loop"}  # 16 windows
    async with make_client(settings(max_python_steps=16)) as client:
        assert (await client.post("/api/v1/conv2d", json=body)).status_code == 200
    async with make_client(settings(max_python_steps=15)) as client:
        response = await client.post("/api/v1/conv2d", json=body)
    assert_422(response, "is 16, over the limit of 15 (max_python_steps); use method 'im2col'")


@pytest.fixture
def conv2d_methods(monkeypatch):
    """conv2d's methods as these tests reason about them: a method added to the registry
    (one that fits every limit, say) must not change which one they expect suggested."""
    import convcore as cc

    names = ("loop", "im2col", "kernel_matrix", "shift_add")
    monkeypatch.setitem(cc.METHODS, "conv2d", {n: cc.METHODS["conv2d"][n] for n in names})


@pytest.mark.usefixtures("conv2d_methods")
async def test_the_default_method_is_suggested_first_then_the_fewest_steps(make_client):
    body = {"input": zeros(1, 1, 4, 4), "weight": zeros(1, 1, 3, 3)}  # 4 windows of 9 taps
    async with make_client(settings(max_python_steps=8)) as client:
        loop = await client.post("/api/v1/conv2d", json={**body, "method": "loop"})
        im2col = await client.post("/api/v1/conv2d", json={**body, "method": "im2col"})
    assert loop.status_code == 200, loop.text
    # im2col copies 9 taps; loop fits, and builds no matrix (kernel_matrix comes last)
    assert_422(im2col, "method 'im2col' is 9, over the limit of 8", "use method 'loop'")


@pytest.mark.usefixtures("conv2d_methods")
async def test_no_method_suggested_when_none_fits(make_client):
    body = {"input": zeros(1, 1, 4, 4), "weight": zeros(1, 1, 3, 3), "method": "loop"}
    async with make_client(settings(max_python_steps=3, max_matrix_elements=10)) as client:
        response = await client.post("/api/v1/conv2d", json=body)
    text = assert_422(response, "Python-level step count of method 'loop' is 4")
    assert "use method" not in text
    assert "method" not in response.json()["detail"][0]["ctx"]
