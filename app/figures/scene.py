"""The look of every cell of a figure, step after step, from the page's board and marks.

The board's cells carry the page's classes (``pad``, ``pad out``, ``ins``, ``crop``,
``opad``, ``todo`` and a colour band) and texts; a step's :class:`Highlight` says which cells
it marks. :meth:`Scene.advance` moves to a step and says which cells may look different,
so that a frame redraws only those (the same bookkeeping as the page's script, which moves
classes instead of re-sending the grids).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.figures.spec import INPUT, KERNEL, OUTPUT, FigureGroup
from app.figures.tiles import Look
from app.pages.highlight import Highlight

Key = tuple[str, int, int]  # (grid id, row, column)


@dataclass(frozen=True)
class SceneGrid:
    """One grid: its id, group, size, and the step of its first cell when it fills in."""

    id: str
    group: int
    rows: int
    cols: int
    first: int | None  # None: its numbers do not fill in step by step


def cell_kind(cls: str, role: str) -> tuple[str, bool]:
    """A board cell's kind (see :class:`app.figures.tiles.Look`) and whether it is in a row
    or column ``output_padding`` adds, from its classes.

    >>> cell_kind("pad out tap", "input"), cell_kind("p2 opad todo", "output")
    (('over', False), ('out', True))
    """
    tokens = cls.split()
    if "pad" in tokens:
        kind = "over" if "out" in tokens else "pad"
    elif "ins" in tokens:
        kind = "ins"
    elif "crop" in tokens:
        kind = "crop"
    else:
        kind = {INPUT: "in", KERNEL: "ker", OUTPUT: "out"}[role]
    return kind, "opad" in tokens


class Scene:
    """The cells of a figure's grids and their state at the current step."""

    def __init__(self, groups: list[FigureGroup]) -> None:
        self.groups = groups
        self.grids: list[SceneGrid] = []
        self._role: dict[str, str] = {}
        self._cells: dict[Key, tuple[str, str, bool]] = {}  # kind, text, added
        self._state: dict[Key, str] = {}
        self._marks: dict[Key, tuple[str, str]] = {}  # mark, badge
        self._t: int | None = None
        for g, group in enumerate(groups):
            for k, grid in enumerate(group.grids):
                rows = len(grid.rows)
                cols = len(grid.rows[0]) if rows else 0
                first = k * rows * cols if group.fills else None
                self.grids.append(SceneGrid(grid.id, g, rows, cols, first))
                self._role[grid.id] = group.role
                for r, line in enumerate(grid.rows):
                    for c, cell in enumerate(line):
                        self._set_cell((grid.id, r, c), cell.cls, cell.text, group.role)

    @property
    def kinds(self) -> set[str]:
        """The kinds of cell the figure has (for its legend)."""
        return {kind for kind, _, _ in self._cells.values()}

    def _set_cell(self, key: Key, cls: str, text: str, role: str) -> None:
        kind, added = cell_kind(cls, role)
        self._cells[key] = (kind, text, added)
        if role == OUTPUT:
            self._state[key] = "todo" if "todo" in cls.split() else "done"
        elif role == KERNEL:
            self._state[key] = "off"

    def advance(self, marks: Highlight) -> set[Key]:
        """Go to the step of ``marks``; the cells whose look may have changed (all, the first
        time)."""
        changed: set[Key] = set(self._cells) if self._t is None else set(self._marks)
        # marks on grids the figure leaves out (the transposed page's input, on its Zero
        # insert tab) are dropped
        self._marks = {k: v for k, v in _mark_cells(marks).items() if k in self._cells}
        changed |= set(self._marks)
        for value in marks.values:  # cells whose number the step changed (a canvas)
            key = (value.grid, value.row, value.col)
            if key in self._cells:
                self._set_cell(key, value.cls, value.text, self._role[value.grid])
                changed.add(key)
        changed |= self._fill(marks.t)
        active = set(marks.active)
        for role in (INPUT, KERNEL):  # the grids the step works on stand out (all, when one)
            members = [grid for grid in self.grids if self._role[grid.id] == role]
            for grid in members:
                state = "on" if grid.id in active or len(members) == 1 else "off"
                keys = list(self._grid_keys(grid))
                if keys and self._state.get(keys[0]) != state:
                    for key in keys:
                        self._state[key] = state
                    changed.update(keys)
        self._t = marks.t
        return changed

    def _fill(self, t: int) -> set[Key]:
        """Output cells of steps up to ``t`` done, later ones to come; the ones that changed
        (those of the steps between the last step and ``t``; every one the first time)."""
        before = self._t
        changed: set[Key] = set()
        for grid in self.grids:
            if grid.first is None or not grid.cols:
                continue
            last = grid.first + grid.rows * grid.cols - 1
            if before is None:
                steps = range(grid.first, last + 1)
            else:
                steps = range(max(grid.first, min(before, t) + 1), min(last, max(before, t)) + 1)
            for step in steps:
                r, c = divmod(step - grid.first, grid.cols)
                key = (grid.id, r, c)
                self._state[key] = "done" if step <= t else "todo"
                changed.add(key)
        return changed

    @staticmethod
    def _grid_keys(grid: SceneGrid) -> Iterable[Key]:
        return ((grid.id, r, c) for r in range(grid.rows) for c in range(grid.cols))

    def look(self, key: Key) -> Look:
        """How cell ``key`` looks now."""
        kind, text, added = self._cells[key]
        mark, badge = self._marks.get(key, ("", ""))
        return Look(kind, self._state.get(key, ""), mark, text, badge, added)


def _mark_cells(marks: Highlight) -> dict[Key, tuple[str, str]]:
    """The step's mark and badge per cell: gaps, then taps, the current cell, a maximum."""
    found: dict[Key, tuple[str, str]] = {}
    for span in marks.spans:
        for r in range(span.top, span.bottom):
            for c in range(span.left, span.right):
                found[(span.grid, r, c)] = ("gap", "")
    for tap in marks.taps:
        found[(tap.grid, tap.row, tap.col)] = ("tap", tap.badge)
    for cell in marks.current:
        found[(cell.grid, cell.row, cell.col)] = ("cur", "")
    for mark in marks.marked:
        key = (mark.grid, mark.row, mark.col)
        found[key] = (mark.cls, found.get(key, ("", ""))[1])
    return found
