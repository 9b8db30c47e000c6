"""The fast methods' own paths: blocks, the flat-line shifts, values without indices.

The differential tests in test_conv2d.py and test_pooling.py run every registered method on
small inputs, which fit in one block and (for max pooling) always ask for indices. These
tests reach what those cannot: several blocks per call (budgets shrunk), and max pooling
without indices, where the values come from a different computation than with them.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from numpy.testing import assert_allclose, assert_array_equal

import convcore as cc
from convcore import reference
from tests.convcore.strategies import Conv2dCase, valid_conv2d_cases
from tests.convcore.test_pooling import PoolCase, valid_pool_cases

inf, nan = np.inf, np.nan


@given(case=valid_pool_cases("max"))
def test_max_pool_values_without_indices_match_torch(case: PoolCase) -> None:
    # NaN wins, −∞ padding never does, all-(−∞) windows stay −∞: values only, bit for bit
    kwargs = {**case.kwargs, "return_indices": False}
    ours = cc.max_pool2d(case.x, method="window", **kwargs)
    theirs = reference.max_pool2d(case.x, **kwargs)
    assert isinstance(ours, np.ndarray)
    assert_array_equal(ours, theirs, strict=True)


@pytest.mark.parametrize("method", sorted(cc.METHODS["max_pool2d"]))
def test_max_pool_without_indices_propagates_nan_and_inf(method: str) -> None:
    x = np.array([[nan, 1, 2, -inf], [3, 4, -inf, -inf], [5, inf, 7, 8], [9, 10, 11, nan]])
    ours = cc.max_pool2d(x, 2, method=method)
    assert_array_equal(ours, [[nan, 2], [inf, nan]])
    assert_array_equal(ours, reference.max_pool2d(x, 2))


def test_max_pool_without_indices_skips_the_index_work(monkeypatch: pytest.MonkeyPatch) -> None:
    import convcore.methods.pool_window as window

    def refuse(*args: object) -> None:
        raise AssertionError("indices computed although not asked for")

    monkeypatch.setattr(window, "_max_and_index", refuse)
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    assert_array_equal(cc.max_pool2d(x, 3, 2, 1), reference.max_pool2d(x, 3, 2, 1))
    with pytest.raises(AssertionError, match="not asked"):
        cc.max_pool2d(x, 3, 2, 1, return_indices=True)


@pytest.mark.parametrize("budget", [1, 3 * 8 * 8 * 8])  # one plane per block; three planes
@pytest.mark.parametrize("return_indices", [False, True])
def test_pools_in_blocks_match_torch(
    monkeypatch: pytest.MonkeyPatch, budget: int, return_indices: bool
) -> None:
    # 2 samples × 5 channels of 6×6 (8×8 padded, float64): blocks split the channels,
    # the last block of each sample is partial
    import convcore.methods.pool_window as window

    monkeypatch.setattr(window, "BLOCK_BUDGET", budget)
    rng = np.random.default_rng(7)
    x = rng.integers(-2, 3, size=(2, 5, 6, 6)).astype(np.float64)  # integers: ties
    x[0, 3, 2, 2], x[1, 4, 0, 0] = nan, -inf
    kwargs = {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": return_indices}
    ours, theirs = cc.max_pool2d(x, **kwargs), reference.max_pool2d(x, **kwargs)
    if return_indices:
        assert_array_equal(ours[1], theirs[1], strict=True)
        ours, theirs = ours[0], theirs[0]
    assert_array_equal(ours, theirs, strict=True)
    avg = {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}
    assert_allclose(cc.avg_pool2d(x, **avg), reference.avg_pool2d(x, **avg), rtol=1e-12)


@pytest.mark.parametrize("budget", [1, 6000, 10**6])  # a group; a few groups; 2 samples
@pytest.mark.parametrize(
    ("w_shape", "kwargs"),
    [
        ((6, 1, 3, 3), {"groups": 6, "padding": 1}),  # depthwise: products, not matmuls
        ((12, 2, 3, 2), {"groups": 3, "padding": (1, 2), "dilation": (2, 1)}),
        ((6, 3, 3, 3), {"groups": 2, "stride": 2, "padding": 1, "padding_mode": "reflect"}),
        ((6, 1, 2, 2), {"groups": 6, "stride": (2, 1), "padding_mode": "circular", "padding": 1}),
    ],
)
def test_shift_add_in_blocks_matches_torch(
    monkeypatch: pytest.MonkeyPatch, budget: int, w_shape: tuple[int, ...], kwargs: dict
) -> None:
    import convcore.methods.conv2d_shift_add as shift_add

    monkeypatch.setattr(shift_add, "BLOCK_BUDGET", budget)
    rng = np.random.default_rng(3)
    x, w, b = (
        rng.standard_normal((2, 6, 8, 8)),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[0]),
    )
    ours = cc.conv2d(x, w, b, method="shift_add", **kwargs)
    assert_allclose(ours, reference.conv2d(x, w, b, **kwargs), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("padding", [1, 0])  # a zero-framed canvas; no canvas at all
def test_shift_add_last_block_of_samples_may_be_partial(
    monkeypatch: pytest.MonkeyPatch, padding: int
) -> None:
    # 3 samples in blocks of 2: the second block holds one sample, in the reused buffers
    import convcore.methods.conv2d_shift_add as shift_add

    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((3, 6, 8, 8)), rng.standard_normal((6, 1, 3, 3))
    g = cc.conv2d_geometry(x.shape, w.shape, padding=padding, groups=6)
    per_sample = 6 * (g.padded_size[0] * g.padded_size[1] + 2 * g.out_size[0] * g.padded_size[1])
    monkeypatch.setattr(shift_add, "BLOCK_BUDGET", 2 * per_sample * x.itemsize)
    assert shift_add._block_shape(3, g, x.itemsize) == (2, 6)  # the case this test is about
    ours = cc.conv2d(x, w, method="shift_add", padding=padding, groups=6)
    assert_allclose(ours, reference.conv2d(x, w, padding=padding, groups=6), rtol=1e-10)


@given(case=valid_conv2d_cases())
def test_shift_add_one_group_per_block_matches_torch(case: Conv2dCase) -> None:
    # the smallest budget: every group of every sample is its own block (hypothesis runs
    # many examples per test call, so the budget is set here, not with a fixture)
    import convcore.methods.conv2d_shift_add as shift_add

    saved, shift_add.BLOCK_BUDGET = shift_add.BLOCK_BUDGET, 1
    try:
        ours = cc.conv2d(case.x, case.weight, case.bias, method="shift_add", **case.kwargs)
    finally:
        shift_add.BLOCK_BUDGET = saved
    theirs = reference.conv2d(case.x, case.weight, case.bias, **case.kwargs)
    assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_shift_add_keeps_float32_and_reads_non_contiguous_input() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 7, 9, 4)).astype(np.float32).transpose(0, 3, 2, 1)  # a view
    w = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
    out = cc.conv2d(x, w, padding=1, groups=4, method="shift_add")
    assert out.dtype == np.float32
    assert out.flags.c_contiguous
    assert_allclose(out, reference.conv2d(x, w, padding=1, groups=4), rtol=1e-5, atol=1e-5)
