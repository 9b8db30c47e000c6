"""The pooling pages, ``/max_pool2d`` and ``/avg_pool2d``: one description, two small differences.

Both pages have the same input, window, stride, padding and ``ceil_mode``, the same tabs
(*Loop*, *Window*, *PyTorch*) and the same grids; max pooling adds dilation and the indices
``return_indices`` gives, average pooling the divisor's two options. A switch between them
keeps everything they share.

- :mod:`.config`: the query → the input, the op's arguments, the canonical URL, the switch;
- :mod:`.setup`: validation by convcore (a tracer, or the problems and what to change);
- :mod:`.board`: the grids, kept while stepping; :mod:`.step`: what a step changes;
- :mod:`.tabs`: the method tabs' views; :mod:`.presets`: the tutorial's examples;
  :mod:`.links`: the switch and the examples as the page links to them.
"""

from __future__ import annotations

from pydantic import Field

from app.i18n import N_
from app.pages.labels import CONTROL_FIELDS
from app.pages.page import Fieldset, Page, Tab, Templates
from app.pages.pool.board import build_board
from app.pages.pool.figure import FIGURE
from app.pages.pool.links import pool_links
from app.pages.pool.setup import preparer
from app.pages.pool.step import build_step
from app.pages.query import SIDE, PageQuery, page_query

#: The input the pages start from: 4×4, 0 … 15 (the tutorial's nn.MaxPool2d examples).
START_SIDE = 4


def _cell_name(name: str, index: int) -> str:
    """``x.flat[3]``: the cell's place in the input as typed."""
    return f"{name}.flat[{index}]"


def pool_page(op: str) -> Page:
    """The page of ``op`` (``max_pool2d`` or ``avg_pool2d``)."""
    is_max = op == "max_pool2d"
    tabs = (
        Tab("loop", N_("Loop"), "pool/tab_loop.html"),
        Tab("window", N_("Window"), "pool/tab_window.html"),
        Tab("torch", N_("PyTorch"), "pool/tab_torch.html"),
    )
    query = page_query(
        op,
        [tab.name for tab in tabs],
        base=PageQuery,
        defaults={"kernel_size": 2},
        fields={
            "h": (int, Field(default=START_SIDE, ge=1, le=SIDE, description="input height")),
            "w": (int, Field(default=START_SIDE, ge=1, le=SIDE, description="input width")),
        },
    )
    window = ("kernel_size", "stride", "padding", "ceil_mode")
    own = (  # what only this pool has: the switch leaves it behind
        Fieldset(N_("Max pooling only"), ("dilation", "return_indices"))
        if is_max
        else Fieldset(N_("Average pooling only"), ("count_include_pad", "divisor_override"))
    )
    return Page(
        op=op,
        label=N_("Max pooling") if is_max else N_("Average pooling"),
        title=N_("Max pooling, one window at a time")
        if is_max
        else N_("Average pooling, one window at a time"),
        query=query,
        tabs=tabs,
        fieldsets=(
            Fieldset(N_("Input"), ("xp", "size", "ci", "seed")),
            Fieldset(N_("Window"), window),
            own,
        ),
        templates=Templates(
            grids="pool/grids.html",
            arith="pool/arith.html",
            explain="pool/explain.html",
            intro="pool/intro.html",
        ),
        prepare=preparer(op),
        board=build_board,
        step=build_step,
        controls=CONTROL_FIELDS,
        cell_name=_cell_name,
        links=pool_links,
        figure=FIGURE,
    )


def max_pool2d_page() -> Page:
    """The max-pooling page."""
    return pool_page("max_pool2d")


def avg_pool2d_page() -> Page:
    """The average-pooling page."""
    return pool_page("avg_pool2d")
