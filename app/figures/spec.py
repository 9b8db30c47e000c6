"""What a page says about its figure: the grids to draw, and what a step computes.

A page's board holds its grids as lists of :class:`app.pages.boards.Grid` (ids ``X<c>``,
``K<o>-<i>``, ``Y<o>``, …, rows of cells with a class and a text). A figure draws some of
those lists side by side, left to right, each under a title: a :class:`FigureGroup`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.i18n import N_

#: What the cells of a group are, for their colours: the grids a window reads, the
#: weights, the grids a step fills in.
INPUT, KERNEL, OUTPUT = "input", "kernel", "output"


@dataclass(frozen=True)
class FigureGroup:
    """Grids drawn together under one title (N_-marked).

    ``fills``: the grids fill in reading order, step by step, grid after grid (an output
    whose step ``t`` is its ``t``-th value); otherwise their numbers come from the board
    and from the step's marks (``Highlight.values``: a canvas that stamps fill).
    """

    title: str
    role: str  # INPUT, KERNEL or OUTPUT
    grids: Sequence[Any]  # app.pages.boards.Grid (or a page's own with id, active, rows)
    fills: bool = False


def board_groups(board: Any) -> list[FigureGroup]:
    """The default figure: the board's ``inputs``, ``kernels``, ``outputs`` and ``indices``
    (those it has, and not empty), as the conv2d and pooling boards name them."""
    wanted = (
        ("inputs", N_("Padded input"), INPUT, False),
        ("kernels", N_("Kernel"), KERNEL, False),
        ("outputs", N_("Output"), OUTPUT, True),
        ("indices", N_("Indices"), OUTPUT, True),
    )
    return [
        FigureGroup(title, role, getattr(board, name), fills)
        for name, title, role, fills in wanted
        if getattr(board, name, None)
    ]


def no_caption(_step: Any) -> str:
    """No line about the step besides its number."""
    return ""


def same_setup(setup: Any, _shown: int) -> Any:
    """The setup as it is: its steps do not depend on the step on screen."""
    return setup


@dataclass(frozen=True)
class FigureSpec:
    """A page's figure.

    ``groups(board)``: the grids to draw; ``caption(step)``: a line saying what step
    ``step`` (the page's step view) computes, in numbers (``y[0, 1] = … = 19``);
    ``after(setup, shown)``: the setup to draw the next step from once step ``shown`` is
    drawn, for a page whose step sends only what changed since the step on screen (the
    transposed convolution's canvas: ``shown`` in its query).
    """

    groups: Callable[[Any], list[FigureGroup]] = board_groups
    caption: Callable[[Any], str] = no_caption
    after: Callable[[Any, int], Any] = same_setup


def joined(parts: Sequence[str], limit: int = 12, sep: str = " + ") -> str:
    """Terms joined by ``sep``, the middle ones left out past ``limit``.

    >>> joined(["1×2", "3×4"]), joined([str(i) for i in range(20)], 4)
    ('1×2 + 3×4', '0 + 1 + … + 18 + 19')
    """
    if len(parts) <= limit:
        return sep.join(parts)
    half = limit // 2
    return sep.join([*parts[:half], "…", *parts[-half:]])
