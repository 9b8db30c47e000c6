"""The stepper's helpers: fill patterns, resizing, kernel flipping, and advice on bad configs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal

import convcore as cc
from convcore import reference
from convcore.advice import conv2d_advice
from convcore.patterns import INPUT_PATTERNS, fit_array, flip_kernel, input_pattern, kernel_pattern
from convcore.presets import kernel_presets


@pytest.mark.parametrize("name", INPUT_PATTERNS)
@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 3, 3), (2, 5, 7), (4, 16, 16)])
def test_input_patterns_fill_any_shape(name, shape):
    x = input_pattern(name, shape, seed=5)
    assert x.shape == shape
    assert x.dtype == np.float64
    assert np.isfinite(x).all()


def test_arange_at_3x3_is_the_tutorial_example():
    x = input_pattern("arange", (1, 3, 3))[0]
    # the tutorial's first output with its kernel, computed by torch
    weight = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]], dtype=torch.float64)
    out = torch.nn.functional.conv2d(torch.from_numpy(x)[None, None], weight)
    assert out[0, 0, 0, 0].item() == 19.0


def test_random_is_seeded_and_integer():
    a, b = input_pattern("random", (2, 4, 4), 7), input_pattern("random", (2, 4, 4), 7)
    assert_array_equal(a, b)
    assert not np.array_equal(a, input_pattern("random", (2, 4, 4), 8))
    assert_array_equal(a, np.round(a))
    assert a.min() >= -4
    assert a.max() <= 4


def test_patterns_differ_per_channel_where_they_say_so():
    for name in ("arange", "checkerboard", "patch", "random"):
        x = input_pattern(name, (2, 6, 6), seed=1)
        assert not np.array_equal(x[0], x[1]), name


def test_bad_pattern_and_shapes_raise():
    with pytest.raises(cc.ConvcoreError, match="input pattern"):
        input_pattern("nope", (1, 2, 2))
    with pytest.raises(cc.ConvcoreError, match="positive"):
        input_pattern("arange", (1, 0, 2))
    with pytest.raises(cc.ConvcoreError, match="16×16"):
        input_pattern("patch", (1, 17, 2))


def test_kernel_pattern_copies_presets_and_checks_size():
    for name, preset in kernel_presets().items():
        w = kernel_pattern(name, (2, 3, *preset.values.shape))
        assert_array_equal(w, np.broadcast_to(preset.values, w.shape))
    with pytest.raises(cc.ConvcoreError, match="sobel_x"):
        kernel_pattern("sobel_x", (1, 1, 2, 2))
    with pytest.raises(cc.ConvcoreError, match="kernel preset"):
        kernel_pattern("nope", (1, 1, 2, 2))
    r = kernel_pattern("random", (2, 2, 3, 3), seed=4)
    assert_array_equal(r, kernel_pattern("random", (2, 2, 3, 3), seed=4))
    assert r.min() >= -2
    assert r.max() <= 2


def test_fit_array_keeps_the_overlap():
    a = np.arange(6.0).reshape(2, 3)
    assert_array_equal(fit_array(a, (3, 2)), [[0, 1], [3, 4], [0, 0]])
    assert_array_equal(fit_array(a, (2, 3)), a)
    with pytest.raises(cc.ConvcoreError, match="axes"):
        fit_array(a, (6,))


def test_flipped_kernel_gives_torchs_true_convolution():
    # true convolution = correlation with the kernel rotated by 180°; torch has no flag for
    # it, so compare with a convolution written out from its definition on a 1×1 impulse
    x = np.zeros((5, 5))
    x[2, 2] = 1.0
    w = np.arange(9.0).reshape(3, 3)
    out = reference.conv2d(x, flip_kernel(w), padding=1)
    assert_array_equal(out[1:4, 1:4], w)  # convolving an impulse reproduces the kernel
    assert_array_equal(flip_kernel(flip_kernel(w)), w)


CONFIGS = list(
    itertools.product(
        [(1, 1, 1), (2, 2, 1), (2, 4, 2), (3, 2, 2), (4, 2, 4)],  # (c_in, c_out, groups)
        [(1, 1), (2, 3), (4, 4)],  # input size
        [(1, 1), (3, 3), (2, 5)],  # kernel
        [1, 2],  # stride
        [0, 1, 3, "same", "valid"],  # padding
        [1, 2],  # dilation
        ["zeros", "reflect", "replicate", "circular"],
    )
)


@pytest.mark.parametrize("chunk", range(8))
def test_advice_is_empty_exactly_when_torch_accepts(chunk):
    for (ci, co, g), size, k, s, p, d, mode in CONFIGS[chunk::8]:
        advice = conv2d_advice(ci, co, g, size, k, s, p, d, mode)
        x = np.ones((1, ci, *size))
        ok = True
        if ci % g == 0:
            w = np.ones((co, ci // g, *k))
            try:
                reference.conv2d(x, w, stride=s, padding=p, dilation=d, groups=g, padding_mode=mode)
            except (RuntimeError, ValueError):
                ok = False
        else:
            ok = False
        assert (advice == ()) == ok, ((ci, co, g), size, k, s, p, d, mode, advice)


def test_advice_suggestions_fix_the_configuration():
    (advice,) = conv2d_advice(1, 1, 1, (4, 4), (3, 3), padding=0, dilation=(3, 1))
    assert advice.values["axis"] == "height"
    fixed_padding = advice.values["min_padding"]
    assert conv2d_advice(1, 1, 1, (4, 4), (3, 3), padding=(fixed_padding, 0), dilation=(3, 1)) == ()
    assert conv2d_advice(1, 1, 1, (4, 4), (3, 3), dilation=(advice.values["max_dilation"], 1)) == ()
    (reflect,) = conv2d_advice(1, 1, 1, (3, 3), (1, 1), padding=3, padding_mode="reflect")[:1]
    assert reflect.code == "reflect_too_wide"
    assert reflect.values["max_padding"] == 2
    (groups,) = conv2d_advice(4, 2, 4, 3, 1)
    assert groups.code == "groups_out"
    assert groups.values["divisors"] == (1, 2)
