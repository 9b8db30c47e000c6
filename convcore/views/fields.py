"""Receptive fields of a sliding-window operation, both ways, from the geometry alone.

Output ``(o, oy, ox)`` of a conv2d reads, in the padded grid, the rows ``oy·sH + i·dH`` and
columns ``ox·sW + j·dW`` (``0 ≤ i < kH``, ``0 ≤ j < kW``) of the input channels of its group.
A :class:`WindowMap` holds exactly the numbers that rule needs, so a page can outline the
cells a window reads (and, the other way, every window that reads a cell) without a trace
step per cell: its :meth:`WindowMap.to_dict` is small JSON the browser applies the same
rule with, and :meth:`WindowMap.receptive_field` / :meth:`WindowMap.readers` are the rule
in Python, which the tests check against the traces.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from convcore.geometry import Conv2dGeometry

Pair = tuple[int, int]


@dataclass(frozen=True)
class WindowMap:
    """Where the windows of one configuration sit on the padded grid they read.

    Attributes
    ----------
    kernel, stride, dilation : (int, int)
        Window size, step between windows, step between a window's taps.
    out_size : (int, int)
        ``(H_out, W_out)``: the windows per axis.
    padded_size : (int, int)
        Size of the grid the windows slide over.
    pads : (int, int)
        ``(top, left)``: where the input starts in that grid.
    in_per_group, out_per_group : int
        Channels of a group: output channel ``o`` reads input channels
        ``(o // out_per_group) · in_per_group`` onwards.
    in_channels, out_channels : int
        Channel counts.
    row_sources, col_sources : tuple of int
        Per padded row (column): the input row (column) it holds or copies, ``-1`` for a
        constant pad cell.

    Examples
    --------
    >>> import convcore as cc
    >>> g = cc.conv2d_geometry((1, 1, 4, 4), (1, 1, 3, 3), stride=1, padding=1)
    >>> m = conv2d_window_map(g)
    >>> m.receptive_field(0, 0, 0)
    ((0,), (0, 1, 2), (0, 1, 2))
    >>> sorted(m.readers(0, 0, 0))  # input cell (0, 0) sits at padded (1, 1)
    [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]
    """

    kernel: Pair
    stride: Pair
    dilation: Pair
    out_size: Pair
    padded_size: Pair
    pads: Pair
    in_per_group: int
    out_per_group: int
    in_channels: int
    out_channels: int
    row_sources: tuple[int, ...]
    col_sources: tuple[int, ...]

    def receptive_field(
        self, out_channel: int, oy: int, ox: int
    ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """(input channels, padded rows, padded columns) that output ``(o, oy, ox)`` reads."""
        group = out_channel // self.out_per_group
        first = group * self.in_per_group
        channels = tuple(range(first, first + self.in_per_group))
        rows = tuple(oy * self.stride[0] + i * self.dilation[0] for i in range(self.kernel[0]))
        cols = tuple(ox * self.stride[1] + j * self.dilation[1] for j in range(self.kernel[1]))
        return channels, rows, cols

    def windows_over(self, axis: int, position: int) -> tuple[int, ...]:
        """The window indices along ``axis`` (0 rows, 1 columns) with a tap on ``position``."""
        step, gap, taps = self.stride[axis], self.dilation[axis], self.kernel[axis]
        found = []
        for index in range(self.out_size[axis]):
            offset = position - index * step
            if 0 <= offset <= gap * (taps - 1) and offset % gap == 0:
                found.append(index)
        return tuple(found)

    def readers_of_padded(self, channel: int, row: int, col: int) -> set[tuple[int, int, int]]:
        """Every output ``(o, oy, ox)`` whose window has a tap on padded cell ``(row, col)``."""
        group = channel // self.in_per_group
        outs = range(group * self.out_per_group, (group + 1) * self.out_per_group)
        rows, cols = self.windows_over(0, row), self.windows_over(1, col)
        return {(o, oy, ox) for o in outs for oy in rows for ox in cols}

    def readers(self, channel: int, y: int, x: int) -> set[tuple[int, int, int]]:
        """Every output that reads input cell ``(y, x)``, directly or through a pad copy."""
        found: set[tuple[int, int, int]] = set()
        rows = [r for r, source in enumerate(self.row_sources) if source == y]
        cols = [c for c, source in enumerate(self.col_sources) if source == x]
        for row in rows:
            for col in cols:
                found |= self.readers_of_padded(channel, row, col)
        return found

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (tuples as lists), for the page's script."""
        return {name: list(v) if isinstance(v, tuple) else v for name, v in asdict(self).items()}


def conv2d_window_map(g: Conv2dGeometry) -> WindowMap:
    """The :class:`WindowMap` of a conv2d geometry (see :func:`convcore.conv2d_geometry`)."""
    rows, cols = g.source_maps()
    return WindowMap(
        kernel=g.kernel,
        stride=g.stride,
        dilation=g.dilation,
        out_size=g.out_size,
        padded_size=g.padded_size,
        pads=(g.pads[0], g.pads[2]),
        in_per_group=g.in_per_group,
        out_per_group=g.out_per_group,
        in_channels=g.in_channels,
        out_channels=g.out_channels,
        row_sources=tuple(int(r) for r in rows.tolist()),
        col_sources=tuple(int(c) for c in cols.tolist()),
    )
