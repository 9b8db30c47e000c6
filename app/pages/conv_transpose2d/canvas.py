"""The canvas the stamps land on, as the Scatter and col2im tabs draw it: sums so far.

Every number comes from :func:`convcore.views.running_canvas`. The canvas is uncropped: the
rows and columns the padding crops are hatched, the ones ``output_padding`` adds are marked,
and a cell no stamp has reached yet waits (``todo``). Its colour scale is the finished
canvas's, so a cell's colour only changes with its number. A step sends the cells whose
number changed since the step on screen (:func:`changes`), not the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.pages.boards import Grid, scale
from app.pages.grids import Numbers, OutputCell
from app.pages.highlight import CellValue, Highlight
from convcore.views import Canvas, canvas_regions, running_canvas
from convcore.views.transposed import ADDED, CROPPED, order_steps

if TYPE_CHECKING:
    from app.pages.conv_transpose2d.setup import TransposedSetup

#: The class of each region of the canvas (convcore.views.transposed's codes).
REGION_CLASSES = {CROPPED: " crop", ADDED: " opad"}


@dataclass(frozen=True)
class Frame:
    """What does not change while stepping: regions, colour scale, cell names."""

    rows: list[int]  # region code per canvas row
    cols: list[int]
    scale: float
    crop: tuple[int, int]
    several: bool  # several output channels: cells are named with theirs

    def region(self, r: int, c: int) -> int:
        """The region code of canvas cell ``(r, c)``: cropped wins, then added."""
        codes = (self.rows[r], self.cols[c])
        return CROPPED if CROPPED in codes else ADDED if ADDED in codes else 0

    def label(self, o: int, r: int, c: int) -> str:
        """``canvas[o, r, c] = y[o, r − p, c − p]`` (the second part for kept cells only)."""
        head = f"{o}, " if self.several else ""
        name = f"canvas[{head}{r}, {c}]"
        if self.region(r, c) == CROPPED:
            return name
        return f"{name} = y[{head}{r - self.crop[0]}, {c - self.crop[1]}]"


def frame(setup: TransposedSetup) -> Frame:
    """The frame of a configuration's canvas."""
    g = setup.geometry
    finished = running_canvas(setup.x, setup.weight, g, order_steps(g, "scatter"))
    rows, cols = canvas_regions(g)
    return Frame(
        rows.tolist(), cols.tolist(), scale(finished.values), g.padding, g.out_channels > 1
    )


def after(setup: TransposedSetup, t: int) -> Canvas:
    """The canvas once steps ``0 … t`` have stamped (in the tab's order)."""
    return running_canvas(setup.x, setup.weight, setup.geometry, t + 1, setup.kind)


def _class(f: Frame, value: float, stamps: int, r: int, c: int, numbers: Numbers) -> str:
    """A canvas cell's class: its colour band, its region, waiting when no stamp reached it."""
    return (
        numbers.tone(value, f.scale)
        + REGION_CLASSES.get(f.region(r, c), "")
        + ("" if stamps else " todo")
    )


def grids(
    setup: TransposedSetup, canvas: Canvas, f: Frame, numbers: Numbers, marks: Highlight
) -> list[Grid]:
    """One canvas grid per output channel, ``Y<o>``, with the step's marks."""
    opg = setup.geometry.out_per_group
    made = []
    for o, (plane, counts) in enumerate(
        zip(canvas.values.tolist(), canvas.stamps.tolist(), strict=True)
    ):  # plane, counts: (canvas_H, canvas_W)
        grid = f"Y{o}"
        on = marks.marks(grid)
        rows = []
        for r, (line, stamped) in enumerate(zip(plane, counts, strict=True)):
            cells = []
            for c, (value, stamps) in enumerate(zip(line, stamped, strict=True)):
                text, exact = numbers.cell(value)
                mark, badge = on.get((r, c), ("", ""))
                cls = _class(f, value, stamps, r, c, numbers) + mark
                cells.append(OutputCell(cls, exact, text, f.label(o, r, c), badge))
            rows.append(cells)
        made.append(Grid(grid, o, o, o // opg, grid in marks.active, rows))
    return made


def changes(now: Canvas, before: Canvas | None, f: Frame, numbers: Numbers) -> list[CellValue]:
    """The cells whose number differs between ``before`` and ``now`` (all without before).

    Stamps only add, so a cell changed exactly when more stamp cells have reached it.
    """
    if before is None:
        where = np.argwhere(np.ones(now.stamps.shape, dtype=bool))
    else:
        where = np.argwhere(now.stamps != before.stamps)
    found = []
    for o, r, c in where.tolist():
        value, stamps = float(now.values[o, r, c]), int(now.stamps[o, r, c])
        text, exact = numbers.cell(value)
        found.append(CellValue(f"Y{o}", r, c, _class(f, value, stamps, r, c, numbers), exact, text))
    return found
