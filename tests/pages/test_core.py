"""The page core: models derived from convcore.spec, one route per op, steps, messages."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import typing

import httpx
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

import convcore as cc
from app.main import create_app
from app.pages import params
from app.pages.labels import ARG_LABELS, CHOICE_LABELS
from app.pages.params import PAGE_LIMITS, URL_NAMES, bounds, option_fields
from app.pages.problems import Problems, convcore_message, place_convcore_error
from convcore.patterns import input_pattern, kernel_pattern
from convcore.spec import OPS
from tests.pages.conftest import soup

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}
STEP = {"HX-Request": "true", "X-Part": "step"}
HEAVY = "/conv2d?h=16&w=16&ci=4&co=4&groups=2&xp=random&kp=random&kh=7&kw=7&pad=same&mode=reflect"


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


# ---- the query model and the form come from the spec -----------------------------------------


def test_every_option_of_every_op_has_url_names_labels_and_fields():
    # the next pages (transposed, pooling) find their options named and labelled already
    for spec in OPS.values():
        defaults = {a.name: 2 for a in spec.options if a.required}
        fields = option_fields(spec, PAGE_LIMITS, defaults)
        for arg in spec.options:
            names = URL_NAMES[arg.name]
            assert set(names) <= set(fields), (spec.name, arg.name)
            labels = ARG_LABELS[arg.name]
            assert len(labels) == (3 if arg.kind in ("pair", "padding") else 2), arg.name
            if arg.kind == "choice":
                assert set(arg.choices) == set(CHOICE_LABELS[arg.name]), arg.name


def test_conv2d_fields_take_the_pages_limits(app):
    model = app.state.pages["conv2d"].query
    expected = {"sh": (1, 8), "sw": (1, 8), "ph": (0, 8), "dh": (1, 4), "groups": (1, 4)}
    for name, bound in expected.items():
        assert bounds(model.model_fields[name]) == bound, name
    assert (
        typing.get_args(model.model_fields["mode"].annotation)
        == OPS["conv2d"].arg("padding_mode").choices
    )
    assert set(typing.get_args(model.model_fields["pad"].annotation)) == {
        "explicit",
        "same",
        "valid",
    }
    page = app.state.pages["conv2d"]
    controls = {name for fieldset in page.fieldsets for name in fieldset.controls}
    assert {arg.name for arg in OPS["conv2d"].options} <= controls


async def test_the_forms_bounds_follow_the_limits(monkeypatch):
    monkeypatch.setitem(PAGE_LIMITS, "stride", 5)
    monkeypatch.setitem(PAGE_LIMITS, "dilation", 3)
    app = create_app()
    async with _client(app) as client:
        page = soup(await client.get("/conv2d"))
        assert page.select_one("#f-sh")["max"] == "5"
        assert page.select_one("#f-dw")["max"] == "3"
        assert page.select_one("#f-h")["max"] == str(PAGE_LIMITS["side"])
        refused = soup(await client.get("/conv2d?sh=6"))
        assert "from 1 to 5" in refused.select_one("#err-stride").get_text()
    assert params.PAGE_LIMITS is PAGE_LIMITS


async def test_padding_words_leave_the_sizes_out_of_the_url(client):
    response = await client.get("/conv2d?kp=sobel_x&h=5&w=5&pad=same&ph=2&pw=3", headers=HX)
    assert response.headers["hx-push-url"] == "/conv2d?h=5&w=5&kp=sobel_x&pad=same"
    page = soup(response)
    assert page.select_one("#f-ph").has_attr("disabled")
    assert "1 above, 1 below" in page.select_one(".control .note").get_text()


# ---- one route per op, the navigation, old links -----------------------------------------------


async def test_the_navigation_lists_every_page(app, client):
    page = soup(await client.get("/conv2d?lang=zh"))
    links = [a["href"] for a in page.select("header nav a")]
    for op in app.state.pages:
        assert f"/{op}?lang=zh" in links
    assert page.select_one("header nav a[aria-current=page]")["href"] == "/conv2d?lang=zh"


async def test_old_links_open_the_same_view(client):
    query = "h=6&w=5&kp=sobel_x&sh=2&ph=1&pw=1&mode=replicate&bias=1&b=0.5&tab=im2col&t=3"
    old = await client.get("/?" + query)
    new = await client.get("/conv2d?" + query)
    assert old.text == new.text
    assert soup(old).select_one("#stepper")["data-t"] == "3"


# ---- a step sends only what changed -------------------------------------------------------------


async def test_a_step_sends_its_marks_sum_and_tab_part_only(client):
    response = await client.get(HEAVY + "&t=300", headers={**STEP, "Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    html = response.text
    assert '<table class="grid' not in html
    assert "<form" not in html
    page = soup(response)
    pieces = {el["id"] for el in page.select("[hx-swap-oob]")}
    assert pieces == {"step-count", "arith", "tabstep", "step-state"}
    assert len(gzip.compress(response.content)) < 20_000  # the budget on the wire
    # the marks are the trace's taps, with their weights
    x = input_pattern("random", (4, 16, 16), 0)
    w = kernel_pattern("random", (4, 2, 7, 7), 0)
    step = cc.trace_conv2d(x, w, padding="same", groups=2, padding_mode="reflect").step(300)
    marks = json.loads(page.select_one("#step-state")["data-marks"])
    assert marks["t"] == 300
    taps = {(grid, r, c) for grid, r, c, _ in marks["taps"]}
    assert taps == {(f"X{tap.channel}", *tap.padded) for tap in step.taps}
    _, o, oy, ox = step.index
    assert marks["current"] == [[f"Y{o}", oy, ox]]
    assert set(marks["active"]) == {"X0", "X1", f"K{o}-0", f"K{o}-1", f"Y{o}"}


async def test_the_board_is_compressed_too(client):
    response = await client.get(HEAVY, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.content) > 300_000  # what the browser gets after decompressing


# ---- messages next to their controls, in the page's language ---------------------------------


def test_convcore_messages_are_translated_from_their_template():
    err = cc.ConvcoreError("stride must be positive, got stride={stride}", "stride", stride=0)
    catalogue = {"stride must be positive, got stride={stride}": "stride 必须为正数，收到 {stride}"}

    def gettext(text: str) -> str:
        return catalogue.get(text, text)

    assert convcore_message(err, gettext) == "stride 必须为正数，收到 0"
    # a template the catalogue lacks, or a translation that lost a field: English
    assert convcore_message(err, lambda text: text) == "stride must be positive, got stride=0"
    assert convcore_message(err, lambda _text: "{other}") == "stride must be positive, got stride=0"


def test_convcore_errors_go_next_to_the_control_of_their_first_argument():
    def control_of(name: str) -> str | None:
        return {"stride": "stride", "sh": "stride"}.get(name)

    problems = Problems()
    err = cc.ConvcoreError("stride must be positive, got stride={stride}", "stride", stride=0)
    place_convcore_error(problems, err, lambda text: text, control_of)
    assert [m.text for m in problems.inline["stride"]] == ["stride must be positive, got stride=0"]
    unplaced = Problems()
    place_convcore_error(unplaced, cc.ConvcoreError("something else"), lambda t: t, control_of)
    assert unplaced.detail == "something else"
    assert not unplaced.inline


async def test_a_structured_convcore_error_lands_next_to_its_control(client, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise cc.ConvcoreError("dilation {d} is too large here", ("dilation",), d=3)

    monkeypatch.setattr(cc, "trace_conv2d", refuse)
    page = soup(await client.get("/conv2d?dh=3"))
    assert page.select_one("#err-dilation").get_text() == "dilation 3 is too large here"
    assert page.select_one("#f-dh")["aria-invalid"] == "true"
    partial = await client.get("/conv2d?dh=3", headers=HX)
    assert "dilation 3 is too large here" in soup(partial).select_one("#err-dilation").get_text()


async def test_groups_that_do_not_divide_are_quoted_with_the_groups_asked(client):
    page = soup(await client.get("/conv2d?ci=4&co=4&groups=3"))
    text = page.select_one("#stepper").get_text(" ", strip=True)
    assert "groups=1" not in text
    assert (
        "Groups (3) must divide the 4 input channels" in page.select_one("#err-groups").get_text()
    )
    # convcore's own message names groups first, so it goes next to the same control
    assert "groups=3" in page.select_one("#err-groups").get_text()


async def test_field_messages_read_in_chinese(client):
    page = soup(await client.get("/conv2d?lang=zh&h=99&sh=e"))
    assert page.select_one("#err-size").get_text() == "99 超出范围：请使用 1 到 16 之间的整数。"
    assert "1 到 8 之间的整数" in page.select_one("#err-stride").get_text()


async def test_a_half_typed_cell_is_not_a_link(client):
    response = await client.get(
        "/conv2d?kp=custom&kp0=custom&ks=1,1,2,2&k=1&k=&k=3&k=4", headers=HX
    )
    assert response.headers["hx-push-url"] == "false"
    page = soup(response)
    assert page.select_one("#err-weight [data-cells]")["data-cells"] == "k:1"
    assert page.select_one("#message").get_text(strip=True) == ""  # no box over the board


# ---- the shift-and-add tab ---------------------------------------------------------------------


async def test_the_shift_add_tab_appears_with_the_method(monkeypatch):
    conv2d = cc.METHODS["conv2d"]
    if "shift_add" not in conv2d:
        # a stand-in with the method's name (computed the im2col way): the tab is the test
        stub = dataclasses.replace(conv2d["im2col"], name="shift_add")
        monkeypatch.setitem(conv2d, "shift_add", stub)
    app = create_app()
    assert "shift_add" in [tab.name for tab in app.state.pages["conv2d"].tabs]
    url = "/conv2d?h=6&w=7&ci=2&co=2&groups=2&xp=random&kp=random&kh=2&kw=3&sh=2&dh=2&ph=1"
    async with _client(app) as client:
        page = soup(await client.get(url + "&tab=shift_add&tap=4&t=17"))
    assert page.select_one("#tab-shift_add")["aria-current"] == "page"
    x = torch.tensor(input_pattern("random", (2, 6, 7), 0))
    w = torch.tensor(kernel_pattern("random", (2, 1, 2, 3), 0))
    out = F.conv2d(F.pad(x, (0, 0, 1, 1))[None], w, stride=(2, 1), dilation=(2, 1), groups=2)[0]
    oh, ow = out.shape[1:]  # 3 × 5: step 17 is output channel 1, which reads input channel 1
    assert 17 // (oh * ow) == 1
    padded = F.pad(x, (0, 0, 1, 1))[1]

    def tap(k: int) -> torch.Tensor:  # the plane tap k = (0, i, j) of channel 1 sees
        i, j = divmod(k, 3)
        return padded[2 * i : 2 * i + 2 * (oh - 1) + 1 : 2, j : j + ow]

    def plane(table_id: str) -> np.ndarray:
        cells = page.select(f"#{table_id} td")
        return np.array([float(td["data-value"]) for td in cells]).reshape(oh, ow)

    assert_allclose(plane("SA-shifted"), tap(4).numpy())
    assert_allclose(plane("SA-product"), (w[1, 0, 1, 1] * tap(4)).numpy())
    assert_allclose(plane("SA-running"), sum(w[1, 0, k // 3, k % 3] * tap(k) for k in range(5)))
    # all taps added up: torch's output channel
    async with _client(app) as client:
        last = soup(await client.get(url + "&tab=shift_add&tap=5&t=17"))
    cells = last.select("#SA-running td")
    assert_allclose([float(td["data-value"]) for td in cells], out[1].numpy().ravel())
    cur = page.select("#SA-running td.cur")
    assert len(cur) == 1


@pytest.mark.parametrize("tab", ["loop", "im2col", "kmatrix", "torch", "shift_add"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "h=16&w=16&xp=random&kp=random&kh=7&kw=7&pad=same&present=1",
        "h=16&w=16&ci=4&co=4&groups=2&xp=random&kp=random&kh=7&kw=7&pad=same&mode=reflect",
        "h=1&w=1&kp=random&kh=1&kw=1&bias=1&lang=zh",
        "h=2&w=2&kp=sobel_x",
        "h=5&w=5&kp=custom&kp0=custom&ks=1,1,2,2&k=1&k=&k=3&k=4&tap=40",
    ],
)
async def test_every_tab_answers_every_way(client, tab, query):
    # the whole page, the board after a change, a step: never a server error
    for headers in ({}, HX, STEP):
        response = await client.get(f"/conv2d?{query}&tab={tab}&t=5", headers=headers)
        assert response.status_code == 200, (headers, response.text[-500:])


# ---- cells a step singles out (a pooling's maximum and its ties) -------------------------------


def test_marked_cells_take_classes_the_script_clears():
    from pathlib import Path

    from app.pages.highlight import MARK_CLASSES, Cell, Highlight, Marked, Tap

    marks = Highlight(
        t=0,
        taps=[Tap("X0", 0, 0, ""), Tap("X0", 0, 1, "")],
        current=[Cell("Y0", 0, 0)],
        marked=[Marked("X0", 0, 1, "win")],
    )
    assert marks.marks("X0") == {(0, 0): (" tap", ""), (0, 1): (" tap win", "")}
    assert json.loads(marks.to_json())["marked"] == [["X0", 0, 1, "win"]]
    assert "marked" not in json.loads(Highlight(t=0).to_json())  # conv2d's steps as they were
    with pytest.raises(ValueError, match="mark classes"):
        Highlight(t=0, marked=[Marked("X0", 0, 0, "bold")])
    script = (Path(__file__).resolve().parents[2] / "static" / "pages.js").read_text()
    clears = re.search(r'classList\.remove\("tap", "gap", "cur"([^)]*)\)', script)
    assert clears is not None
    assert set(re.findall(r'"(\w+)"', clears.group(1))) == set(MARK_CLASSES)
