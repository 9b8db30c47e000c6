"""Inputs and kernels of any size for the stepper: fill patterns, seeded random, resizing.

:mod:`convcore.presets` holds fixed arrays (the tutorial's examples, the classic 3×3 filters);
the stepper lets a student pick any size, so its inputs come from patterns that fill any
``(C, H, W)`` shape. ``arange`` at 3×3 is the tutorial's worked example.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.params import as_float_array, shape_str
from convcore.presets import kernel_presets

#: The input patterns, in the order a menu shows them.
INPUT_PATTERNS = ("arange", "random", "checkerboard", "edge", "impulse", "patch")

#: A 16×16 grey-level picture (a face, values 0–9): the "image patch" pattern crops it.
_PATCH = """
0000000000000000
0000012332100000
0000247887420000
0002699999962000
0016975995796100
0049520990259400
0279952992599720
0299999999999920
0299999999999920
0279529999259720
0049952222599400
0016995555996100
0002699999962000
0000247887420000
0000012332100000
0000000000000000
"""


def input_pattern(name: str, shape: Sequence[int], seed: int = 0) -> NDArray[np.float64]:
    """Fill an input of ``shape`` ``(C, H, W)`` with a named pattern.

    Parameters
    ----------
    name : str
        One of :data:`INPUT_PATTERNS`: ``'arange'`` (0, 1, 2, … in rows, continuing over the
        channels), ``'random'`` (integers −4…4 from ``seed``), ``'checkerboard'`` (0/1, the
        phase shifting per channel), ``'edge'`` (0 on the left half, 1 on the right),
        ``'impulse'`` (a single 1 in the middle of each channel) or ``'patch'`` (the middle of
        a 16×16 picture of grey levels 0–9, shifted one cell per channel).
    shape : sequence of int
        ``(C, H, W)``, every size positive; ``'patch'`` allows at most 16×16.
    seed : int
        Seed of the ``'random'`` pattern; the same seed gives the same numbers.

    Returns
    -------
    ndarray of float64, shape ``(C, H, W)``

    Examples
    --------
    >>> input_pattern("arange", (1, 3, 3))[0]
    array([[0., 1., 2.],
           [3., 4., 5.],
           [6., 7., 8.]])
    >>> input_pattern("checkerboard", (2, 2, 3))
    array([[[0., 1., 0.],
            [1., 0., 1.]],
    <BLANKLINE>
           [[1., 0., 1.],
            [0., 1., 0.]]])
    """
    channels, height, width = _positive_shape(shape, 3, "shape")
    rows, cols = np.indices((height, width))
    plane = (height, width)
    if name == "arange":
        return np.arange(channels * height * width, dtype=np.float64).reshape(channels, *plane)
    if name == "random":
        rng = np.random.default_rng(int(seed))
        return rng.integers(-4, 5, size=(channels, *plane)).astype(np.float64)
    if name == "checkerboard":
        return np.stack([((rows + cols + c) % 2).astype(np.float64) for c in range(channels)])
    if name == "edge":
        return np.broadcast_to((cols >= width // 2).astype(np.float64), (channels, *plane)).copy()
    if name == "impulse":
        out = np.zeros((channels, *plane))
        out[:, height // 2, width // 2] = 1.0
        return out
    if name == "patch":
        return _patch(channels, height, width)
    raise ConvcoreError(
        "input pattern must be one of {choices}, got {name!r}",
        "name",
        choices=", ".join(INPUT_PATTERNS),
        name=name,
    )


def _patch(channels: int, height: int, width: int) -> NDArray[np.float64]:
    """Crops of the 16×16 picture around its middle, one cell further right per channel."""
    picture = np.array([[int(ch) for ch in line] for line in _PATCH.split()], dtype=np.float64)
    if height > picture.shape[0] or width > picture.shape[1]:
        raise ConvcoreError(
            "the image patch is 16×16, got a request for {height}×{width}",
            "shape",
            height=height,
            width=width,
        )
    top = (picture.shape[0] - height) // 2
    left = (picture.shape[1] - width) // 2
    wrapped = np.concatenate([picture, picture], axis=1)  # so a shifted crop never runs out
    return np.stack(
        [wrapped[top : top + height, left + c : left + c + width] for c in range(channels)]
    )


def kernel_pattern(name: str, shape: Sequence[int], seed: int = 0) -> NDArray[np.float64]:
    """A weight of ``shape`` ``(C_out, C_in/groups, kH, kW)`` from a preset or seeded integers.

    A named preset of :func:`convcore.presets.kernel_presets` is copied into every
    (output, input) channel pair and needs ``(kH, kW)`` to be its own size; ``'random'``
    draws integers −2…2 from ``seed`` for any size.

    Examples
    --------
    >>> kernel_pattern("tutorial_2x2", (1, 1, 2, 2))
    array([[[[0., 1.],
             [2., 3.]]]])
    >>> kernel_pattern("random", (2, 1, 1, 1), seed=3).shape
    (2, 1, 1, 1)
    """
    size = _positive_shape(shape, 4, "shape")
    if name == "random":
        # a different stream from the input's random pattern with the same seed
        rng = np.random.default_rng([int(seed), 1])
        return rng.integers(-2, 3, size=size).astype(np.float64)
    presets = kernel_presets()
    if name not in presets:
        raise ConvcoreError(
            "kernel preset must be 'random' or one of {choices}, got {name!r}",
            "name",
            choices=", ".join(presets),
            name=name,
        )
    values = presets[name].values
    if values.shape != size[2:]:
        raise ConvcoreError(
            "kernel preset {name!r} is {preset_shape}, got a request for {shape}",
            ("shape", "name"),
            name=name,
            preset_shape=shape_str(values.shape),
            shape=shape_str(size[2:]),
        )
    return np.broadcast_to(values, size).copy()


def fit_array(values: ArrayLike, shape: Sequence[int]) -> NDArray[np.float64]:
    """Resize ``values`` to ``shape``: keep the overlap (anchored at index 0), fill zeros.

    Used when a student changes a size after editing cells: what was typed stays where it was.

    Examples
    --------
    >>> fit_array([[1, 2], [3, 4]], (3, 1))
    array([[1.],
           [3.],
           [0.]])
    """
    array = as_float_array(values, "values").astype(np.float64, copy=False)
    target = tuple(int(s) for s in shape)
    if array.ndim != len(target):
        raise ConvcoreError(
            "cannot fit an array of shape {values_shape} to {shape}: the number of axes differs",
            ("values", "shape"),
            values_shape=shape_str(array.shape),
            shape=shape_str(target),
        )
    out = np.zeros(target)
    overlap = tuple(slice(0, min(a, b)) for a, b in zip(array.shape, target, strict=True))
    out[overlap] = array[overlap]
    return out


def flip_kernel(weight: ArrayLike) -> NDArray[np.float64]:
    """Rotate each kernel by 180°: cross-correlating with it is true convolution.

    Examples
    --------
    >>> flip_kernel([[0, 1], [2, 3]])
    array([[3., 2.],
           [1., 0.]])
    """
    array = as_float_array(weight, "weight").astype(np.float64, copy=False)
    return np.ascontiguousarray(array[..., ::-1, ::-1])


def _positive_shape(shape: Sequence[int], ndim: int, name: str) -> tuple[int, ...]:
    """``shape`` as ints, checked to have ``ndim`` positive sizes."""
    sizes = tuple(int(s) for s in shape)
    if len(sizes) != ndim or min(sizes) < 1:
        raise ConvcoreError(
            "{name} must be {ndim} positive sizes, got {sizes}",
            name,
            name=name,
            ndim=ndim,
            sizes=shape_str(sizes),
        )
    return sizes
