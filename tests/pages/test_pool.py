"""The pooling pages: query models, full page / board / step, and every number against torch.

Expected numbers come from ``torch.nn.functional`` (or, for the tutorial's examples, the
numbers the tutorial prints), never from convcore or the page's own code.
"""

from __future__ import annotations

import gzip
import json
import re
import typing
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose, assert_array_equal

from app.pages.params import bounds
from app.pages.pool.presets import presets
from convcore.patterns import input_pattern
from convcore.spec import OPS
from tests.pages.conftest import soup

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}
STEP = {"HX-Request": "true", "X-Part": "step"}
POOLS = ("max_pool2d", "avg_pool2d")
# the heaviest page a student can make: 16×16, 4 channels, a 7×7 window at stride 1
HEAVY = "h=16&w=16&ci=4&xp=random&kh=7&kw=7&sh=1&sw=1&ph=3&pw=3"


def _grid(page, table_id: str) -> np.ndarray:
    """A table's values (data-value), shaped as its rows."""
    rows = page.select(f"#{table_id} tr")
    return np.array([[float(td["data-value"]) for td in row.select("td")] for row in rows])


def _outputs(page) -> np.ndarray:
    """Every output channel of the board, (C, Ho, Wo)."""
    tables = page.select("table.grid.output")
    return np.stack([_grid(page, table["id"]) for table in tables])


def _torch(op: str, x: np.ndarray, **kwargs) -> np.ndarray:
    """The oracle: torch's pooling of x (C, H, W), kwargs in torch's names."""
    fn = F.max_pool2d if op == "max_pool2d" else F.avg_pool2d
    return fn(torch.tensor(x), **kwargs).numpy()


def _preset_args(fields: dict[str, str]) -> tuple[np.ndarray, dict]:
    """A preset's input and torch arguments, read from its URL fields by hand."""
    h, w, ci = int(fields.get("h", 4)), int(fields.get("w", 4)), int(fields.get("ci", 1))
    if fields.get("xp") == "custom":
        x = np.array([float(v) for v in fields["x"].split(",")]).reshape(ci, h, w)
    else:
        x = input_pattern(fields.get("xp", "arange"), (ci, h, w))
    kernel = (int(fields.get("kh", 2)), int(fields.get("kw", 2)))
    stride = (int(fields["sh"]), int(fields["sw"])) if "sh" in fields else None
    kwargs = {
        "kernel_size": kernel,
        "stride": stride,
        "padding": (int(fields.get("ph", 0)), int(fields.get("pw", 0))),
        "ceil_mode": fields.get("ceil") == "1",
    }
    return x, kwargs


# ---- the query models come from the spec ----------------------------------------------------


def test_the_query_models_follow_the_spec(app):
    for op in POOLS:
        model = app.state.pages[op].query
        assert bounds(model.model_fields["kh"]) == (1, 7)
        assert bounds(model.model_fields["sh"]) == (1, 8)
        assert bounds(model.model_fields["ph"]) == (0, 8)
        q = model()
        assert (q.h, q.w, q.kh, q.kw, q.sh, q.sw, q.ceil) == (4, 4, 2, 2, None, None, False)
        assert typing.get_args(model.model_fields["tab"].annotation) == ("loop", "window", "torch")
        page = app.state.pages[op]
        controls = {name for fieldset in page.fieldsets for name in fieldset.controls}
        assert {arg.name for arg in OPS[op].options} <= controls
    assert "dh" in app.state.pages["max_pool2d"].query.model_fields
    assert "dh" not in app.state.pages["avg_pool2d"].query.model_fields
    avg = app.state.pages["avg_pool2d"].query
    assert bounds(avg.model_fields["div"]) == (1, 99)
    assert avg().cip is True
    assert avg.model_validate({"sh": "", "sw": "", "div": ""}).sh is None


async def test_an_empty_stride_is_the_window_and_says_so(client):
    page = soup(await client.get("/max_pool2d?kh=3&kw=2&h=6&w=6"))
    assert page.select_one("#f-sh")["value"] == ""
    assert page.select_one("#f-sh")["placeholder"] == "3"
    assert page.select_one("#f-sw")["placeholder"] == "2"
    note = page.select_one("#note-stride")
    assert "same as the window size" in note.get_text()
    assert "note-stride" in page.select_one("#f-sh")["aria-describedby"].split()
    assert _outputs(page).shape == (1, 2, 3)  # stride (3, 2)
    # one field empty: the window's size on that axis only
    response = await client.get("/max_pool2d?kh=3&kw=2&h=6&w=6&sh=&sw=1", headers=HX)
    assert response.headers["hx-push-url"] == "/max_pool2d?h=6&w=6&kh=3&sw=1"
    x = input_pattern("arange", (1, 6, 6))
    expected = _torch("max_pool2d", x, kernel_size=(3, 2), stride=(3, 1))
    assert_allclose(_outputs(soup(response)), expected)
    assert (
        "stride=(3, 1)"
        in soup(await client.get("/max_pool2d?kh=3&kw=2&sw=1&tab=torch"))
        .select_one("#torch-code")
        .get_text()
    )
    assert (
        "stride"
        not in soup(await client.get("/max_pool2d?kh=3&tab=torch"))
        .select_one("#torch-code")
        .get_text()
    )


async def test_a_flag_on_by_default_can_be_turned_off(client):
    # the form sends a hidden 0 before the box: 0 alone is off, 0 then 1 is on
    off = await client.get("/avg_pool2d?ph=1&pw=1&cip=0", headers=HX)
    assert "cip=0" in off.headers["hx-push-url"]
    on = await client.get("/avg_pool2d?ph=1&pw=1&cip=0&cip=1", headers=HX)
    assert "cip" not in on.headers["hx-push-url"]
    page = soup(await client.get("/avg_pool2d"))
    hidden = page.select_one("input[type=hidden][name=cip]")
    box = page.select_one("#f-cip")
    assert hidden["value"] == "0"
    assert box.has_attr("checked")
    assert page.find_all("input", attrs={"name": "cip"}).index(hidden) == 0


# ---- every example, against torch --------------------------------------------------------------


@pytest.mark.parametrize("preset", presets(), ids=lambda p: p.key)
async def test_every_preset_against_torch(client, preset):
    for op in preset.ops:
        page = soup(
            await client.get(f"/{op}?" + "&".join(f"{k}={v}" for k, v in preset.fields.items()))
        )
        x, kwargs = _preset_args(dict(preset.fields))
        if op == "max_pool2d" and "dh" in preset.fields:
            kwargs["dilation"] = (int(preset.fields["dh"]), int(preset.fields["dw"]))
        if op == "avg_pool2d":
            kwargs["count_include_pad"] = preset.fields.get("cip") != "0"
            kwargs["divisor_override"] = (
                int(preset.fields["div"]) if "div" in preset.fields else None
            )
        assert_allclose(_outputs(page), _torch(op, x, **kwargs), err_msg=f"{op} {preset.key}")


TUTORIAL = [
    ("max_pool2d", "h=3&w=3&sh=1&sw=1", [[[4, 5], [7, 8]]]),
    ("avg_pool2d", "h=3&w=3&sh=1&sw=1", [[[2, 3], [5, 6]]]),
    ("max_pool2d", "kh=3&kw=3", [[[10]]]),
    ("max_pool2d", "kh=3&kw=3&ph=1&pw=1&sh=2&sw=2", [[[5, 7], [13, 15]]]),
    ("max_pool2d", "kh=2&kw=3&ph=1&pw=1&sh=2&sw=3", [[[1, 3], [9, 11], [13, 15]]]),
]


@pytest.mark.parametrize(("op", "query", "printed"), TUTORIAL)
async def test_the_tutorials_printed_numbers(client, op, query, printed):
    assert_array_equal(_outputs(soup(await client.get(f"/{op}?{query}"))), printed)


async def test_the_tutorials_two_channels(client):
    preset = next(p for p in presets() if p.key == "tutorial_channels")
    page = soup(
        await client.get("/max_pool2d?" + "&".join(f"{k}={v}" for k, v in preset.fields.items()))
    )
    assert_array_equal(_outputs(page), [[[5, 7], [13, 15]], [[6, 8], [14, 16]]])
    assert page.select_one("#X1 caption").get_text(strip=True).startswith("Input channel 1")


# ---- full page, board, step -----------------------------------------------------------------


async def test_full_page_board_and_step(client):
    full = await client.get("/max_pool2d")
    assert full.text.lstrip().lower().startswith("<!doctype html>")
    page = soup(full)
    assert page.select_one("header nav a[aria-current=page]")["href"] == "/max_pool2d"
    assert page.select_one("#switch-avg_pool2d")
    part = await client.get("/max_pool2d?kh=3&kw=3&t=1", headers=HX)
    assert part.text.lstrip().startswith('<main id="stepper"')
    assert part.headers["hx-push-url"] == "/max_pool2d?kh=3&kw=3&t=1"
    step = await client.get("/avg_pool2d?t=2", headers=STEP)
    pieces = {el["id"] for el in soup(step).select("[hx-swap-oob]")}
    assert pieces == {"step-count", "arith", "tabstep", "step-state"}
    assert "<form" not in step.text
    assert '<table class="grid input' not in step.text


@pytest.mark.parametrize("op", POOLS)
@pytest.mark.parametrize("tab", ["loop", "window", "torch"])
async def test_a_step_of_the_heaviest_page_is_small(client, op, tab):
    extra = "&ri=1&dh=1" if op == "max_pool2d" else "&ceil=1"
    url = f"/{op}?{HEAVY}{extra}&tab={tab}&t=600"
    response = await client.get(url, headers={**STEP, "Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(gzip.compress(response.content)) < 20_000  # the budget on the wire
    assert '<table class="grid input' not in response.text


async def test_the_marks_are_the_trace_and_the_maximum_is_torchs(client):
    url = f"/max_pool2d?{HEAVY}&ri=1&t=777"
    page = soup(await client.get(url, headers=STEP))
    marks = json.loads(page.select_one("#step-state")["data-marks"])
    x = torch.tensor(input_pattern("random", (4, 16, 16), 0))
    out, indices = F.max_pool2d(x, 7, 1, 3, return_indices=True)
    c, rest = divmod(777, 256)
    oy, ox = divmod(rest, 16)
    assert marks["current"] == [[f"Y{c}", oy, ox], [f"I{c}", oy, ox]]
    # the window: rows oy … oy + 6, columns ox … ox + 6 of the padded grid
    assert {(g, r, col) for g, r, col, _ in marks["taps"]} == {
        (f"X{c}", oy + i, ox + j) for i in range(7) for j in range(7)
    }
    flat = indices[c, oy, ox].item()
    win = [m for m in marks["marked"] if m[3] == "win"]
    assert win == [[f"X{c}", flat // 16 + 3, flat % 16 + 3, "win"]]
    ties = {(r - 3, col - 3) for _, r, col, cls in marks["marked"] if cls == "tie"}
    window = x[c].numpy()
    value = out[c, oy, ox].item()
    equal = {
        (r, col)
        for r in range(max(0, oy - 3), min(16, oy + 4))
        for col in range(max(0, ox - 3), min(16, ox + 4))
        if window[r, col] == value
    }
    assert ties == equal - {divmod(flat, 16)}
    arith = page.select_one("#arith").get_text(" ", strip=True)
    assert f"= {flat}." in arith


async def test_the_arithmetic_of_a_max_step(client):
    # the tutorial's MaxPool2d(3, padding=1, stride=2), step 1: the window at the top right
    page = soup(await client.get("/max_pool2d?kh=3&kw=3&ph=1&pw=1&sh=2&sw=2&t=1"))
    terms = page.select("#arith .term")
    assert [t.get_text() for t in terms] == ["−∞", "−∞", "−∞", "1", "2", "3", "5", "6", "7"]
    assert [t.get_text() for t in page.select("#arith .term.win")] == ["7"]
    assert len(page.select("#arith .term.padterm")) == 3
    text = page.select_one("#arith").get_text(" ", strip=True)
    assert "return_indices gives 1·4 + 3 = 7" in text
    assert "−∞ cells are padding" in text
    assert page.select_one("#X0 td.win input")["id"] == "x-0-1-3"
    pads = [td.get_text(strip=True) for td in page.select("#X0 td.pad")]
    assert pads == ["−∞"] * 20


async def test_a_tie_goes_to_the_first_cell_as_in_torch(client):
    page = soup(await client.get("/max_pool2d?xp=checkerboard&t=1"))
    x = torch.tensor(input_pattern("checkerboard", (1, 4, 4)))
    _, indices = F.max_pool2d(x, 2, return_indices=True)
    flat = indices[0, 0, 1].item()
    win = page.select_one("#X0 td.win input")
    assert win["id"] == f"x-0-{flat // 4}-{flat % 4}"
    tie = page.select_one("#X0 td.tie input")
    assert tie["id"] == "x-0-1-2"  # the other 1 of the window, after the first
    assert "1 later cells hold the same value" in page.select_one("#arith").get_text()


@pytest.mark.parametrize(
    ("query", "reason", "kwargs"),
    [
        ("kh=3&kw=3&ph=1&pw=1&sh=2&sw=2", "the 5 padding cells too", {}),
        (
            "kh=3&kw=3&ph=1&pw=1&sh=2&sw=2&cip=0",
            "not the 5 around them",
            {"count_include_pad": False},
        ),
        (
            "kh=3&kw=3&ph=1&pw=1&sh=2&sw=2&div=7",
            "replaces the number of cells counted (9)",
            {"divisor_override": 7},
        ),
    ],
)
async def test_the_divisor_and_why(client, query, reason, kwargs):
    page = soup(await client.get(f"/avg_pool2d?{query}"))
    x = input_pattern("arange", (1, 4, 4))
    out = _torch("avg_pool2d", x, kernel_size=3, stride=2, padding=1, **kwargs)
    ones = torch.ones(1, 4, 4, dtype=torch.float64)
    total = F.avg_pool2d(
        ones,
        3,
        2,
        1,
        divisor_override=1,
        **{k: v for k, v in kwargs.items() if k != "divisor_override"},
    )
    mean = F.avg_pool2d(ones, 3, 2, 1, **kwargs)
    divisor = round((total / mean)[0, 0, 0].item())  # torch's own divisor of window (0, 0)
    assert page.select_one("#arith .divisor").get_text() == str(divisor)
    assert float(page.select_one("#arith").get("data-result")) == pytest.approx(out[0, 0, 0])
    assert reason in page.select_one("#arith .why").get_text(" ", strip=True)


async def test_ceil_mode_keeps_a_window_over_the_edge(client):
    page = soup(await client.get("/avg_pool2d?h=5&w=5&ceil=1&t=8"))
    x = input_pattern("arange", (1, 5, 5))
    assert_allclose(_outputs(page), _torch("avg_pool2d", x, kernel_size=2, ceil_mode=True))
    assert page.select_one("#arith .divisor").get_text() == "1"  # only x[4, 4] is inside
    assert "torch keeps it" in page.select_one("#arith").get_text()
    outside = page.select("#X0 td.out")
    assert len(outside) == 6 * 6 - 5 * 5  # one row and one column past the input
    notes = [li.get_text(" ", strip=True) for li in page.select(".ceil-notes li")]
    assert len(notes) == 2
    assert all("3 windows instead of 2" in n and "keeps it" in n for n in notes)


async def test_ceil_mode_drops_a_window_that_would_start_in_the_padding(client):
    query = "h=5&w=5&kh=3&kw=3&sh=3&sw=3&ph=1&pw=1&ceil=1"
    page = soup(await client.get(f"/max_pool2d?{query}"))
    x = input_pattern("arange", (1, 5, 5))
    expected = _torch("max_pool2d", x, kernel_size=3, stride=3, padding=1, ceil_mode=True)
    assert expected.shape == (1, 2, 2)
    assert_allclose(_outputs(page), expected)
    notes = [li.get_text(" ", strip=True) for li in page.select(".ceil-notes li")]
    assert all("would give 3 windows" in n and "drops it: 2 windows" in n for n in notes)
    assert not page.select("#X0 td.out")


# ---- messages next to their controls -------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "query", "control", "words", "field"),
    [
        ("max_pool2d", "ph=2", "padding", "use padding of at most 1", "f-ph"),
        ("avg_pool2d", "kh=3&kw=3&pw=2", "padding", "use padding of at most 1", "f-pw"),
        (
            "max_pool2d",
            "h=2&w=2&kh=3&kw=3",
            "kernel_size",
            "Use a window of at most 2 in height",
            "f-kh",
        ),
        (
            "max_pool2d",
            "kh=3&kw=3&dh=3&dw=1",
            "dilation",
            "A dilation of 1 in height would fit",
            "f-dh",
        ),
        ("avg_pool2d", "div=0", "divisor_override", "from 1 to 99", "f-div"),
        ("max_pool2d", "sh=0", "stride", "from 1 to 8", "f-sh"),
        ("avg_pool2d", "kh=9", "kernel_size", "from 1 to 7", "f-kh"),
    ],
)
async def test_invalid_configurations_are_said_next_to_their_control(
    client, op, query, control, words, field
):
    full = soup(await client.get(f"/{op}?{query}"))
    assert words in full.select_one(f"#err-{control}").get_text(" ", strip=True)
    assert full.select_one(f"#{field}")["aria-invalid"] == "true"
    assert not full.select("table.grid.output")
    partial = await client.get(f"/{op}?{query}", headers=HX)
    assert words in soup(partial).select_one(f"#err-{control}").get_text(" ", strip=True)


# ---- the switch, languages, every tab -------------------------------------------------------


async def test_the_switch_keeps_what_both_pools_share(client):
    url = (
        "/max_pool2d?h=6&w=5&ci=2&xp=random&seed=3&kh=3&kw=2&sw=1&ph=1&ceil=1&dh=2&ri=1"
        "&tab=window&t=4&lang=zh"
    )
    page = soup(await client.get(url))
    link = page.select_one("#switch-avg_pool2d")["href"]
    path, query = urlsplit(link).path, dict(parse_qsl(urlsplit(link).query))
    assert path == "/avg_pool2d"
    assert query == {
        "lang": "zh", "h": "6", "w": "5", "ci": "2", "xp": "random", "seed": "3",
        "kh": "3", "sw": "1", "ph": "1", "ceil": "1", "tab": "window", "t": "4",
    }  # fmt: skip
    back = soup(await client.get("/avg_pool2d?h=6&w=5&kh=3&cip=0&div=4&t=2"))
    link = back.select_one("#switch-max_pool2d")["href"]
    assert dict(parse_qsl(urlsplit(link).query)) == {"h": "6", "w": "5", "kh": "3", "t": "2"}


async def test_the_switch_carries_typed_cells(client):
    x = "9,8,7,6,5,4,3,2,1,0,-1,-2,-3,-4,-5,-6"
    page = soup(await client.get(f"/max_pool2d?xp=custom&x={x}"))
    link = page.select_one("#switch-avg_pool2d")["href"]
    assert dict(parse_qsl(urlsplit(link).query))["x"] == x
    avg = soup(await client.get(link))
    expected = _torch(
        "avg_pool2d", np.array(x.split(","), dtype=float).reshape(1, 4, 4), kernel_size=2
    )
    assert_allclose(_outputs(avg), expected)


async def test_the_chinese_pages_use_the_tutorials_terms(client):
    page = soup(await client.get("/max_pool2d?lang=zh&ph=1&pw=1&kh=3&kw=3"))
    nav = [a.get_text(strip=True) for a in page.select("header nav a")]
    assert "最大池化" in nav
    assert "平均池化" in nav
    legends = [legend.get_text(strip=True) for legend in page.select("form#controls legend")]
    assert legends[1] == "窗口"
    form = page.select_one("form#controls").get_text(" ", strip=True)
    for term in ("步幅", "填充", "空洞"):
        assert term in form
    assert page.select_one(".tabs a[data-tab=window]").get_text(strip=True) == "窗口"
    refused = soup(await client.get("/max_pool2d?lang=zh&ph=2"))
    assert "填充" in refused.select_one("#err-padding").get_text()


@pytest.mark.parametrize("op", POOLS)
@pytest.mark.parametrize("tab", ["loop", "window", "torch"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        HEAVY + "&present=1",
        "h=1&w=1&kh=1&kw=1&lang=zh",
        "h=5&w=5&kh=3&kw=3&sh=3&sw=3&ph=1&pw=1&ceil=1",
        "xp=custom&x=1&x=&x=3&x=4&xs=1,2,2&h=2&w=2",
        "ph=3",
        "h=16&w=16&kh=2&kw=2&dh=4&dw=4&sh=1&sw=1&ceil=1&ri=1",
    ],
)
async def test_every_tab_answers_every_way(client, op, tab, query):
    for headers in ({}, HX, STEP):
        response = await client.get(f"/{op}?{query}&tab={tab}&t=5", headers=headers)
        assert response.status_code == 200, (headers, response.text[-500:])


async def test_the_torch_tab_checks_values_and_indices(client):
    page = soup(await client.get(f"/max_pool2d?{HEAVY}&tab=torch&t=3"))
    assert page.select_one("#verdict").get_text(" ", strip=True).startswith("✓")
    assert "the same indices" in page.select_one("#verdict").get_text()
    code = page.select_one("#torch-code").get_text()
    assert code == (
        "out, indices = F.max_pool2d(x, (7, 7), stride=(1, 1), padding=(3, 3), return_indices=True)"
    )
    x = torch.tensor(input_pattern("random", (4, 16, 16), 0))
    out, indices = F.max_pool2d(x, 7, 1, 3, return_indices=True)
    assert_allclose(_grid(page, "T2"), out[2].numpy())
    assert_array_equal(_grid(page, "TI2"), indices[2].numpy())


async def test_the_window_tab_shows_the_planes_and_their_maximum(client):
    page = soup(await client.get("/max_pool2d?kh=3&kw=3&ph=1&pw=1&sh=2&sw=2&tab=window&t=1"))
    x = torch.tensor(input_pattern("arange", (1, 4, 4)))
    padded = F.pad(x, (1, 1, 1, 1), value=-np.inf)[0]
    for i in range(3):
        for j in range(3):
            assert_array_equal(
                _grid(page, f"W-{i}-{j}"), padded[i : i + 3 : 2, j : j + 3 : 2].numpy()
            )
    assert_array_equal(_grid(page, "W-reduced"), F.max_pool2d(x, 3, 2, 1)[0].numpy())
    assert len(page.select("#W-reduced td.cur")) == 1


async def test_the_window_tab_of_an_average_divides_by_torchs_divisor(client):
    page = soup(await client.get("/avg_pool2d?h=5&w=5&ceil=1&cip=0&tab=window&t=8"))
    x = input_pattern("arange", (1, 5, 5))
    assert_allclose(
        _grid(page, "W-result"),
        _torch("avg_pool2d", x, kernel_size=2, ceil_mode=True, count_include_pad=False)[0],
    )
    assert_array_equal(_grid(page, "W-divisor"), [[4, 4, 2], [4, 4, 2], [2, 2, 1]])


async def test_a_big_window_tab_shows_a_band_around_the_step(client):
    page = soup(await client.get(f"/avg_pool2d?{HEAVY}&tab=window&t=300", headers=STEP))
    planes = page.select("table.grid.plane[id^=W-]")
    assert len(planes) == 49 + 3  # the taps' planes, the sum, the divisor, the result
    assert _grid(page, "W-0-0").shape == (3, 3)
    assert re.search(r"output rows 1 to 3 and columns 11 to 13", page.get_text())


async def test_a_dropped_ceil_mode_window_is_explained_in_the_pages_language(client):
    """The output-size formula's words come from convcore in English and are translated."""
    url = "/avg_pool2d?h=5&w=5&kh=3&kw=3&sh=3&sw=3&ph=1&pw=1&ceil=1"
    english = (await client.get(url)).text
    chinese = (await client.get(url + "&lang=zh")).text
    assert "the last window would start in the padding" in english
    assert "the last window would start in the padding" not in chinese
    assert "最后一个窗口会从填充中开始" in chinese
