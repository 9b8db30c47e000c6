"""conv_transpose2d as a page draws it: where stamps land, the canvas as it fills up, the
grids of the equivalent direct convolution, and the conv2d it is the transpose of.

Input cell ``(c, iy, ix)`` stamps its value times ``weight[c]`` onto the uncropped *canvas*:
kernel cell ``(i, j)`` of output channel ``o`` (one of its group's) lands on canvas cell
``(iy·sH + i·dH, ix·sW + j·dW)``, and the output is the canvas cropped by ``padding`` on
each side (``output_padding`` cells more at the bottom and right). Everything here is worked
out from indices, as the step traces are, and checked against them and against torch:

- :class:`StampMap`: which output cells an input cell feeds and which inputs feed an output
  cell (both ways, the rule the page's script applies for the links between grids);
- :func:`stamp_counts`: how many stamps overlap on each canvas cell (the checkerboard of a
  kernel that the stride does not divide);
- :func:`running_canvas`: the canvas after the first ``done`` stamps, in the scatter
  method's order (one input value at a time) or the col2im method's (one input position);
- :func:`col2im_column`: one column of the col2im method's GEMM, and where it folds;
- :func:`canvas_regions`: which canvas rows and columns the padding crops, and which rows
  and columns ``output_padding`` adds;
- :func:`zero_insert_window_map`: the windows of the equivalent direct convolution on the
  zero-inserted, padded input (see :meth:`ConvTranspose2dGeometry.zero_insert_maps`);
- :func:`transpose_of_conv2d`, :func:`conv2d_of_transpose`: the other operation with the
  same weight whose kernel matrix is the transpose of this one's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from convcore.errors import ConvcoreError
from convcore.geometry import Conv2dGeometry, ConvTranspose2dGeometry
from convcore.methods.transpose_col2im import transposed_columns
from convcore.shapes import conv_output_size
from convcore.unfold import columns_to_image
from convcore.views.fields import WindowMap

Pair = tuple[int, int]
Cell3 = tuple[int, int, int]

#: Orders in which a page steps through the stamps (the trace's scatter view, col2im's columns).
ORDERS = ("scatter", "col2im")

#: Codes of :func:`canvas_regions`.
KEPT, CROPPED, ADDED = 0, 1, 2


@dataclass(frozen=True)
class StampMap:
    """Where the stamps of one configuration land, on the canvas and in the output.

    Attributes
    ----------
    kernel, stride, dilation : (int, int)
        Stamp size, step between neighbouring inputs' stamps, step between a stamp's cells.
    in_size, out_size, canvas_size : (int, int)
        ``(H, W)`` of the input, of the output and of the uncropped canvas.
    crop : (int, int)
        ``padding``: canvas cell ``(r, c)`` is output cell ``(r − crop[0], c − crop[1])``.
    in_per_group, out_per_group, in_channels, out_channels : int
        Input channel ``c`` stamps onto output channels ``(c // in_per_group) ·
        out_per_group`` onwards.

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv_transpose2d_geometry((1, 1, 2, 2), (1, 1, 3, 3), stride=2, padding=1)
    >>> m = stamp_map(g)
    >>> sorted(m.stamp(0, 0, 0))  # the top-left stamp, cropped by one row and column
    [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]
    >>> sorted(m.feeders(0, 1, 1))  # output (1, 1) is canvas (2, 2): every stamp covers it
    [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]
    """

    kernel: Pair
    stride: Pair
    dilation: Pair
    in_size: Pair
    out_size: Pair
    canvas_size: Pair
    crop: Pair
    in_per_group: int
    out_per_group: int
    in_channels: int
    out_channels: int

    def _outputs(self, channel: int) -> range:
        group = channel // self.in_per_group
        return range(group * self.out_per_group, (group + 1) * self.out_per_group)

    def stamp(self, channel: int, iy: int, ix: int, *, canvas: bool = False) -> set[Cell3]:
        """Every ``(o, y, x)`` that input cell ``(channel, iy, ix)`` adds to: output cells,
        or with ``canvas`` the canvas cells (cropped ones too)."""
        off = (0, 0) if canvas else self.crop
        size = self.canvas_size if canvas else self.out_size
        rows = [iy * self.stride[0] + i * self.dilation[0] - off[0] for i in range(self.kernel[0])]
        cols = [ix * self.stride[1] + j * self.dilation[1] - off[1] for j in range(self.kernel[1])]
        return {
            (o, r, c)
            for o in self._outputs(channel)
            for r in rows
            if 0 <= r < size[0]
            for c in cols
            if 0 <= c < size[1]
        }

    def _sources(self, axis: int, position: int) -> list[int]:
        """Input indices along ``axis`` whose stamp covers canvas ``position``."""
        step, gap, taps = self.stride[axis], self.dilation[axis], self.kernel[axis]
        return [
            index
            for index in range(self.in_size[axis])
            if 0 <= position - index * step <= gap * (taps - 1)
            and (position - index * step) % gap == 0
        ]

    def feeders(self, out_channel: int, y: int, x: int, *, canvas: bool = False) -> set[Cell3]:
        """Every input cell ``(c, iy, ix)`` whose stamp adds to output cell ``(o, y, x)``
        (with ``canvas``, to canvas cell ``(o, y, x)``)."""
        off = (0, 0) if canvas else self.crop
        group = out_channel // self.out_per_group
        channels = range(group * self.in_per_group, (group + 1) * self.in_per_group)
        rows, cols = self._sources(0, y + off[0]), self._sources(1, x + off[1])
        return {(c, r, col) for c in channels for r in rows for col in cols}

    def to_dict(self, *, canvas: bool = False) -> dict[str, Any]:
        """Plain JSON for the page's script: the rule, and where the drawn output grid starts
        on the canvas (``offset``: ``crop``, or zero when the page draws the canvas)."""
        return {
            "rule": "stamp",
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "dilation": list(self.dilation),
            "in_size": list(self.in_size),
            "offset": [0, 0] if canvas else list(self.crop),
            "in_per_group": self.in_per_group,
            "out_per_group": self.out_per_group,
        }


def stamp_map(g: ConvTranspose2dGeometry) -> StampMap:
    """The :class:`StampMap` of a geometry (see :func:`convcore.conv_transpose2d_geometry`)."""
    return StampMap(
        kernel=g.kernel,
        stride=g.stride,
        dilation=g.dilation,
        in_size=g.in_size,
        out_size=g.out_size,
        canvas_size=g.canvas_size,
        crop=g.padding,
        in_per_group=g.in_per_group,
        out_per_group=g.out_per_group,
        in_channels=g.in_channels,
        out_channels=g.out_channels,
    )


def stamp_counts(g: ConvTranspose2dGeometry) -> NDArray[np.int64]:
    """How many stamps of one input channel cover each canvas cell, ``(canvas_H, canvas_W)``.

    Separable: the stamps covering a row times those covering a column. Where the stride
    does not divide the kernel's extent the counts alternate (1, 2, 1, 2, … for a 3×3
    kernel at stride 2), which is why a transposed convolution of a constant input can
    print a checkerboard.

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv_transpose2d_geometry((1, 1, 2, 2), (1, 1, 3, 3), stride=2)
    >>> stamp_counts(g)
    array([[1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1],
           [2, 2, 4, 2, 2],
           [1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1]])
    """
    axes = []
    for axis in range(2):
        count = np.zeros(g.canvas_size[axis], dtype=np.int64)
        for index in range(g.in_size[axis]):
            start = index * g.stride[axis]
            stop = start + g.dilation[axis] * (g.kernel[axis] - 1) + 1
            count[start : stop : g.dilation[axis]] += 1
        axes.append(count)
    return np.outer(axes[0], axes[1])


def canvas_regions(g: ConvTranspose2dGeometry) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Per canvas row and column: :data:`KEPT` in the output, :data:`CROPPED` by the padding,
    or :data:`ADDED` (in the output, one of the ``output_padding`` rows or columns at the end).

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv_transpose2d_geometry((1, 1, 2, 2), (1, 1, 3, 3), stride=2, padding=1,
    ...                                  output_padding=1)
    >>> rows, _ = canvas_regions(g)
    >>> rows.tolist()
    [1, 0, 0, 0, 2, 1]
    """
    regions = []
    for axis in range(2):
        crop, size, added = g.padding[axis], g.out_size[axis], g.output_padding[axis]
        position = np.arange(g.canvas_size[axis]) - crop  # the output index, if kept
        kept = (position >= 0) & (position < size)
        regions.append(np.where(kept, np.where(position >= size - added, ADDED, KEPT), CROPPED))
    return regions[0], regions[1]


@dataclass(frozen=True)
class Canvas:
    """The canvas after some stamps: running sums and how many stamp cells landed where."""

    values: NDArray[np.float64]  # (C_out, canvas_H, canvas_W), no bias
    stamps: NDArray[np.int64]  # (C_out, canvas_H, canvas_W)


def order_steps(g: ConvTranspose2dGeometry, order: str) -> int:
    """Number of steps in ``order``: one per input value (scatter) or position (col2im)."""
    if order not in ORDERS:
        raise ConvcoreError(
            "order must be one of {choices}, got {order!r}",
            "order",
            choices=", ".join(map(repr, ORDERS)),
            order=order,
        )
    positions = g.in_size[0] * g.in_size[1]
    return positions * g.in_channels if order == "scatter" else positions


def running_canvas(
    x: NDArray[np.floating],
    weight: NDArray[np.floating],
    g: ConvTranspose2dGeometry,
    done: int,
    order: str = "scatter",
) -> Canvas:
    """The canvas once the first ``done`` steps have stamped (one sample, no bias).

    Parameters
    ----------
    x : ndarray, shape (C_in, H, W)
    weight : ndarray, shape (C_in, C_out/groups, kH, kW)
    g : ConvTranspose2dGeometry
        The geometry of ``x`` and ``weight``.
    done : int
        Steps done, ``0`` to :func:`order_steps`.
    order : {'scatter', 'col2im'}
        'scatter': a step per input value ``(c, iy, ix)``, as the scatter trace numbers
        them; 'col2im': a step per input position ``(iy, ix)``, every channel at once (the
        fold of one column of the col2im method's GEMM).

    Returns
    -------
    Canvas
        Cropped by ``g.crop``, the values after every step are the output minus the bias.

    Notes
    -----
    The col2im method's work on the input with the later values zeroed: one GEMM into
    columns and one fold (``kH·kW`` slice additions), and the same fold of the stamp counts.

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv_transpose2d_geometry((1, 1, 1, 2), (1, 1, 1, 2), stride=1)
    >>> x, w = np.array([[[1.0, 10.0]]]), np.array([[[[1.0, 2.0]]]])
    >>> running_canvas(x, w, g, 1).values.tolist(), running_canvas(x, w, g, 2).values.tolist()
    ([[[1.0, 2.0, 0.0]]], [[[1.0, 12.0, 20.0]]])
    """
    total = order_steps(g, order)
    if not 0 <= done <= total:
        raise ConvcoreError(
            "done must be in 0..{total}, got done={done}", "done", total=total, done=done
        )
    positions = g.in_size[0] * g.in_size[1]
    channels = np.arange(g.in_channels)
    # how many positions of each input channel have stamped: in scatter order the channels
    # go one after the other, in col2im order all together
    if order == "scatter":
        ready = np.clip(done - channels * positions, 0, positions)
    else:
        ready = np.full(g.in_channels, done)
    stamped = np.arange(positions) < ready[:, None]  # (C_in, H·W)
    flat = np.asarray(x, dtype=np.float64).reshape(g.in_channels, positions)
    kept = np.where(stamped, flat, 0.0).reshape(1, g.in_channels, *g.in_size)
    cols = transposed_columns(kept, np.asarray(weight, dtype=np.float64), g)  # (1, C_out·k·k, L)
    # each output channel's stamp cells count its group's input channels that have stamped
    counts = stamped.reshape(g.groups, g.in_per_group, positions).sum(axis=1)  # (G, L)
    per_cell = np.broadcast_to(
        counts[:, None, None, :], (g.groups, g.out_per_group, g.kernel[0] * g.kernel[1], positions)
    ).reshape(1, -1, positions)  # (1, C_out·kH·kW, L)
    fold = (g.out_channels, g.canvas_size, g.kernel, g.stride, g.dilation, g.in_size)
    values = columns_to_image(cols, *fold)[0]
    stamps = columns_to_image(per_cell.astype(np.int64), *fold)[0]
    return Canvas(values, stamps)


@dataclass(frozen=True)
class Col2imColumn:
    """One column of the col2im method's GEMM (:func:`~convcore.methods.transpose_col2im.
    transposed_columns`): what input position ``(iy, ix)`` adds to every output channel.

    Attributes
    ----------
    column : int
        ``l = iy·W + ix``.
    position : (int, int)
        ``(iy, ix)``.
    inputs : ndarray, shape (C_in,)
        ``x[:, iy, ix]``: the column of the input matrix the weight matrix multiplies.
    values : ndarray, shape (C_out, kH, kW)
        The column, row ``(o·kH + i)·kW + j`` at ``[o, i, j]``: the sum over the group's input
        channels of ``x[c, iy, ix] · weight[c, o mod C_out/groups, i, j]``.
    origin : (int, int)
        ``(iy·sH, ix·sW)``: the canvas cell the fold puts ``values[:, 0, 0]`` on; ``[o, i, j]``
        goes ``(i·dH, j·dW)`` further.
    """

    column: int
    position: Pair
    inputs: NDArray[np.float64]
    values: NDArray[np.float64]
    origin: Pair


def col2im_column(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: ConvTranspose2dGeometry, column: int
) -> Col2imColumn:
    """Column ``column`` of the col2im GEMM for ``x`` ``(C_in, H, W)``, in O(C_in · stamp).

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv_transpose2d_geometry((1, 2, 1, 2), (2, 1, 1, 2), stride=2, groups=1)
    >>> x = np.array([[[1.0, 2.0]], [[10.0, 20.0]]])
    >>> w = np.array([[[[1.0, -1.0]]], [[[1.0, 1.0]]]])
    >>> c = col2im_column(x, w, g, 1)
    >>> c.position, c.inputs.tolist(), c.values.tolist(), c.origin
    ((0, 1), [2.0, 20.0], [[[22.0, 18.0]]], (0, 2))
    """
    height, width = g.in_size
    if not 0 <= column < height * width:
        raise ConvcoreError(
            "column must be in 0..{last}, got column={column}",
            "column",
            last=height * width - 1,
            column=column,
        )
    iy, ix = divmod(column, width)
    inputs = np.asarray(x[:, iy, ix], dtype=np.float64)  # (C_in,)
    # per group: its input channels' values times their kernels, summed over the channels
    grouped_x = inputs.reshape(g.groups, g.in_per_group)
    grouped_w = np.asarray(weight, dtype=np.float64).reshape(
        g.groups, g.in_per_group, g.out_per_group, *g.kernel
    )  # (G, C_in/G, C_out/G, kH, kW)
    values = np.einsum("gc,gcokl->gokl", grouped_x, grouped_w).reshape(
        g.out_channels, *g.kernel
    )  # (C_out, kH, kW)
    return Col2imColumn(column, (iy, ix), inputs, values, (iy * g.stride[0], ix * g.stride[1]))


def zero_insert_window_map(g: ConvTranspose2dGeometry) -> WindowMap:
    """The windows of the equivalent direct convolution on the zero-inserted, padded input.

    Stride 1, the same dilation; a window per output cell. ``row_sources`` / ``col_sources``
    name the input row (column) of each grid position, ``-1`` for an inserted zero or
    padding, and ``pads`` is where the spread input starts (negative when it is cropped).

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv_transpose2d_geometry((1, 1, 2, 2), (1, 1, 2, 2), stride=2)
    >>> m = zero_insert_window_map(g)
    >>> m.padded_size, m.row_sources, sorted(m.readers(0, 0, 1))
    ((5, 5), (-1, 0, -1, 1, -1), [(0, 0, 2), (0, 0, 3), (0, 1, 2), (0, 1, 3)])
    """
    (row_kinds, row_sources), (col_kinds, col_sources) = g.zero_insert_maps()
    top, _, left, _ = g.conv_pads
    return WindowMap(
        kernel=g.kernel,
        stride=(1, 1),
        dilation=g.dilation,
        out_size=g.out_size,
        padded_size=(len(row_kinds), len(col_kinds)),
        pads=(top, left),
        in_per_group=g.in_per_group,
        out_per_group=g.out_per_group,
        in_channels=g.in_channels,
        out_channels=g.out_channels,
        row_sources=tuple(int(r) for r in row_sources.tolist()),
        col_sources=tuple(int(c) for c in col_sources.tolist()),
    )


@dataclass(frozen=True)
class Adjoint:
    """The other operation with the same weight, whose kernel matrix is this one's transposed.

    Attributes
    ----------
    op : str
        ``'conv_transpose2d'`` (the transpose of a conv2d) or ``'conv2d'``.
    input_shape, output_shape : (int, int, int)
        ``(C, H, W)`` of its input (this one's output shape) and of its output.
    stride, padding, dilation : (int, int)
    output_padding : (int, int)
        Chosen so that the output shape is this one's input shape (``(0, 0)`` for conv2d).
    groups : int
    exact : bool
        Its output shape is this one's input shape. A conv_transpose2d whose
        ``output_padding`` is not smaller than its stride (allowed below the dilation) has
        no conv2d that gives its input shape back.
    """

    op: str
    input_shape: Cell3
    output_shape: Cell3
    stride: Pair
    padding: Pair
    output_padding: Pair
    dilation: Pair
    groups: int
    exact: bool


def transpose_of_conv2d(g: Conv2dGeometry) -> Adjoint | None:
    """The conv_transpose2d with the same weight whose matrix is Kᵀ, or None when there is none.

    None when the padding is not a zero padding or not the same on both sides of an axis
    (``'same'`` with an even kernel): conv_transpose2d only crops symmetrically, and the
    transpose of a reflect, replicate or circular padding folds values back instead.

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv2d_geometry((1, 1, 5, 5), (1, 1, 3, 3), stride=2, padding=1)
    >>> a = transpose_of_conv2d(g)
    >>> a.input_shape, a.output_padding, a.output_shape
    ((1, 3, 3), (0, 0), (1, 5, 5))
    >>> transpose_of_conv2d(cc.conv2d_geometry((1, 1, 6, 6), (1, 1, 3, 3), stride=2)).output_padding
    (1, 1)
    """
    top, bottom, left, right = g.pads
    if g.padding_mode != "zeros" or top != bottom or left != right:
        return None
    padding = (top, left)
    # H + 2p − d(k − 1) − 1 = (H_out − 1)·s + r, 0 ≤ r < s: the r rows the windows never reach
    extra = tuple(
        (size + 2 * p - d * (k - 1) - 1) % s
        for size, p, d, k, s in zip(g.in_size, padding, g.dilation, g.kernel, g.stride, strict=True)
    )
    return Adjoint(
        op="conv_transpose2d",
        input_shape=(g.out_channels, *g.out_size),
        output_shape=(g.in_channels, *g.in_size),
        stride=g.stride,
        padding=padding,
        output_padding=(extra[0], extra[1]),
        dilation=g.dilation,
        groups=g.groups,
        exact=True,
    )


def conv2d_of_transpose(g: ConvTranspose2dGeometry) -> Adjoint:
    """The conv2d with the same weight (zero padding) whose matrix this one transposes.

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv_transpose2d_geometry((1, 1, 3, 3), (1, 1, 4, 4), stride=2, padding=1)
    >>> a = conv2d_of_transpose(g)
    >>> a.input_shape, a.output_shape, a.exact
    ((1, 6, 6), (1, 3, 3), True)
    """
    out = tuple(
        conv_output_size(size, k, s, 2 * p, d)
        for size, k, s, p, d in zip(
            g.out_size, g.kernel, g.stride, g.padding, g.dilation, strict=True
        )
    )
    return Adjoint(
        op="conv2d",
        input_shape=(g.out_channels, *g.out_size),
        output_shape=(g.in_channels, out[0], out[1]),
        stride=g.stride,
        padding=g.padding,
        output_padding=(0, 0),
        dilation=g.dilation,
        groups=g.groups,
        exact=(out[0], out[1]) == g.in_size,
    )
