"""The input every page has, and typed cells in general: a pattern, or the cells as typed.

Patterns fill the input; typed cells override them. Sizes may change after cells were typed
(the form sends the shape it showed, ``xs``), and the typed values then keep their place. A
cell typed empty is reported (``bad``) rather than read as zero, and so is a list of cells
whose length does not fit its shape (``counts``): a query with either never becomes a URL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.i18n import N_
from app.pages.problems import Message, Problems
from convcore.patterns import fit_array, input_pattern

#: Typed cells left empty, by control (``input``, ``weight``, …): their indices.
BadCells = dict[str, list[int]]
#: Typed arrays whose number of values does not fit their shape: (control, message).
CountProblems = list[tuple[str, Message]]


def resolve_input(q: Any, bad: BadCells, counts: CountProblems) -> NDArray[np.float64]:
    """The input ``(C, H, W)`` of a page query: a pattern, or the typed cells resized.

    >>> from app.pages.query import PageQuery
    >>> resolve_input(PageQuery(h=2, w=2), {}, [])
    array([[[0., 1.],
            [2., 3.]]])
    """
    shape = (q.ci, q.h, q.w)
    if q.xp != "custom":
        return input_pattern(q.xp, shape, q.seed)
    return typed_cells(q.x, q.xs, shape, "input", bad, counts)


def typed_cells(
    values: Sequence[float | None],
    typed_shape: Sequence[int] | None,
    shape: tuple[int, ...],
    control: str,
    bad: BadCells,
    counts: CountProblems,
) -> NDArray[np.float64]:
    """Typed cells, read in the shape they were typed in, resized to ``shape``.

    Zeros when there are none, or when some are empty (listed in ``bad[control]``) or their
    count does not fit (a message in ``counts``).

    >>> bad, counts = {}, []
    >>> typed_cells([1.0, None, 3.0, 4.0], (2, 2), (2, 2), "input", bad, counts).sum(), bad
    (np.float64(0.0), {'input': [1]})
    >>> typed_cells([1.0, 2.0], (2,), (3,), "bias", bad, counts)
    array([1., 2., 0.])
    """
    source = tuple(typed_shape) if typed_shape else shape
    if not values:
        return np.zeros(shape)
    empty = [i for i, v in enumerate(values) if v is None]
    if empty:
        bad[control] = empty
        return np.zeros(shape)
    if len(values) != math.prod(source) or len(source) != len(shape):
        counts.append(
            (
                control,
                Message(
                    N_("%(count)s values for shape %(shape)s, which needs %(need)s."),
                    {
                        "count": len(values),
                        "shape": "×".join(map(str, source)),
                        "need": math.prod(source),
                    },
                ),
            )
        )
        return np.zeros(shape)
    return fit_array(np.asarray(values, dtype=np.float64).reshape(source), shape)


def cell_problems(bad: BadCells, counts: CountProblems) -> Problems:
    """Typed cells left empty, and typed arrays of the wrong length, as a page's problems."""
    problems = Problems()
    for control, cells in bad.items():
        problems.cells[control] = cells
        problems.add(
            control,
            Message(
                N_("Empty cells: %(count)s. Type a number in each outlined cell."),
                {"count": len(cells)},
            ),
        )
    for control, message in counts:
        problems.add(control, message)
    return problems
