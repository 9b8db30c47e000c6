"""convcore.verify: agreement, disagreement and refusals are all reported, none raised."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convcore as cc
from convcore.kernel_matrix import kernel_matrix
from convcore.verify import compare, verify, verify_kernel_matrix

X = np.arange(16.0).reshape(4, 4)


def test_agreement_and_version():
    expected = F.max_pool2d(torch.tensor(X)[None], 2)[0].numpy()
    verdict = verify("max_pool2d", expected, X, 2)
    assert verdict.allclose
    assert verdict.max_abs_diff == 0.0
    assert verdict.torch == torch.__version__
    assert verdict.call == "torch.nn.functional.max_pool2d"


def test_disagreement_reports_the_largest_difference():
    expected = F.avg_pool2d(torch.tensor(X)[None], 2)[0].numpy()
    off = expected.copy()
    off[1, 0] += 0.25
    verdict = verify("avg_pool2d", off, X, 2)
    assert not verdict.allclose
    assert verdict.max_abs_diff == 0.25


def test_tuples_compare_values_and_indices():
    out, idx = F.max_pool2d(torch.tensor(X)[None], 2, return_indices=True)
    ours = (out[0].numpy(), idx[0].numpy())
    assert verify("max_pool2d", ours, X, 2, return_indices=True).allclose
    wrong = (ours[0], ours[1] + 1)
    assert not verify("max_pool2d", wrong, X, 2, return_indices=True).allclose


def test_torch_refusal_is_reported():
    verdict = verify("conv2d", np.zeros((1, 1)), X, np.ones((5, 5)))
    assert not verdict.allclose
    assert verdict.max_abs_diff is None
    assert verdict.error.startswith("torch refused:")


def test_shape_mismatch_is_reported():
    verdict = compare(np.zeros((2, 2)), np.zeros((3, 3)), "x")
    assert not verdict.allclose
    assert "shapes differ" in verdict.error


def test_padding_mode_names_the_module():
    w = np.ones((3, 3))
    ours = F.conv2d(
        F.pad(torch.tensor(X)[None, None], (1, 1, 1, 1), mode="reflect"),
        torch.tensor(w)[None, None],
    )[0, 0].numpy()
    verdict = verify("conv2d", ours, X, w, padding=1, padding_mode="reflect")
    assert verdict.allclose
    assert verdict.call == "torch.nn.Conv2d(padding_mode='reflect')"


def test_kernel_matrix_check_catches_one_wrong_entry():
    w = np.random.default_rng(1).standard_normal((2, 3, 2, 2))
    k = kernel_matrix(w, (4, 5), stride=2, padding=1)
    assert verify_kernel_matrix(k, w, (4, 5), stride=2, padding=1).allclose
    k[3, 7] += 1.0
    assert not verify_kernel_matrix(k, w, (4, 5), stride=2, padding=1).allclose
    refused = verify_kernel_matrix(k, w, (4, 5), stride=0)
    assert refused.error.startswith("torch refused:")


def test_matching_infinities_and_nans_count_as_equal():
    # an all-padding max-pool window is -inf in both results: that is agreement, not a NaN Δ
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    ours = cc.max_pool2d(x, 2, padding=1, dilation=3)
    assert np.isneginf(ours).any()
    verdict = verify("max_pool2d", ours, x, 2, padding=1, dilation=3)
    assert verdict.allclose
    assert verdict.max_abs_diff == 0.0


def test_a_lone_nan_is_an_infinite_difference():
    verdict = compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0]), "conv2d")
    assert not verdict.allclose
    assert verdict.max_abs_diff == np.inf


SPECIAL = [0.0, 1.0, -1.0, 1e-9, 1.00001, np.inf, -np.inf, np.nan, 1e308, -1e308, 5e-324]


@pytest.mark.parametrize("size", [2, 100])  # the plain-Python path and the numpy path
def test_allclose_is_numpys_for_every_pair_of_special_values(size):
    for ours, theirs in itertools.product(SPECIAL, repeat=2):
        a, b = np.full(size, 0.5), np.full(size, 0.5)
        a[-1], b[-1] = ours, theirs
        with np.errstate(over="ignore", invalid="ignore"):
            expected = np.allclose(a, b)
            finite_diff = abs(ours - theirs) if np.isfinite([ours, theirs]).all() else None
        verdict = compare(a, b, "conv2d")
        assert verdict.allclose == expected, (ours, theirs)
        if finite_diff is not None:
            assert verdict.max_abs_diff == max(finite_diff, 0.0), (ours, theirs)
