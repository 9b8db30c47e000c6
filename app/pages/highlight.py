"""What a step marks on the grids: the taps and their weights, the dilation gaps, the output
cell of the step and those still to come, the grids the step works on, and cells a page
singles out among the taps (:data:`MARK_CLASSES`: a pooling's maximum and its ties).

The grids are sent once per configuration, with the marks of their step as classes on the
cells (so the page is right without script). A step then sends only its marks, as a small
JSON (:meth:`Highlight.to_json`), and the page's script moves the classes: a step changes
the classes of a few hundred cells at most, where re-sending the grids or a style sheet
costs the browser a style recalculation of the whole board. Grid ids follow one convention
on every page: ``X<c>`` the input channels, ``K<o>-<i>`` the kernels, ``Y<o>`` the output
channels; the output tables carry ``data-steps`` (the step of their first cell), from which
the script works out which cells a step fills or empties. A grid whose numbers change with
the step itself (the canvas a transposed convolution stamps onto, sum by sum) has no
``data-steps``: its step sends the cells that changed (``values``) instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple


class Tap(NamedTuple):
    """A cell the window reads, with the badge it shows (its weight, '' for none)."""

    grid: str
    row: int
    col: int
    badge: str


class Span(NamedTuple):
    """The rectangle a window spans: rows [top, bottom), columns [left, right)."""

    grid: str
    top: int
    bottom: int
    left: int
    right: int


class Cell(NamedTuple):
    """One cell of a grid."""

    grid: str
    row: int
    col: int


#: The classes a :class:`Marked` cell may take (``static/pages.js`` clears the same ones):
#: ``win`` the value a max pooling keeps, ``tie`` an equal value it passes over.
MARK_CLASSES = ("win", "tie")


class Marked(NamedTuple):
    """A cell singled out by one of :data:`MARK_CLASSES`, on top of its other marks."""

    grid: str
    row: int
    col: int
    cls: str


class CellValue(NamedTuple):
    """A cell whose number the step changed: its whole class, its value exactly and as shown."""

    grid: str
    row: int
    col: int
    cls: str
    value: str
    text: str


#: A cell's marks: its classes (with a leading space) and its badge.
Marks = dict[tuple[int, int], tuple[str, str]]


@dataclass(frozen=True)
class Highlight:
    """The marks of step ``t``; ``active`` are the grids the step works on."""

    t: int
    taps: list[Tap] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    current: list[Cell] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    marked: list[Marked] = field(default_factory=list)
    values: list[CellValue] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = {m.cls for m in self.marked} - set(MARK_CLASSES)
        if unknown:  # the script would never clear them
            raise ValueError(f"mark classes must be among {MARK_CLASSES}, got {sorted(unknown)}")

    def to_json(self) -> str:
        """The marks as compact JSON for the page's script (``data-marks``)."""
        data: dict[str, object] = {
            "t": self.t,
            "taps": [list(tap) for tap in self.taps],
            "spans": [list(span) for span in self.spans],
            "current": [list(cell) for cell in self.current],
            "active": self.active,
        }
        if self.marked:
            data["marked"] = [list(cell) for cell in self.marked]
        if self.values:
            data["values"] = [list(value) for value in self.values]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def marks(self, grid: str) -> Marks:
        """The classes and badges of ``grid``'s cells that this step marks."""
        found: Marks = {}
        for span in self.spans:
            if span.grid == grid:
                for r in range(span.top, span.bottom):
                    for c in range(span.left, span.right):
                        found[(r, c)] = (" gap", "")
        for tap in self.taps:
            if tap.grid == grid:
                found[(tap.row, tap.col)] = (" tap", tap.badge)
        for cell in self.current:
            if cell.grid == grid:
                found[(cell.row, cell.col)] = (" cur", "")
        for mark in self.marked:
            if mark.grid == grid:
                classes, badge = found.get((mark.row, mark.col), ("", ""))
                found[(mark.row, mark.col)] = (f"{classes} {mark.cls}", badge)
        return found


def progress(grids: Sequence[str], shape: tuple[int, int], step: int) -> Cell:
    """The cell of ``step`` over ``grids`` filled in reading order, each of ``shape``.

    >>> progress(["Y0", "Y1"], (2, 3), 4)
    Cell(grid='Y0', row=1, col=1)
    >>> progress(["Y0", "Y1"], (2, 3), 6)
    Cell(grid='Y1', row=0, col=0)
    """
    rows, cols = shape
    index, rest = divmod(step, rows * cols)
    row, col = divmod(rest, cols)
    return Cell(grids[index], row, col)
