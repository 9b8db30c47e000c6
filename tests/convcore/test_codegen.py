"""convcore.codegen: the generated PyTorch code, executed with torch, reproduces the op."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, note
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from convcore import ConvcoreError, reference
from convcore.codegen import pytorch_code, pytorch_script
from tests.convcore.strategies import valid_conv2d_cases


def run(code: str, **tensors):
    namespace = {"F": F, "torch": torch}
    namespace.update(
        {
            k: None if v is None else torch.tensor(np.asarray(v, dtype=np.float64))
            for k, v in tensors.items()
        }
    )
    exec(code, namespace)
    return namespace


@given(case=valid_conv2d_cases())
def test_conv2d_code_reproduces_torch(case):
    code = pytorch_code(
        "conv2d",
        case.kwargs,
        input_ndim=case.x.ndim,
        kernel_shape=case.weight.shape,
        has_bias=case.bias is not None,
    )
    note(code)
    out = run(code, x=case.x, w=case.weight, b=case.bias)["out"]
    expected = reference.conv2d(case.x, case.weight, case.bias, **case.kwargs)
    assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-10)


@given(
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 2),
    output_padding=st.integers(0, 1),
    two_d=st.booleans(),
    bias=st.booleans(),
)
def test_conv_transpose2d_code_reproduces_torch(
    stride, padding, dilation, output_padding, two_d, bias
):
    output_padding = min(output_padding, max(stride, dilation) - 1)
    rng = np.random.default_rng(stride * 100 + padding * 10 + dilation)
    x = rng.standard_normal((3, 4) if two_d else (2, 2, 3, 4))
    w = rng.standard_normal((3, 3) if two_d else (2, 3, 3, 3))
    b = (rng.standard_normal(()) if two_d else rng.standard_normal(3)) if bias else None
    kwargs = {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "output_padding": output_padding,
    }
    try:
        expected = reference.conv_transpose2d(x, w, b, **kwargs)
    except RuntimeError:
        return  # padding crops everything: nothing to reproduce
    code = pytorch_code("conv_transpose2d", kwargs, input_ndim=x.ndim, has_bias=bias)
    out = run(code, x=x, w=w, b=b)["out"]
    assert_allclose(out.numpy(), expected, atol=1e-10)


@pytest.mark.parametrize("ndim", [2, 3, 4])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": [2, 3], "stride": [1, 2], "dilation": 2, "return_indices": True},
    ],
)
def test_max_pool2d_code_reproduces_torch(ndim, kwargs):
    x = np.random.default_rng(ndim).standard_normal((2, 3, 7, 7)[-ndim:])
    namespace = run(pytorch_code("max_pool2d", kwargs, input_ndim=ndim), x=x)
    expected = reference.max_pool2d(
        x, **{k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    )
    if kwargs.get("return_indices"):
        assert_allclose(namespace["out"].numpy(), expected[0])
        assert_array_equal(namespace["indices"].numpy(), expected[1])
    else:
        assert_allclose(namespace["out"].numpy(), expected)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2, "stride": 1, "padding": 1, "count_include_pad": False},
        {"kernel_size": 3, "divisor_override": 2, "ceil_mode": True, "stride": 2},
    ],
)
def test_avg_pool2d_code_reproduces_torch(kwargs):
    x = np.arange(30.0).reshape(5, 6)
    out = run(pytorch_code("avg_pool2d", kwargs, input_ndim=2), x=x)["out"]
    assert_allclose(out.numpy(), reference.avg_pool2d(x, **kwargs))


def test_only_non_default_arguments_are_written():
    assert (
        pytorch_code(
            "conv2d",
            {"stride": [1, 1], "padding": 0, "dilation": 1, "groups": 1, "padding_mode": "zeros"},
        )
        == "out = F.conv2d(x, w)"
    )
    assert (
        pytorch_code(
            "avg_pool2d",
            {
                "kernel_size": 2,
                "stride": None,
                "ceil_mode": False,
                "count_include_pad": True,
                "divisor_override": None,
            },
        )
        == "out = F.avg_pool2d(x, 2)"
    )
    assert pytorch_code("conv2d", {"padding": "valid", "padding_mode": "reflect"}) == (
        "out = F.conv2d(x, w, padding='valid')"
    )


def test_same_padding_with_a_mode_is_spelled_out():
    code = pytorch_code(
        "conv2d", {"padding": "same", "padding_mode": "replicate"}, kernel_shape=(1, 1, 4, 3)
    )
    assert code == "out = F.conv2d(F.pad(x, (1, 1, 1, 2), mode='replicate'), w)"
    x, w = np.random.default_rng(0).standard_normal((2, 1, 5, 6)), np.ones((1, 1, 4, 3))
    out = run(code, x=x, w=w)["out"]
    assert_allclose(out.numpy(), reference.conv2d(x, w, padding="same", padding_mode="replicate"))


def test_errors_name_the_argument():
    with pytest.raises(ConvcoreError, match="op must be one of"):
        pytorch_code("conv3d", {})
    with pytest.raises(ConvcoreError, match="needs the kernel's shape"):
        pytorch_code("conv2d", {"padding": "same", "padding_mode": "reflect"})


def test_script_runs_and_prints(capsys):
    script = pytorch_script(
        pytorch_code("conv2d", {}, input_ndim=2),
        {"x": [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], "w": [[0.0, 1.0], [2.0, 3.0]]},
    )
    exec(script, {})
    assert "19." in capsys.readouterr().out
