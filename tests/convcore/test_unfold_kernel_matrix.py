"""unfold/fold against F.unfold/F.fold; the kernel matrix as the convolution's matrix."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, note
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import convcore as cc
from convcore import reference
from tests.convcore.strategies import any_conv2d_cases, valid_conv2d_cases


def size_args(lo: int, hi: int, allow_invalid: bool) -> st.SearchStrategy:
    """An int or a pair; when invalid ones are allowed also a 1-tuple, which F.unfold refuses."""
    forms = [st.integers(lo, hi), st.tuples(st.integers(lo, hi), st.integers(lo, hi))]
    if allow_invalid:
        forms.append(st.tuples(st.integers(lo, hi)))
    return st.one_of(*forms)


@st.composite
def unfold_args(draw: st.DrawFn, allow_invalid: bool = False):
    low = -1 if allow_invalid else 0
    low_pos = 0 if allow_invalid else 1

    def pair(lo: int, hi: int) -> st.SearchStrategy:
        return size_args(lo, hi, allow_invalid)

    least = 0 if allow_invalid else 1  # an empty axis: only the batch may be empty
    shape = (
        draw(st.integers(least, 2)),
        draw(st.integers(least, 3)),
        draw(st.integers(least, 9)),
        draw(st.integers(least, 9)),
    )
    if draw(st.booleans()):
        shape = shape[1:]
    x = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(shape)
    kwargs = {
        "kernel_size": draw(pair(low_pos, 4)),
        "dilation": draw(pair(low_pos, 3)),
        "padding": draw(pair(low, 2)),
        "stride": draw(pair(low_pos, 3)),
    }
    return x, kwargs


@given(args=unfold_args())
def test_unfold_matches_torch(args):
    x, kwargs = args
    try:
        theirs = reference.unfold(x, **kwargs)
    except RuntimeError:
        with pytest.raises(cc.ConvcoreError):
            cc.unfold(x, **kwargs)
        return
    assert_allclose(cc.unfold(x, **kwargs), theirs, rtol=0, atol=0)


@given(args=unfold_args(allow_invalid=True))
def test_unfold_rejects_what_torch_rejects(args):
    x, kwargs = args
    try:
        reference.unfold(x, **kwargs)
    except RuntimeError as err:
        note(str(err))
        with pytest.raises(cc.ConvcoreError):
            cc.unfold(x, **kwargs)
    else:
        cc.unfold(x, **kwargs)


@given(args=unfold_args(), data=st.data())
def test_fold_matches_torch_and_inverts_unfold_counts(args, data):
    x, kwargs = args
    try:
        cols = reference.unfold(x, **kwargs)
    except RuntimeError:
        return
    # feed fold columns of the right shape but fresh values, so fold is tested on its own
    seed = data.draw(st.integers(0, 2**16))
    cols = np.random.default_rng(seed).standard_normal(cols.shape)
    size = x.shape[-2:]
    assert_allclose(
        cc.fold(cols, size, **kwargs), reference.fold(cols, size, **kwargs), rtol=1e-12, atol=1e-12
    )


@st.composite
def fold_args(draw: st.DrawFn):
    """fold calls near and across torch's limits: empty axes, 1-tuples, wrong column counts."""
    kwargs = {
        "output_size": draw(size_args(0, 5, True)),
        "kernel_size": draw(size_args(1, 2, True)),
        "dilation": draw(size_args(1, 2, True)),
        "padding": draw(size_args(0, 1, True)),
        "stride": draw(size_args(1, 2, True)),
    }
    pairs = {
        k: np.broadcast_to(v, 2) if np.size(v) else np.zeros(2, int) for k, v in kwargs.items()
    }
    # the column count the arguments call for (a valid call), or some other count
    span = pairs["dilation"] * (pairs["kernel_size"] - 1) + 1
    blocks = (pairs["output_size"] + 2 * pairs["padding"] - span) // pairs["stride"] + 1
    rows = draw(st.integers(0, 3)) * int(np.prod(pairs["kernel_size"]))
    fits = (rows, int(np.prod(np.maximum(blocks, 0))))
    shape = draw(st.sampled_from([fits, fits, (rows, fits[1] + 1), (rows + 1, fits[1])]))
    if draw(st.booleans()):
        shape = (draw(st.integers(0, 2)), *shape)
    cols = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(shape)
    return cols, kwargs


@given(args=fold_args())
def test_fold_rejects_what_torch_rejects(args):
    cols, kwargs = args
    try:
        theirs = reference.fold(cols, **kwargs)
    except RuntimeError as err:
        note(str(err))
        with pytest.raises(cc.ConvcoreError):
            cc.fold(cols, **kwargs)
        return
    assert_allclose(cc.fold(cols, **kwargs), theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda f: f(np.zeros((1, 1, 4, 4)), (2,)), "kernel_size must be an integer or a pair"),
        (lambda f: f(np.zeros((1, 1, 4, 4)), 2, padding=[1]), "padding must be an integer or"),
        (lambda f: f(np.zeros((0, 4, 4)), 2), "got input of shape (0, 4, 4)"),
        (lambda f: f(np.zeros((2, 0, 4, 4)), 2), "got input of shape (2, 0, 4, 4)"),
    ],
)
def test_unfold_rejections_quote_the_values(call, fragment):
    # torch wants exactly two numbers (F.conv2d would take one) and non-empty non-batch axes
    with pytest.raises(RuntimeError):
        call(reference.unfold)
    with pytest.raises(cc.ConvcoreError) as info:
        call(cc.unfold)
    assert fragment in str(info.value)


def test_fold_rejects_empty_rows_and_a_one_number_output_size():
    for bad in [(np.zeros((1, 0, 9)), 4, 2), (np.zeros((1, 4, 9)), (4,), 2)]:
        with pytest.raises(RuntimeError):
            reference.fold(*bad)
        with pytest.raises(cc.ConvcoreError, match=r"\(1, 0, 9\)|output_size"):
            cc.fold(*bad)


def test_fold_rejects_wrong_column_counts():
    with pytest.raises(cc.ConvcoreError, match="divisible by kernel_size 2×2"):
        cc.fold(np.zeros((1, 6, 4)), 3, 2)
    with pytest.raises(cc.ConvcoreError, match="5 columns"):
        cc.fold(np.zeros((1, 4, 5)), 3, 2)
    for bad in [(np.zeros((1, 4, 5)), 3, 2), (np.zeros((1, 6, 4)), 3, 2)]:
        with pytest.raises(RuntimeError):
            reference.fold(*bad)


def test_unfold_tutorial_windows():
    # the 3×3 arange input with a 2×2 window: each column is one window, read row by row
    cols = cc.unfold(np.arange(9.0).reshape(1, 1, 3, 3), 2)
    assert_array_equal(cols[0].T, [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])


@given(case=valid_conv2d_cases())
def test_kernel_matrix_times_input_is_the_convolution(case):
    x = case.x if case.x.ndim == 4 else case.x[None]
    size = x.shape[-2:]
    matrix = cc.kernel_matrix(case.weight, size, **case.kwargs)
    theirs = reference.conv2d(x, case.weight, **case.kwargs)
    for n in range(x.shape[0]):
        assert_allclose(matrix @ x[n].ravel(), theirs[n].ravel(), rtol=1e-10, atol=1e-10)


@given(case=valid_conv2d_cases())
def test_kernel_matrix_columns_are_torch_responses_to_unit_inputs(case):
    # column j of K is the convolution of the j-th unit image: ask torch for a few of them
    x = case.x if case.x.ndim == 4 else case.x[None]
    shape = x.shape[1:]
    matrix = cc.kernel_matrix(case.weight, shape[-2:], **case.kwargs)
    for column in {0, matrix.shape[1] // 2, matrix.shape[1] - 1}:
        unit = np.zeros(int(np.prod(shape)))
        unit[column] = 1.0
        response = reference.conv2d(unit.reshape(shape), case.weight, **case.kwargs)
        assert_allclose(matrix[:, column], response.ravel(), rtol=1e-12, atol=1e-12)


def test_kernel_matrix_tutorial_shape_and_block_diagonal_groups():
    matrix = cc.kernel_matrix(np.ones((4, 1, 2, 2)), (3, 3), groups=2)
    assert matrix.shape == (4 * 2 * 2, 2 * 3 * 3)
    # group 0's outputs (first 8 rows) see only channel 0 (first 9 columns)
    assert not matrix[:8, 9:].any()
    assert not matrix[8:, :9].any()
    assert matrix[:8, :9].any()
    assert matrix[8:, 9:].any()


@given(case=any_conv2d_cases())
def test_kernel_matrix_rejects_what_conv2d_rejects(case):
    groups = case.kwargs["groups"]
    # kernel_matrix takes a size, not an input: give torch the channel count the weight implies
    channels = case.weight.shape[1] * max(groups, 1)
    x = np.zeros((1, channels, *case.x.shape[-2:]))
    try:
        reference.conv2d(x, case.weight, **case.kwargs)
    except (RuntimeError, ValueError, TypeError):
        with pytest.raises(cc.ConvcoreError):
            cc.kernel_matrix(case.weight, x.shape[-2:], **case.kwargs)
        return
    cc.kernel_matrix(case.weight, x.shape[-2:], **case.kwargs)


def test_kernel_matrix_float32():
    w = torch.randn(2, 1, 3, 3).numpy()
    assert cc.kernel_matrix(w, (4, 4), padding=1).dtype == np.float32
