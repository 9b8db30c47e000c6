"""convcore.presets: the kernels do what their descriptions say, checked with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

from convcore.presets import input_presets, kernel_presets

KERNELS = kernel_presets()
INPUTS = input_presets()


def conv(x, w, **kwargs):
    """torch's conv2d on 2-D arrays."""
    x, w = (torch.tensor(np.asarray(a, dtype=np.float64))[None, None] for a in (x, w))
    return F.conv2d(x, w, **kwargs)[0, 0].numpy()


def test_the_promised_kernels_are_there():
    assert list(KERNELS)[:9] == [
        "identity",
        "box_blur",
        "gaussian",
        "sharpen",
        "sobel_x",
        "sobel_y",
        "laplacian",
        "emboss",
        "outline",
    ]
    for preset in [*KERNELS.values(), *INPUTS.values()]:
        assert preset.values.dtype == np.float64
        assert preset.values.ndim == 2
        assert preset.label
        assert preset.description.endswith(".")


@pytest.mark.parametrize("name", list(INPUTS))
def test_identity_keeps_every_input(name):
    x = INPUTS[name].values
    assert_allclose(conv(x, KERNELS["identity"].values, padding=1), x)


@pytest.mark.parametrize("name", ["box_blur", "gaussian", "sharpen", "emboss", "identity"])
def test_these_kernels_keep_a_flat_region_flat(name):
    # weights summing to 1 map a constant image to itself (away from the border)
    flat = np.full((5, 5), 3.0)
    assert_allclose(conv(flat, KERNELS[name].values), np.full((3, 3), 3.0))


@pytest.mark.parametrize("name", ["laplacian", "outline", "sobel_x", "sobel_y"])
def test_edge_kernels_are_zero_on_flat_regions(name):
    assert_allclose(conv(np.full((5, 5), 3.0), KERNELS[name].values), 0.0, atol=1e-12)


def test_sobel_signs_follow_the_descriptions():
    edge = INPUTS["vertical_edge"].values  # dark left, bright right
    assert (conv(edge, KERNELS["sobel_x"].values) >= 0).all()
    assert conv(edge, KERNELS["sobel_x"].values).max() > 0
    assert_allclose(conv(edge, KERNELS["sobel_y"].values), 0.0)
    assert (conv(edge.T, KERNELS["sobel_y"].values) >= 0).all()  # dark top, bright bottom


def test_impulse_shows_the_mirrored_kernel():
    out = conv(INPUTS["impulse"].values, KERNELS["emboss"].values, padding=1)
    assert_allclose(out[1:4, 1:4], KERNELS["emboss"].values[::-1, ::-1])


def test_tutorial_examples():
    out = conv(INPUTS["tutorial_3x3"].values, KERNELS["tutorial_2x2"].values)
    assert_allclose(out, [[19, 25], [37, 43]])
    x = torch.tensor(INPUTS["tutorial_4x4"].values)[None]
    assert_allclose(F.max_pool2d(x, 3, stride=2, padding=1)[0].numpy(), [[5, 7], [13, 15]])
