"""A page is a description: what the shared route, partials and script need to know about it.

See :mod:`app.pages` for how the pieces fit and how to add a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.figures.spec import FigureSpec
from app.pages.grids import CellTexts
from app.pages.highlight import Highlight
from app.pages.problems import CELL_CONTROLS, Gettext, Problems
from app.pages.query import PageQuery


@dataclass(frozen=True)
class Tab:
    """One method tab.

    ``template`` defines two macros, ``panel(v)`` (what stays while stepping, rendered with
    the board) and ``at_step(v)`` (what a step changes, rendered into ``#tabstep``); ``v`` is the
    tab's view from the page's ``board`` or ``step`` function.
    """

    name: str  # the value of ``tab`` in the URL
    label: str  # N_-marked
    template: str


@dataclass(frozen=True)
class Fieldset:
    """One group of the form: a legend and its controls, in order.

    A control is an option of the operation (by its spec name: ``stride``, and the shared
    macro draws it from :data:`convcore.spec.OPS`) or one of the page's own controls (by its
    name in :data:`app.pages.labels.CONTROL_FIELDS`: ``size``, ``kp``, …, drawn by a macro of
    the same name in ``templates/partials/controls.html``).
    """

    legend: str  # N_-marked
    controls: tuple[str, ...]


class Setup(Protocol):
    """A valid configuration, ready to draw: what ``board`` and ``step`` work from."""

    @property
    def count(self) -> int:
        """Number of steps."""

    def url(self, base: str, **changes: Any) -> str:
        """The canonical URL of this view (or of it with ``changes``)."""


@dataclass(frozen=True)
class Templates:
    """The page's own partials; everything else is shared."""

    grids: str  # the board's grids (inside <section class="views">)
    arith: str  # the step's arithmetic (inside #arith), rendered for every step
    explain: str = ""  # an explanation below the board
    intro: str = ""  # above the settings: the page's presets, links to related views


@dataclass(frozen=True)
class Page:
    """Everything the shared route needs to serve one operation's page.

    Attributes
    ----------
    op : str
        The operation, as :data:`convcore.spec.OPS` and the API name it; the page is ``/<op>``.
    label, title : str
        Its name in the top navigation, and its heading (N_-marked).
    query : type of PageQuery
        Its query model (:func:`app.pages.query.page_query`).
    tabs : tuple of Tab
        Its method tabs, the first one the default.
    fieldsets : tuple of Fieldset
        Its form.
    templates : Templates
        Its own partials.
    prepare : callable
        ``prepare(query, gettext, control_of) -> (config, Setup | Problems)``: the query
        resolved into arrays (``config``, which the form reads) and validated by convcore.
    board, step : callable
        ``step(setup, t, texts)`` and ``board(setup, texts, marks)``: the views the templates
        draw once per step and once per configuration (with the marks of its step,
        ``step(...).highlight``).
    controls : mapping
        The page's own controls and their URL names (the op's options come from the spec).
    cell_name : callable
        ``cell_name(url_name, index)``: a typed cell as messages name it.
    links : callable
        ``links(config, setup, root, pages)``: what the page's templates link to (the same
        configuration on another page, presets), as ``links`` in their context; ``setup``
        is None when the configuration cannot be shown. Not called for a step.
    figure : FigureSpec
        What its exported figures draw (``/<op>/animation.gif``, ``/<op>/step.png``): the
        board's grids to show and a line per step (:mod:`app.figures`); the default draws
        the board's ``inputs``, ``kernels``, ``outputs`` and ``indices``.
    """

    op: str
    label: str
    title: str
    query: type[PageQuery]
    tabs: tuple[Tab, ...]
    fieldsets: tuple[Fieldset, ...]
    templates: Templates
    prepare: Callable[[Any, Gettext, Callable[[str], str | None]], tuple[Any, Setup | Problems]]
    board: Callable[[Any, CellTexts, Highlight], Any]
    step: Callable[[Any, int, CellTexts], Any]
    controls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cell_name: Callable[[str, int], str] = lambda _name, index: str(index)
    links: Callable[[Any, Any, str, Mapping[str, Any]], Any] = lambda *_args: None
    figure: FigureSpec = field(default_factory=FigureSpec)

    @property
    def slots(self) -> list[str]:
        """Every control with a message slot: the form's, then the grids' status lines."""
        return [c for fieldset in self.fieldsets for c in fieldset.controls] + list(CELL_CONTROLS)

    def tab(self, name: str) -> Tab:
        """The tab called ``name`` (the first one when there is none)."""
        return next((tab for tab in self.tabs if tab.name == name), self.tabs[0])
