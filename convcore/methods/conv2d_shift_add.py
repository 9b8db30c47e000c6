"""conv2d as a sum of shifted copies of the input, one kernel tap at a time.

Tap ``(i, j)`` of the kernel meets, in every window, the input cell ``i·dh`` rows and ``j·dw``
columns from the window's corner. Take that cell for all windows at once and you get the
padded input *shifted* by ``(i·dh, j·dw)`` (and, with a stride, keeping every ``s``-th row and
column): one plane per input channel, the size of the output. The convolution is then

    out = Σ over taps (i, j) of  weight[:, :, i, j] · shifted(i, j)

a sum of ``kH·kW`` shifted copies of the input, each mixed across the channels of its group
by a ``(C_out/G, C_in/G)`` slice of the weight. The picture explains the special layers:

- a **1×1 convolution** has one tap and no shift: the same small matrix applied to the
  channel vector of every pixel, a fully connected layer run pixel by pixel;
- a **depthwise convolution** (``groups = C_in``) mixes nothing: each tap is one number
  per channel, so every output plane is ``kH·kW`` scaled, shifted copies of one input plane
  added up;
- a **separable convolution** is a depthwise one followed by a 1×1 one.

Notes
-----
The multiply-adds are those of the definition, ``N·C_out·H_out·W_out·(C_in/G)·kH·kW``,
done as ``kH·kW`` matrix products with ``C_in/G`` terms each (plain products when a group
has one input channel) instead of im2col's one product with ``C_in/G·kH·kW`` terms.

At stride 1 no column is built: a shifted copy is a slice of the flattened padded input
(see :func:`_shifted`), read in place, which is what makes this method faster than im2col
on dense stride-1 layers, where im2col copies every input value ``kH·kW`` times. Each tap
then costs one pass over the output to add its product into the sum, ``kH·kW − 1`` passes
in all. The work goes a block at a time, a few samples or a few groups of one sample
(:data:`BLOCK_BUDGET`): the block is padded, its taps summed and the sum cropped while it
is in cache, and the extra memory is that block's padded input, sum and scratch. A
depthwise tap is one multiply and one add per output value: two passes over memory per
tap, where a compiled kernel keeps all ``kH·kW`` taps in registers and makes one.

Under a stride the windows skip rows and columns, no slice holds them, and every tap
copies its shifted input: few input channels per group (an RGB stem, ``C_in = 3``) make
this the slowest fast method, ``kH·kW`` thin products each writing the whole output.
Small layers pay for the ``2·kH·kW`` numpy calls, about twice im2col's ``kH·kW + 1``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Conv2dGeometry

#: Bytes of one block (padded input, sum and scratch): a few samples, or a few groups of
#: one sample. Measured, not derived: smaller blocks that stay in L2 lose more to the
#: per-call overhead of the ``2·kH·kW`` numpy calls per block than they gain in cache hits.
BLOCK_BUDGET = 2**22


def conv2d_shift_add(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: Conv2dGeometry
) -> NDArray[np.floating]:
    """Add up ``weight[:, :, i, j]`` times the input shifted by tap ``(i, j)``; no bias."""
    n, (oh, ow) = x.shape[0], g.out_size
    # (N, C_in, H, W) → (N, G, C_in/G, H, W): each group is convolved on its own
    groups_in = x.reshape(n, g.groups, g.in_per_group, *g.in_size)
    # (C_out, C_in/G, kH, kW) → (G, C_out/G, C_in/G, kH, kW)
    kernels = weight.reshape(g.groups, g.out_per_group, g.in_per_group, *g.kernel)
    out = np.empty((n, g.groups, g.out_per_group, oh, ow), dtype=x.dtype)
    shape = _block_shape(n, g, x.itemsize)
    # the running sum and the scratch for one block, reused by every block
    row = _row_length(g)
    total = np.empty((*shape, g.out_per_group, oh * row), dtype=x.dtype)
    scratch = np.empty((*shape, g.out_per_group, (oh - 1) * row + ow), dtype=x.dtype)
    for (samples, groups), padded in _padded_blocks(groups_in, g, shape):
        size = padded.shape[:2]
        out[samples, groups] = _sum_of_shifted_copies(
            padded, kernels[groups], g, total[: size[0], : size[1]], scratch[: size[0], : size[1]]
        )
    return out.reshape(n, g.out_channels, oh, ow)  # (N, G, C_out/G, oh, ow) → (N, C_out, oh, ow)


def _sum_of_shifted_copies(
    padded: NDArray[np.floating],
    kernels: NDArray[np.floating],
    g: Conv2dGeometry,
    total: NDArray[np.floating],
    scratch: NDArray[np.floating],
) -> NDArray[np.floating]:
    """One block of samples and groups: the sum over the taps, built in ``total``.

    ``padded`` is ``(N', G', C_in/G, Hp, Wp)``, ``kernels`` ``(G', C_out/G, C_in/G, kH, kW)``;
    ``total`` ``(N', G', C_out/G, H_out·row)`` and ``scratch`` ``(N', G', C_out/G, P)``,
    where output rows lie ``row`` apart on a line of ``P`` cells. Returns
    ``(N', G', C_out/G, H_out, W_out)``, a view of ``total``.
    """
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    positions = scratch.shape[-1]
    # a group with one input channel has (C_out/G × 1) · (1 × P) products: outer products,
    # which a broadcast multiply computes without the overhead of a matrix product per group
    mix = np.multiply if g.in_per_group == 1 else np.matmul
    total_line = total[..., :positions]
    for i in range(kh):
        for j in range(kw):
            term = total_line if i == j == 0 else scratch
            # (G', C_out/G, C_in/G) mixes (N', G', C_in/G, P) into (N', G', C_out/G, P)
            mix(kernels[..., i, j], _shifted(padded, g, i, j, positions), out=term)
            if term is scratch:
                total_line += scratch
    # (…, oh·row) → (…, oh, row): at stride 1 a row of the line has Wp cells, and the last
    # Wp − W_out are windows that run off the plane's right edge into the next row: dropped
    return total.reshape(*total.shape[:-1], oh, -1)[..., :ow]


def _shifted(
    padded: NDArray[np.floating], g: Conv2dGeometry, i: int, j: int, positions: int
) -> NDArray[np.floating]:
    """What tap ``(i, j)`` sees from every window: ``(N', G', C_in/G, positions)``."""
    (dh, dw), (sh, sw), (oh, ow) = g.dilation, g.stride, g.out_size
    planes = padded.shape[:-2]
    if g.stride == (1, 1):
        # Flatten each padded plane (rows one after another): the window at (oy, ox) starts
        # at oy·Wp + ox, so moving every window i·dh rows down and j·dw columns right is
        # sliding the whole line by i·dh·Wp + j·dw. A slice, not a copy.
        flat = padded.reshape(*planes, -1)  # (…, Hp·Wp)
        start = i * dh * padded.shape[-1] + j * dw
        return flat[..., start : start + positions]
    # strided windows skip rows and columns: no single slice of the line holds them
    view = padded[
        ..., i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw
    ]
    return view.reshape(*planes, oh * ow)  # (…, oh, ow) → (…, oh·ow): a copy


def _padded_blocks(
    groups_in: NDArray[np.floating], g: Conv2dGeometry, shape: tuple[int, int]
) -> Iterator[tuple[tuple[slice, slice], NDArray[np.floating]]]:
    """Every block of ``shape`` (samples, groups) of ``groups_in``, padded, with its index.

    Padding block by block keeps each block in cache for its taps. Under ``zeros`` the
    blocks are copied into the middle of one reused canvas whose frame stays zero; without
    padding they are used where they are.
    """
    n, groups = groups_in.shape[:2]
    top, _, left, _ = g.pads
    height, width = g.in_size
    canvas = None
    if g.padding_mode == "zeros" and any(g.pads):
        canvas = np.zeros((*shape, g.in_per_group, *g.padded_size), dtype=groups_in.dtype)
    for start in range(0, n, shape[0]):
        for first in range(0, groups, shape[1]):
            index = (slice(start, start + shape[0]), slice(first, first + shape[1]))
            block = groups_in[index]  # (N', G', C_in/G, H, W)
            if not any(g.pads):
                yield index, block
                continue
            if canvas is None:
                yield index, g.pad(block)
                continue
            padded = canvas[: block.shape[0], : block.shape[1]]
            padded[..., top : top + height, left : left + width] = block
            yield index, padded


def _row_length(g: Conv2dGeometry) -> int:
    """Distance between output rows in a shifted line: the padded width at stride 1."""
    return g.padded_size[1] if g.stride == (1, 1) else g.out_size[1]


def _block_shape(n: int, g: Conv2dGeometry, itemsize: int) -> tuple[int, int]:
    """(samples, groups) per block so that a block's input, sum and scratch fit the budget.

    Whole samples when one fits (fewer, larger numpy calls), else groups of one sample.
    """
    (hp, wp), (oh, _) = g.padded_size, g.out_size
    per_group = (g.in_per_group * hp * wp + 2 * g.out_per_group * oh * wp) * itemsize
    per_sample = g.groups * per_group
    if per_sample <= BLOCK_BUDGET:
        return max(1, min(n, BLOCK_BUDGET // per_sample)), g.groups
    return 1, max(1, BLOCK_BUDGET // per_group)


def python_steps(g: Conv2dGeometry) -> int:
    """Python-level steps: one pass per kernel tap per block (blocks sized for float64).

    >>> from convcore.geometry import conv2d_geometry
    >>> python_steps(conv2d_geometry((2, 4, 16, 16), (4, 2, 3, 3), padding=1, groups=2))
    9
    """
    samples, groups = _block_shape(g.batch, g, 8)
    # blocks of whole samples, or blocks of a few groups of one sample
    whole = groups == g.groups
    blocks = -(-g.batch // samples) if whole else g.batch * -(-g.groups // groups)
    return max(1, blocks) * g.kernel[0] * g.kernel[1]
