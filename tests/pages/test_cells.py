"""The cell templates: they unpack the cell tuples by their fields' names, and escape them."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app.pages.grids import (
    InputCell,
    KernelCell,
    MatrixRow,
    OutputCell,
    TapRow,
    Term,
    ValueCell,
)

CELLS = Path(__file__).resolve().parents[2] / "templates" / "partials" / "cells.html"
HOSTILE = '<b onclick="x()">&\'</b>'


@pytest.mark.parametrize(
    "cell", [InputCell, KernelCell, OutputCell, ValueCell, MatrixRow, TapRow, Term]
)
def test_templates_unpack_cells_in_field_order(cell):
    # a loop that unpacked the fields in another order would print one field as another
    assert f"for {', '.join(cell._fields)} in " in CELLS.read_text(encoding="utf-8")


def test_every_printed_value_is_escaped(app):
    cells = app.state.templates["en"].get_template("partials/cells.html").module
    pad = InputCell(False, "pad", HOSTILE, HOSTILE, HOSTILE, HOSTILE, "", HOSTILE)
    field = InputCell(True, "z", "", "2", "2", HOSTILE, HOSTILE, "")
    html = str(cells.input_rows([[pad, field]]))
    html += str(cells.kernel_rows([[KernelCell(HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE)]]))
    html += str(cells.output_rows([[OutputCell(HOSTILE, HOSTILE, HOSTILE, HOSTILE)]]))
    html += str(cells.value_rows([[ValueCell(HOSTILE, "", HOSTILE, HOSTILE)]]))
    html += str(cells.tap_rows([TapRow(HOSTILE, 1, *[HOSTILE] * 7)]))
    assert "<b" not in html
    assert "&lt;b onclick=&#34;x()&#34;&gt;&amp;&#39;&lt;/b&gt;" in html
    page = BeautifulSoup(html, "html.parser")
    td = page.select_one("td[data-from]")
    assert td is not None
    assert td["aria-label"] == td["title"] == td["data-from"] == td["data-value"] == HOSTILE
    assert td["data-w"] == HOSTILE
    assert td.get_text() == HOSTILE
    assert page.find("input")["id"] == HOSTILE
