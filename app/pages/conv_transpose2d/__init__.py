"""The conv_transpose2d page: its description, and the modules it is built from.

- :mod:`.config`: the query resolved into arrays, and the canonical URL (the core's
  :mod:`app.pages.arrays` with this op's weight layout);
- :mod:`.setup`: validation by convcore (a prepared call, or the problems), and what a step
  is on each tab;
- :mod:`.board`: the grids, kept while stepping; :mod:`.canvas`: the canvas the stamps fill;
- :mod:`.step`: what a step changes; :mod:`.tabs`: the method tabs' views;
- :mod:`.links`: the way to the conv2d page and back, and the presets.
"""

from __future__ import annotations

from app.i18n import N_
from app.pages.arrays import cell_name
from app.pages.conv_transpose2d.board import build_board
from app.pages.conv_transpose2d.config import FIELDS
from app.pages.conv_transpose2d.figure import FIGURE
from app.pages.conv_transpose2d.links import transposed_links
from app.pages.conv_transpose2d.setup import prepare
from app.pages.conv_transpose2d.step import build_step
from app.pages.labels import CONTROL_FIELDS
from app.pages.page import Fieldset, Page, Tab, Templates
from app.pages.query import WeightQuery, page_query


def conv_transpose2d_page() -> Page:
    """The transposed-convolution page: the stamps, the direct convolution, Kᵀ, col2im, torch."""
    tabs = (
        Tab("scatter", N_("Scatter"), "conv_transpose2d/tab_scatter.html"),
        Tab("zero_insert", N_("Zero insert"), "conv_transpose2d/tab_zero_insert.html"),
        Tab("kt", N_("Kᵀ"), "conv_transpose2d/tab_kt.html"),
        Tab("col2im", N_("col2im"), "conv_transpose2d/tab_col2im.html"),
        Tab("torch", N_("PyTorch"), "partials/tab_torch.html"),
    )
    query = page_query(
        "conv_transpose2d", [tab.name for tab in tabs], base=WeightQuery, fields=FIELDS
    )
    return Page(
        op="conv_transpose2d",
        label=N_("Transposed"),
        title=N_("Transposed convolution, one stamp at a time"),
        query=query,
        tabs=tabs,
        fieldsets=(
            Fieldset(N_("Input"), ("xp", "size", "ci", "seed")),
            Fieldset(N_("Kernel"), ("kp", "ksize", "co", "groups", "bias")),
            Fieldset(N_("Stamps"), ("stride", "padding", "output_padding", "dilation")),
        ),
        templates=Templates(
            grids="conv_transpose2d/grids.html",
            arith="conv_transpose2d/arith.html",
            explain="conv_transpose2d/explain.html",
            intro="conv_transpose2d/intro.html",
        ),
        prepare=prepare,
        board=build_board,
        step=build_step,
        controls=CONTROL_FIELDS,
        cell_name=cell_name,
        links=transposed_links,
        figure=FIGURE,
    )
