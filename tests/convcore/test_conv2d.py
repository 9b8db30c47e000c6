"""conv2d: every method against torch.nn.functional, error parity, the tutorial's example."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, note, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import convcore as cc
from convcore import reference
from tests.convcore.strategies import (
    Conv2dCase,
    any_conv2d_cases,
    nudged_conv2d_cases,
    valid_conv2d_cases,
)

CONV2D_METHODS = sorted(cc.METHODS["conv2d"])


def run_both(case: Conv2dCase, method: str) -> tuple[np.ndarray, np.ndarray]:
    ours = cc.conv2d(case.x, case.weight, case.bias, method=method, **case.kwargs)
    theirs = reference.conv2d(case.x, case.weight, case.bias, **case.kwargs)
    return ours, theirs


@pytest.mark.parametrize("method", CONV2D_METHODS)
def test_tutorial_example(method):
    # The tutorial's worked example: 0×0 + 1×1 + 3×2 + 4×3 = 19 for the first output.
    x = np.arange(9.0).reshape(3, 3)
    out = cc.conv2d(x, [[0.0, 1.0], [2.0, 3.0]], method=method)
    assert_array_equal(out, [[19.0, 25.0], [37.0, 43.0]])


@pytest.mark.parametrize("method", CONV2D_METHODS)
@given(case=valid_conv2d_cases())
def test_matches_torch(method, case):
    ours, theirs = run_both(case, method)
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float64
    assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


#: words one of which every conv2d error message must contain: the argument at fault
ARGUMENT_WORDS = (
    "input",
    "weight",
    "bias",
    "stride",
    "padding",
    "dilation",
    "groups",
    "padding_mode",
    "kernel",
)


# nn.Conv2d (torch's oracle for the padding modes) warns when it initialises an empty weight
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@pytest.mark.parametrize("method", CONV2D_METHODS)
@given(case=st.one_of(nudged_conv2d_cases(), any_conv2d_cases()))
def test_rejects_exactly_what_torch_rejects(method, case):
    try:
        theirs = reference.conv2d(case.x, case.weight, case.bias, **case.kwargs)
    except (RuntimeError, ValueError, TypeError) as torch_error:
        note(f"torch: {torch_error}")
        with pytest.raises(cc.ConvcoreError) as info:
            cc.conv2d(case.x, case.weight, case.bias, method=method, **case.kwargs)
        assert any(word in str(info.value) for word in ARGUMENT_WORDS), str(info.value)
        return
    ours = cc.conv2d(case.x, case.weight, case.bias, method=method, **case.kwargs)
    assert ours.shape == theirs.shape
    assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


EDGE_CASES = {
    # kernel exactly as large as the padded input: one output value
    "kernel fills padded input": ((1, 2, 3, 4), (3, 2, 5, 6), {"padding": 1}),
    "1x1 kernel": ((2, 3, 5, 4), (4, 3, 1, 1), {}),
    "1x1 kernel strided": ((2, 3, 5, 4), (4, 3, 1, 1), {"stride": 2}),
    "depthwise": ((1, 4, 6, 6), (4, 1, 3, 3), {"groups": 4, "padding": 1}),
    "depthwise multiplier 2": ((1, 3, 6, 5), (6, 1, 3, 2), {"groups": 3, "dilation": 2}),
    "1x1 input": ((1, 2, 1, 1), (3, 2, 1, 1), {}),
    "1x1 input padded": ((1, 1, 1, 1), (1, 1, 3, 3), {"padding": 1}),
    "same even kernel": ((1, 1, 5, 6), (2, 1, 4, 2), {"padding": "same"}),
    "same dilated": ((1, 2, 7, 7), (1, 2, 3, 3), {"padding": "same", "dilation": 3}),
    "circular pad equals size": (
        (1, 1, 2, 3),
        (1, 1, 3, 3),
        {"padding": 2, "padding_mode": "circular"},
    ),
    "reflect negative padding crops": (
        (1, 1, 6, 6),
        (1, 1, 2, 2),
        {"padding": (-1, 2), "padding_mode": "reflect"},
    ),
    "empty batch": ((0, 2, 5, 5), (3, 2, 3, 3), {}),
    "stride larger than input": ((1, 1, 4, 4), (1, 1, 2, 2), {"stride": 7}),
}


@pytest.mark.parametrize("method", CONV2D_METHODS)
@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases(method, name):
    x_shape, w_shape, kwargs = EDGE_CASES[name]
    rng = np.random.default_rng(len(name))
    case = Conv2dCase(
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[0]),
        kwargs,
    )
    ours, theirs = run_both(case, method)
    assert ours.shape == theirs.shape
    assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", CONV2D_METHODS)
def test_float32_stays_float32(method):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    out = cc.conv2d(x, w, stride=2, padding=1, method=method)
    assert out.dtype == np.float32
    assert_allclose(out, reference.conv2d(x, w, stride=2, padding=1), rtol=1e-4, atol=1e-5)


def test_two_d_form_with_scalar_bias():
    x = np.arange(16.0).reshape(4, 4)
    out = cc.conv2d(x, np.ones((3, 3)), 0.5, padding=1, padding_mode="replicate")
    expected = torch.nn.functional.conv2d(
        torch.nn.functional.pad(torch.from_numpy(x)[None, None], (1, 1, 1, 1), "replicate"),
        torch.ones(1, 1, 3, 3, dtype=torch.float64),
        torch.tensor([0.5], dtype=torch.float64),
    )[0, 0].numpy()
    assert out.shape == (4, 4)
    assert_allclose(out, expected)


# One fault at a time: the message must name the argument at fault and quote the value.
SINGLE_FAULTS = [
    ({"stride": 0}, "stride", "0"),
    ({"stride": (1, 2, 3)}, "stride", "(1, 2, 3)"),
    ({"dilation": -1}, "dilation", "-1"),
    ({"padding": -1}, "padding", "-1"),
    ({"padding": "full"}, "padding", "'full'"),
    ({"padding": "same", "stride": 2}, "stride", "2"),
    ({"groups": 0}, "groups", "0"),
    ({"groups": 2}, "groups", "2"),
    ({"padding_mode": "mirror"}, "padding_mode", "'mirror'"),
    ({"padding": 5, "padding_mode": "reflect"}, "reflect", "5"),
    ({"padding": 6, "padding_mode": "circular"}, "circular", "6"),
    ({"dilation": 3}, "kernel 3×3 (dilated 7×7)", "5×5"),
    ({"method": "fft"}, "method", "'fft'"),
]


@pytest.mark.parametrize(("kwargs", "name", "value"), SINGLE_FAULTS)
def test_error_messages_name_argument_and_value(kwargs, name, value):
    x = np.zeros((1, 3, 5, 5))
    w = np.zeros((3, 3, 3, 3))
    with pytest.raises(cc.ConvcoreError) as info:
        cc.conv2d(x, w, **kwargs)
    assert name in str(info.value)
    assert value in str(info.value)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "bias_shape", "fragment"),
    [
        ((1, 4, 5, 5), (2, 3, 3, 3), None, "got 4"),
        ((5, 5), (1, 1, 3, 3), None, "(5, 5)"),
        ((1, 1, 5, 5), (3, 3), None, "(3, 3)"),
        ((1, 2, 5, 5), (3, 2, 3, 3), (4,), "(4,)"),
        ((1, 2, 0, 5), (3, 2, 1, 1), None, "(1, 2, 0, 5)"),
        ((1, 2, 5, 5), (3, 2, 0, 3), None, "(3, 2, 0, 3)"),
    ],
)
def test_shape_errors_quote_shapes(x_shape, w_shape, bias_shape, fragment):
    bias = None if bias_shape is None else np.zeros(bias_shape)
    with pytest.raises(cc.ConvcoreError) as info:
        cc.conv2d(np.zeros(x_shape), np.zeros(w_shape), bias)
    assert fragment in str(info.value)


def test_rejects_empty_channels_where_torch_is_inconsistent():
    # torch returns (1, 0, 3, 3) here although the weight asks for 3 output channels.
    with pytest.raises(cc.ConvcoreError, match=r"no channels.*\(1, 0, 5, 5\)"):
        cc.conv2d(np.zeros((1, 0, 5, 5)), np.zeros((3, 0, 3, 3)))


def test_rejects_non_numeric_and_ragged_input():
    with pytest.raises(cc.ConvcoreError, match="input"):
        cc.conv2d([[1.0, 2.0], [3.0]], [[1.0]])
    with pytest.raises(cc.ConvcoreError, match="weight"):
        cc.conv2d([[1.0, 2.0]], [["a"]])


ROW_BYTES = 2 * 3 * 3 * 4 * 8  # columns of one output row of one group, float64
GROUP_BYTES = 4 * ROW_BYTES  # 4 output rows


@pytest.mark.parametrize(
    "budget",
    # 1 row at a time, bands of 3 rows, 2 groups at a time, 2 samples at a time
    [1, 3 * ROW_BYTES, 2 * GROUP_BYTES, 2 * 3 * GROUP_BYTES],
)
def test_im2col_in_tiles_matches_torch(monkeypatch, budget):
    # large inputs are unfolded a tile at a time (samples, groups or bands of output rows)
    # into one reused buffer; the test sizes never reach the real budget, so shrink it.
    # 5 samples, 3 groups, 4 output rows: each tiling leaves a partial last tile.
    import convcore.methods.conv2d_im2col as im2col

    monkeypatch.setattr(im2col, "COLUMN_BUDGET", budget)
    rng = np.random.default_rng(5)
    x, w, b = (
        rng.standard_normal((5, 6, 6, 6)),
        rng.standard_normal((6, 2, 3, 3)),
        rng.standard_normal(6),
    )
    kwargs = {"stride": 1, "padding": 0, "groups": 3, "padding_mode": "zeros"}
    ours = cc.conv2d(x, w, b, method="im2col", **kwargs)
    assert_allclose(ours, reference.conv2d(x, w, b, **kwargs), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_one_number_padding_list_means_both_axes_in_every_mode(mode):
    # F.conv2d reads padding=[1] as (1, 1); nn.Conv2d accepts it too but hands it to F.pad
    # unexpanded under the non-zero modes, which then fails. convcore follows F.conv2d.
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 2, 5, 4)), rng.standard_normal((3, 2, 3, 3))
    with pytest.raises(NotImplementedError):
        reference.conv2d(x, w, padding=[1], padding_mode=mode)
    assert_allclose(
        cc.conv2d(x, w, padding=[1], padding_mode=mode),
        reference.conv2d(x, w, padding=1, padding_mode=mode),
        rtol=1e-10,
    )


def test_numpy_array_sizes_are_read_as_pairs():
    # torch wants ints or tuples and rejects an ndarray; convcore reads it as the pair
    # (a deliberate difference, listed in the README)
    x, w = np.arange(36.0).reshape(1, 1, 6, 6), np.ones((1, 1, 2, 2))
    with pytest.raises(TypeError):
        reference.conv2d(x, w, stride=np.array([1, 2]))
    assert_allclose(cc.conv2d(x, w, stride=np.array([1, 2])), reference.conv2d(x, w, stride=(1, 2)))


def test_cropping_too_much_quotes_the_negative_padding():
    x, w = np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3))
    with pytest.raises(RuntimeError):
        reference.conv2d(x, w, padding=(-2, 1), padding_mode="replicate")
    with pytest.raises(
        cc.ConvcoreError,
        match=r"padded input 1×7 \(input 5×5 cropped by "
        r"negative padding .*=\(-2, -2, 1, 1\)\)",
    ):
        cc.conv2d(x, w, padding=(-2, 1), padding_mode="replicate")


def test_ci_profile_runs_at_least_300_examples_per_method():
    # the acceptance bar for the differential tests: each method, ≥ 300 hypothesis examples in
    # CI (the default profile); the per-method parametrisation multiplies, never divides it
    assert settings.get_profile("ci").max_examples >= 300
    assert {"loop", "im2col", "kernel_matrix"} <= set(CONV2D_METHODS)
