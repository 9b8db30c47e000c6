"""POST /api/v1/{conv2d, conv_transpose2d, max_pool2d, avg_pool2d}: results checked against torch.

The expected values are computed here with torch.nn.functional directly, not through
convcore, so a wrong engine and a wrong reference block would both show.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose, assert_array_equal

import convcore as cc
from tests.api.helpers import t

pytestmark = pytest.mark.anyio

RNG = np.random.default_rng(7)


def rand(*shape):
    return RNG.standard_normal(shape).round(3)


async def post_ok(client, path, body):
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def check_reference(result, call):
    ref = result["reference"]
    assert ref["torch"] == torch.__version__
    assert ref["call"] == call
    assert ref["allclose"] is True
    assert ref["max_abs_diff"] < 1e-9


def run_script(result):
    """Execute the response's PyTorch script and return its ``out``."""
    namespace: dict = {}
    exec(result["pytorch_script"].replace("print(out)", ""), namespace)
    return namespace["out"]


async def test_conv2d_tutorial_example(client):
    result = await post_ok(
        client,
        "/api/v1/conv2d",
        {"input": [[0, 1, 2], [3, 4, 5], [6, 7, 8]], "weight": [[0, 1], [2, 3]]},
    )
    assert result["output"] == [[19.0, 25.0], [37.0, 43.0]]
    assert result["shape"] == [2, 2]
    assert result["method"] == "im2col"
    assert result["pytorch_code"] == "out = F.conv2d(x[None, None], w[None, None])[0, 0]"
    check_reference(result, "torch.nn.functional.conv2d")


@pytest.mark.parametrize("method", sorted(cc.METHODS["conv2d"]))
async def test_conv2d_every_method_matches_torch(client, method):
    x, w, b = rand(2, 4, 7, 6), rand(6, 2, 3, 2), rand(6)
    kwargs = {"stride": [2, 1], "padding": [1, 2], "dilation": [1, 2], "groups": 2}
    result = await post_ok(
        client,
        "/api/v1/conv2d",
        {"input": x.tolist(), "weight": w.tolist(), "bias": b.tolist(), "method": method, **kwargs},
    )
    expected = F.conv2d(
        t(x), t(w), t(b), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2
    ).numpy()
    assert result["shape"] == list(expected.shape)
    assert_allclose(result["output"], expected, atol=1e-10)
    assert result["method"] == method
    check_reference(result, "torch.nn.functional.conv2d")
    assert result["pytorch_code"] == (
        "out = F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)"
    )
    assert_allclose(run_script(result).numpy(), expected, atol=1e-10)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
async def test_conv2d_padding_modes_match_nn_conv2d(client, mode):
    x, w = rand(2, 5, 6), rand(3, 2, 3, 3)
    result = await post_ok(
        client,
        "/api/v1/conv2d",
        {
            "input": x.tolist(),
            "weight": w.tolist(),
            "padding": 2,
            "padding_mode": mode,
            "stride": 2,
        },
    )
    layer = torch.nn.Conv2d(2, 3, 3, stride=2, padding=2, padding_mode=mode, bias=False)
    layer = layer.double()
    with torch.no_grad():
        layer.weight.copy_(t(w))
        expected = layer(t(x)).numpy()
    assert_allclose(result["output"], expected, atol=1e-10)
    check_reference(result, f"torch.nn.Conv2d(padding_mode={mode!r})")
    assert f"F.pad(x, (2, 2, 2, 2), mode={mode!r})" in result["pytorch_code"]
    assert_allclose(run_script(result).numpy(), expected, atol=1e-10)


async def test_conv2d_same_padding_and_verify_off(client):
    x, w = rand(1, 1, 5, 5), rand(1, 1, 4, 4)
    result = await post_ok(
        client,
        "/api/v1/conv2d",
        {"input": x.tolist(), "weight": w.tolist(), "padding": "same", "verify": False},
    )
    expected = F.conv2d(t(x), t(w), padding="same").numpy()
    assert_allclose(result["output"], expected, atol=1e-10)
    assert result["reference"] is None
    assert result["pytorch_code"] == "out = F.conv2d(x, w, padding='same')"


@pytest.mark.parametrize("method", sorted(cc.METHODS["conv_transpose2d"]))
async def test_conv_transpose2d_every_method_matches_torch(client, method):
    x, w, b = rand(2, 4, 3, 4), rand(4, 3, 3, 2), rand(6)
    result = await post_ok(
        client,
        "/api/v1/conv_transpose2d",
        {
            "input": x.tolist(),
            "weight": w.tolist(),
            "bias": b.tolist(),
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
            "groups": 2,
            "dilation": [1, 2],
            "method": method,
        },
    )
    expected = F.conv_transpose2d(
        t(x), t(w), t(b), stride=2, padding=1, output_padding=1, groups=2, dilation=(1, 2)
    ).numpy()
    assert result["shape"] == list(expected.shape)
    assert_allclose(result["output"], expected, atol=1e-10)
    check_reference(result, "torch.nn.functional.conv_transpose2d")
    assert result["pytorch_code"] == (
        "out = F.conv_transpose2d(x, w, b, stride=2, padding=1, "
        "output_padding=1, groups=2, dilation=(1, 2))"
    )
    assert_allclose(run_script(result).numpy(), expected, atol=1e-10)


async def test_conv_transpose2d_tutorial_2d(client):
    result = await post_ok(
        client,
        "/api/v1/conv_transpose2d",
        {"input": [[1, 2], [3, 4]], "weight": [[1, 1], [1, 1]], "stride": 2},
    )
    expected = F.conv_transpose2d(t([[[[1, 2], [3, 4]]]]), t([[[[1, 1], [1, 1]]]]), stride=2)
    assert_array_equal(result["output"], expected[0, 0].numpy())
    assert_array_equal(run_script(result).numpy(), expected[0, 0].numpy())


@pytest.mark.parametrize("method", sorted(cc.METHODS["max_pool2d"]))
async def test_max_pool2d_every_method_matches_torch(client, method):
    x = rand(2, 3, 7, 8)
    result = await post_ok(
        client,
        "/api/v1/max_pool2d",
        {
            "input": x.tolist(),
            "kernel_size": [3, 2],
            "stride": 2,
            "padding": 1,
            "dilation": [1, 2],
            "ceil_mode": True,
            "return_indices": True,
            "method": method,
        },
    )
    out, indices = F.max_pool2d(
        t(x), (3, 2), stride=2, padding=1, dilation=(1, 2), ceil_mode=True, return_indices=True
    )
    assert_allclose(result["output"], out.numpy())
    assert_array_equal(result["indices"], indices.numpy())
    check_reference(result, "torch.nn.functional.max_pool2d")
    assert result["pytorch_code"] == (
        "out, indices = F.max_pool2d(x, (3, 2), stride=2, padding=1, dilation=(1, 2), "
        "ceil_mode=True, return_indices=True)"
    )
    namespace: dict = {}
    exec(result["pytorch_script"].replace("print(out)", ""), namespace)
    assert_array_equal(namespace["indices"].numpy(), indices.numpy())


async def test_max_pool2d_tutorial_example(client):
    x = np.arange(16.0).reshape(4, 4)
    result = await post_ok(
        client,
        "/api/v1/max_pool2d",
        {"input": x.tolist(), "kernel_size": 3, "stride": 2, "padding": 1},
    )
    assert result["output"] == [[5.0, 7.0], [13.0, 15.0]]
    assert result["indices"] is None
    assert_array_equal(run_script(result).numpy(), [[5.0, 7.0], [13.0, 15.0]])


@pytest.mark.parametrize("method", sorted(cc.METHODS["max_pool2d"]))
async def test_max_pool2d_window_of_padding_only_is_minus_inf_as_in_the_trace(client, method):
    # dilation 4 on a 3×3 input padded by 1: the one window's taps all fall in the padding
    x = np.arange(9.0).reshape(3, 3)
    kwargs = {"kernel_size": 2, "padding": 1, "dilation": 4}
    theirs, where = F.max_pool2d(t(x)[None], **kwargs, return_indices=True)
    assert theirs.item() == float("-inf")  # torch's answer, which JSON has no number for
    body = {"input": x.tolist(), **kwargs, "return_indices": True, "method": method}
    result = await post_ok(client, "/api/v1/max_pool2d", body)
    assert result["output"] == [["-inf"]]  # not null: the trace writes it the same way
    assert result["indices"] == where[0].tolist()
    assert result["reference"]["allclose"] is True
    trace = await post_ok(client, "/api/v1/max_pool2d/trace", {"input": x.tolist(), **kwargs})
    assert trace["steps"][0]["result"] == "-inf"


@pytest.mark.parametrize("method", sorted(cc.METHODS["avg_pool2d"]))
@pytest.mark.parametrize(
    "options",
    [
        {"count_include_pad": False},
        {"divisor_override": 3},
        {"ceil_mode": True},
    ],
)
async def test_avg_pool2d_every_method_matches_torch(client, method, options):
    x = rand(3, 7, 6)
    result = await post_ok(
        client,
        "/api/v1/avg_pool2d",
        {
            "input": x.tolist(),
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "method": method,
            **options,
        },
    )
    expected = F.avg_pool2d(t(x), 3, stride=2, padding=1, **options).numpy()
    assert_allclose(result["output"], expected, atol=1e-12)
    check_reference(result, "torch.nn.functional.avg_pool2d")
    assert_allclose(run_script(result).numpy(), expected, atol=1e-12)


async def test_large_requests_carry_no_script(client):
    x = rand(1, 3, 32, 32)
    result = await post_ok(client, "/api/v1/avg_pool2d", {"input": x.tolist(), "kernel_size": 2})
    assert result["pytorch_script"] is None
    assert result["pytorch_code"] == "out = F.avg_pool2d(x, 2)"
