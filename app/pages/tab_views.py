"""How a page's method tabs build their views: a panel with the board, a part per step.

Pages whose tabs follow one pattern (conv2d's, the pools') map each tab's name to a
:class:`TabViews`; the board calls ``panel``, a step calls ``step``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def no_panel(*_args: Any) -> None:
    """A tab without a panel view of its own.

    >>> no_panel("setup", "output", "numbers") is None
    True
    """


@dataclass(frozen=True)
class TabViews:
    """How one tab's views are built."""

    panel: Callable[..., Any]
    step: Callable[..., Any]
