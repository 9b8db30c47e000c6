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


@st.composite
def unfold_args(draw: st.DrawFn, allow_invalid: bool = False):
    low = -1 if allow_invalid else 0
    low_pos = 0 if allow_invalid else 1
    pair = lambda lo, hi: st.one_of(st.integers(lo, hi), st.tuples(st.integers(lo, hi),  # noqa: E731
                                                                    st.integers(lo, hi)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 9)),
             draw(st.integers(1, 9)))
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
    assert_allclose(cc.fold(cols, size, **kwargs), reference.fold(cols, size, **kwargs),
                    rtol=1e-12, atol=1e-12)


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
