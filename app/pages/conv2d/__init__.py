"""The conv2d page: its description, and the modules it is built from.

- :mod:`.config`: the query resolved into arrays, and the canonical URL;
- :mod:`.setup`: validation by convcore (a tracer, or the problems);
- :mod:`.board`: the grids, kept while stepping; :mod:`.step`: what a step changes;
- :mod:`.tabs`: the method tabs' views.
"""

from __future__ import annotations

from pydantic import Field

import convcore as cc
from app.i18n import N_
from app.pages.arrays import cell_name
from app.pages.conv2d.board import build_board
from app.pages.conv2d.figure import FIGURE
from app.pages.conv2d.setup import prepare
from app.pages.conv2d.step import build_step
from app.pages.conv_transpose2d.links import conv2d_links
from app.pages.labels import CONTROL_FIELDS
from app.pages.page import Fieldset, Page, Tab, Templates
from app.pages.query import CHANNELS, KERNEL, WeightQuery, page_query


def conv2d_page() -> Page:
    """The conv2d page, with a tab for every conv2d method the engine has, and PyTorch."""
    tabs = [
        Tab("loop", N_("Loop"), "conv2d/tab_loop.html"),
        Tab("im2col", N_("im2col"), "conv2d/tab_im2col.html"),
        Tab("kmatrix", N_("Kernel matrix"), "conv2d/tab_kmatrix.html"),
    ]
    if "shift_add" in cc.METHODS["conv2d"]:
        tabs.append(Tab("shift_add", N_("Shift-add"), "conv2d/tab_shift_add.html"))
    tabs.append(Tab("torch", N_("PyTorch"), "partials/tab_torch.html"))
    query = page_query(
        "conv2d",
        [tab.name for tab in tabs],
        base=WeightQuery,
        fields={
            "tap": (int, Field(default=0, ge=0, le=CHANNELS * KERNEL * KERNEL - 1)),
        },
    )
    return Page(
        op="conv2d",
        label=N_("Convolution"),
        title=N_("Conv2d, one number at a time"),
        query=query,
        tabs=tuple(tabs),
        fieldsets=(
            Fieldset(N_("Input"), ("xp", "size", "ci", "seed")),
            Fieldset(N_("Kernel"), ("kp", "ksize", "co", "groups", "bias", "flip")),
            Fieldset(N_("Window"), ("stride", "dilation", "padding", "padding_mode")),
        ),
        templates=Templates(
            grids="conv2d/grids.html", arith="conv2d/arith.html", explain="conv2d/explain.html"
        ),
        prepare=prepare,
        board=build_board,
        step=build_step,
        controls=CONTROL_FIELDS,
        cell_name=cell_name,
        links=conv2d_links,
        figure=FIGURE,
    )
