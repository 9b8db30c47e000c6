"""Where a figure's grids go, and the cell size that fits the image's bounds.

The groups (input, kernel, output, …) stand side by side, left to right, each under its
title; inside a group, the kernels of a weight form its matrix (``K<o>-<i>``: a row per
output channel, a column per input channel) and other grids a near-square block. The
cell size is the largest (up to :data:`MAX_CELL`) at which the figure fits
:data:`MAX_WIDTH` × :data:`MAX_HEIGHT` and the server's pixel limit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from app.figures import fonts
from app.figures.scene import Scene, SceneGrid

MAX_CELL = 48
MIN_CELL = 6
#: A slide's size, more or less: the cell size shrinks until the figure fits.
MAX_WIDTH, MAX_HEIGHT = 1440, 960
MARGIN = 20
#: Two lines over the grids (what the figure is, what the step computes), and a legend
#: of up to two rows.
HEADER, LEGEND = 72, 70
TITLE, TITLE_FONT = 30, 17
MIN_WIDTH = 560

_PAIR = re.compile(r"^([A-Z])(\d+)-(\d+)$")
_SINGLE = re.compile(r"^([A-Z])(\d+)$")
#: A grid's label by the letter of its id (math names, the same in every language).
NAMES = {"X": "x", "K": "w", "Y": "y", "I": "i", "Z": "z", "F": "w′"}


def grid_label(grid_id: str) -> str:
    """``K1-0`` → ``w[1, 0]``, ``X2`` → ``x[2]``.

    >>> grid_label("K1-0"), grid_label("X2"), grid_label("F0-1")
    ('w[1, 0]', 'x[2]', 'w′[0, 1]')
    """
    pair = _PAIR.match(grid_id)
    if pair:
        letter, a, b = pair.groups()
        return f"{NAMES.get(letter, letter.lower())}[{a}, {b}]"
    single = _SINGLE.match(grid_id)
    if single:
        letter, a = single.groups()
        return f"{NAMES.get(letter, letter.lower())}[{a}]"
    return grid_id


@dataclass(frozen=True)
class Layout:
    """Pixel positions: each grid's top-left cell, labels and titles, the image's size."""

    cell: int
    width: int
    height: int
    origins: dict[str, tuple[int, int]]  # grid id → (x, y) of its first cell
    labels: list[tuple[int, int, str, int]]  # x, y (top left), text, font size
    titles: list[tuple[int, int, str]]  # x, y, text
    grids_top: int
    legend_top: int


def _blocks(grids: list[SceneGrid]) -> list[tuple[int, int, SceneGrid]]:
    """(row, column) of each grid in its group's block."""
    pairs = [_PAIR.match(grid.id) for grid in grids]
    if grids and all(pairs):
        firsts = sorted({int(m.group(2)) for m in pairs if m})
        seconds = sorted({int(m.group(3)) for m in pairs if m})
        return [
            (firsts.index(int(m.group(2))), seconds.index(int(m.group(3))), grid)
            for m, grid in zip(pairs, grids, strict=True)
            if m
        ]
    per_row = math.ceil(math.sqrt(len(grids))) if grids else 1
    return [(k // per_row, k % per_row, grid) for k, grid in enumerate(grids)]


def arrange(scene: Scene, titles: list[str], cell: int) -> Layout:
    """The layout of ``scene`` with cells of ``cell`` pixels; ``titles`` one per group."""
    group_gap = max(28, round(1.5 * cell))
    grid_gap = max(10, round(0.5 * cell))
    origins: dict[str, tuple[int, int]] = {}
    labels: list[tuple[int, int, str, int]] = []
    placed_titles: list[tuple[int, int, str]] = []
    top = MARGIN + HEADER
    grids_top = top + TITLE
    x = MARGIN
    bottom = grids_top
    for g, title in enumerate(titles):
        members = [grid for grid in scene.grids if grid.group == g]
        labelled = len(members) > 1
        label_font = max(11, min(15, round(cell * 0.45)))
        label_h = label_font + 6 if labelled else 0
        blocks = _blocks(members)
        n_rows = max((r for r, _, _ in blocks), default=0) + 1
        n_cols = max((c for _, c, _ in blocks), default=0) + 1
        col_w = [
            max((grid.cols for _, c, grid in blocks if c == k), default=0) * cell
            for k in range(n_cols)
        ]
        row_h = [
            max((grid.rows for r, _, grid in blocks if r == k), default=0) * cell + label_h
            for k in range(n_rows)
        ]
        for r, c, grid in blocks:
            gx = x + sum(col_w[:c]) + c * grid_gap
            gy = grids_top + sum(row_h[:r]) + r * grid_gap
            if labelled:
                labels.append((gx, gy, grid_label(grid.id), label_font))
            origins[grid.id] = (gx, gy + label_h)
        width = sum(col_w) + (n_cols - 1) * grid_gap
        width = max(width, math.ceil(fonts.text_width(title, TITLE_FONT)))
        placed_titles.append((x, top, title))
        bottom = max(bottom, grids_top + sum(row_h) + (n_rows - 1) * grid_gap)
        x += width + group_gap
    width = max(MIN_WIDTH, x - group_gap + MARGIN)
    legend_top = bottom + 16
    return Layout(
        cell,
        width,
        legend_top + LEGEND + MARGIN // 2,
        origins,
        labels,
        placed_titles,
        grids_top,
        legend_top,
    )


def fit(scene: Scene, titles: list[str], max_pixels: int) -> tuple[Layout | None, Layout]:
    """The layout with the largest cells that fits, or None; and the smallest one tried."""
    layout = arrange(scene, titles, MAX_CELL)
    for cell in range(MAX_CELL, MIN_CELL - 1, -1):
        layout = arrange(scene, titles, cell)
        area = layout.width * layout.height
        if layout.width <= MAX_WIDTH and layout.height <= MAX_HEIGHT and area <= max_pixels:
            return layout, layout
    return None, layout
