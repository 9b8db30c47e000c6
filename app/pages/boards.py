"""The grids every board draws the same way: kernels as editable fields, outputs that fill in.

A grid's id follows the core's convention (``X<c>`` inputs, ``K<a>-<b>`` kernels, ``Y<o>``
outputs; see :mod:`app.pages.highlight`); its ``channel``, ``index`` and ``group`` are what
the templates print and the page's script reads (``data-out``: the output channel a kernel
feeds, ``data-in``: the input channel it reads). The cells come from :mod:`app.pages.grids`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.pages import grids
from app.pages.grids import KernelCell, Numbers, OutputCell
from app.pages.highlight import Highlight


@dataclass(frozen=True)
class Grid:
    """One grid of the board: its id (``X0``, ``K1-0``, ``Y2``), channels and rows."""

    id: str
    channel: int  # input channel (X), the output channel it feeds (K), output channel (Y)
    index: int  # the input channel the kernel reads (within its group on conv2d's page)
    group: int
    active: bool  # the current step works on it
    rows: list[Any]


def scale(values: NDArray[np.floating]) -> float:
    """The largest magnitude of a grid's values: the end of its colour scale."""
    return float(np.max(np.abs(values), initial=0.0))


def kernel_grids(
    kernel: NDArray[np.float64],
    place: Callable[[int, int], tuple[int, int, int]],
    numbers: Numbers,
    marks: Highlight,
) -> list[Grid]:
    """One editable grid per ``kernel[a, b]`` of a 4-D weight, with id ``K<a>-<b>``.

    ``place(a, b)`` gives the grid's (output channel it feeds, input channel it reads,
    group), as the weight's layout says. The fields are numbered in the weight's flat order.
    """
    first, second, kh, kw = kernel.shape
    several = first * second > 1
    top = scale(kernel)
    made = []
    for a, planes in enumerate(kernel.tolist()):  # planes: (second, kH, kW)
        for b, values in enumerate(planes):
            rows: list[list[KernelCell]] = grids.kernel_cells(
                values, (a * second + b) * kh * kw, (a, b) if several else (), top, numbers
            )
            grid = f"K{a}-{b}"
            channel, index, group = place(a, b)
            made.append(Grid(grid, channel, index, group, grid in marks.active, rows))
    return made


def output_grids(
    out: NDArray[np.float64],
    out_per_group: int,
    numbers: Numbers,
    marks: Highlight,
) -> list[Grid]:
    """Output grids ``Y<o>`` with every value; the step's cell marked, the ones to come hidden.

    The steps run over the output values in reading order, channel after channel.
    """
    several = out.shape[0] > 1
    oh, ow = out.shape[1:]
    top = scale(out)
    made = []
    for o, values in enumerate(out.tolist()):  # values: (Ho, Wo)
        rows: list[list[OutputCell]] = grids.output_cells(
            values, o * oh * ow, marks.t, (o,) if several else (), top, numbers
        )
        grid = f"Y{o}"
        made.append(Grid(grid, o, o, o // out_per_group, grid in marks.active, rows))
    return made
