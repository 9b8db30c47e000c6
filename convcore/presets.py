"""Named kernels and inputs to start from: the classic image filters and the tutorial's examples.

convcore computes cross-correlation, as torch does, so every kernel here is written the way
it is applied: the Sobel x kernel below gives positive values where intensity rises to the
right. (Textbooks that define convolution with a flipped kernel print it mirrored.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Preset:
    """One named array with a one-line description."""

    name: str
    label: str
    description: str
    values: NDArray[np.float64]


def kernel_presets() -> dict[str, Preset]:
    """The named 3×3 kernels, in the order a menu shows them.

    Examples
    --------
    >>> kernels = kernel_presets()
    >>> kernels["sobel_x"].values
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    >>> float(kernels["gaussian"].values.sum())
    1.0
    """
    entries = [
        (
            "identity",
            "Identity",
            "Copies the centre cell: the output equals the input.",
            [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
        ),
        ("box_blur", "Box blur", "The mean of the 3×3 neighbourhood.", np.full((3, 3), 1 / 9)),
        (
            "gaussian",
            "Gaussian blur",
            "A weighted mean favouring the centre (binomial 1-2-1 weights, sum 1).",
            np.outer([1, 2, 1], [1, 2, 1]) / 16,
        ),
        (
            "sharpen",
            "Sharpen",
            "Adds the difference between a cell and its neighbours.",
            [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
        ),
        (
            "sobel_x",
            "Sobel x",
            "Horizontal gradient: positive where values rise to the right.",
            np.outer([1, 2, 1], [-1, 0, 1]),
        ),
        (
            "sobel_y",
            "Sobel y",
            "Vertical gradient: positive where values rise downwards.",
            np.outer([-1, 0, 1], [1, 2, 1]),
        ),
        (
            "laplacian",
            "Laplacian",
            "Sum of second differences: zero on flat and linear regions, large at edges and spots.",
            [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
        ),
        (
            "emboss",
            "Emboss",
            "A diagonal gradient plus the cell itself: a relief lit from the top left.",
            [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
        ),
        (
            "outline",
            "Outline",
            "Eight times the cell minus its eight neighbours: edges "
            "light up, flat regions go to zero.",
            [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
        ),
        (
            "tutorial_2x2",
            "Tutorial 2×2",
            "The tutorial's kernel [[0, 1], [2, 3]].",
            [[0, 1], [2, 3]],
        ),
    ]
    return {
        name: Preset(name, label, text, np.asarray(values, dtype=np.float64))
        for name, label, text, values in entries
    }


def input_presets() -> dict[str, Preset]:
    """The named inputs, the tutorial's examples first.

    Examples
    --------
    >>> inputs = input_presets()
    >>> inputs["tutorial_3x3"].values
    array([[0., 1., 2.],
           [3., 4., 5.],
           [6., 7., 8.]])
    >>> inputs["vertical_edge"].values[0]
    array([0., 0., 0., 1., 1., 1., 1.])
    """
    impulse = np.zeros((5, 5))
    impulse[2, 2] = 1.0
    rows, cols = np.indices((6, 6))
    entries = [
        (
            "tutorial_3x3",
            "Tutorial 3×3",
            "0…8 in rows, the tutorial's worked example: with "
            "the kernel [[0, 1], [2, 3]] the first output is 0×0 + 1×1 + 3×2 + 4×3 = 19.",
            np.arange(9.0).reshape(3, 3),
        ),
        (
            "tutorial_4x4",
            "Tutorial 4×4",
            "0…15 in rows, the tutorial's pooling example: "
            "max_pool2d(kernel 3, stride 2, padding 1) gives [[5, 7], [13, 15]].",
            np.arange(16.0).reshape(4, 4),
        ),
        (
            "arange_5x5",
            "Counting 5×5",
            "0…24 in rows: every cell's value tells where it is.",
            np.arange(25.0).reshape(5, 5),
        ),
        (
            "impulse",
            "Impulse 5×5",
            "A single 1 in the middle: the output shows the kernel "
            "mirrored, the difference between correlation and convolution.",
            impulse,
        ),
        (
            "vertical_edge",
            "Vertical edge 7×7",
            "Dark left, bright right: an edge for the gradient kernels to find.",
            np.tile((np.arange(7) >= 3).astype(float), (7, 1)),
        ),
        (
            "checkerboard",
            "Checkerboard 6×6",
            "Alternating 0 and 1.",
            ((rows + cols) % 2).astype(float),
        ),
    ]
    return {
        name: Preset(name, label, text, np.asarray(values, dtype=np.float64))
        for name, label, text, values in entries
    }
