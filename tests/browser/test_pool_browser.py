"""The pooling pages in Chromium: every example's numbers against torch, the switch, the tabs,
the edge cases, messages, keyboard, phones, presentation, print, axe.

Expected numbers come from ``torch.nn.functional`` computed here, never from the page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose, assert_array_equal
from playwright.sync_api import Page, expect

import convcore as cc
from app.pages.pool.presets import presets
from convcore.patterns import input_pattern
from tests.browser.axe import serious_violations
from tests.browser.stepping import play_fastest, wait_step

pytestmark = pytest.mark.browser

HEAVY = "h=16&w=16&ci=4&xp=random&kh=7&kw=7&sh=1&sw=1&ph=3&pw=3"


def _shown(text: str) -> float:
    return float(text.strip().replace("−", "-").replace("∞", "inf"))


def _outputs(page: Page) -> np.ndarray:
    """The output grids as the page shows them (every cell's text), (C, Ho, Wo)."""
    grids = page.eval_on_selector_all(
        "table.grid.output",
        """ts => ts.map(t => Array.from(
            t.tBodies[0].rows, r => Array.from(r.cells, c => c.querySelector('.v').innerText)))""",
    )
    return np.array([[[_shown(v) for v in row] for row in grid] for grid in grids])


def _exact(page: Page, selector: str) -> np.ndarray:
    """A table's exact values (data-value), as its rows."""
    rows = page.eval_on_selector(
        selector,
        "t => Array.from(t.tBodies[0].rows, r => Array.from(r.cells, c => c.dataset.value))",
    )
    return np.array([[float(v) for v in row] for row in rows])


def _cells(page: Page, selector: str) -> list[tuple[str, int, int]]:
    return page.eval_on_selector_all(
        selector,
        "cs => cs.map(c => [c.closest('table').id, c.parentElement.sectionRowIndex, c.cellIndex])",
    )


def _torch(op: str, x: np.ndarray, **kwargs) -> np.ndarray:
    fn = F.max_pool2d if op == "max_pool2d" else F.avg_pool2d
    return fn(torch.tensor(x), **kwargs).numpy()


def _preset_torch(op: str, fields: dict[str, str]) -> np.ndarray:
    """torch's output for a preset, its arguments read from the preset's fields by hand."""
    h, w, ci = int(fields.get("h", 4)), int(fields.get("w", 4)), int(fields.get("ci", 1))
    if fields.get("xp") == "custom":
        x = np.array([float(v) for v in fields["x"].split(",")]).reshape(ci, h, w)
    else:
        x = input_pattern(fields.get("xp", "arange"), (ci, h, w))
    kwargs = {
        "kernel_size": (int(fields.get("kh", 2)), int(fields.get("kw", 2))),
        "stride": (int(fields["sh"]), int(fields["sw"])) if "sh" in fields else None,
        "padding": (int(fields.get("ph", 0)), int(fields.get("pw", 0))),
        "ceil_mode": fields.get("ceil") == "1",
    }
    if op == "max_pool2d":
        kwargs["dilation"] = (int(fields.get("dh", 1)), int(fields.get("dw", 1)))
    else:
        kwargs["count_include_pad"] = fields.get("cip") != "0"
        kwargs["divisor_override"] = int(fields["div"]) if "div" in fields else None
    return _torch(op, x, **kwargs)


def _swapped_by(page: Page, link: str) -> None:
    """Click ``link`` and wait for the board it brings (htmx swaps #stepper)."""
    page.evaluate("window.__board = document.querySelector('#stepper')")
    page.click(link)
    page.wait_for_function("document.querySelector('#stepper') !== window.__board")


def _last_step(page: Page) -> None:
    count = int(page.eval_on_selector("#stepper", "m => m.dataset.count"))
    page.keyboard.press("End")
    wait_step(page, count - 1)


# ---- every example ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "preset"),
    [(op, preset) for preset in presets() for op in preset.ops],
    ids=lambda v: v if isinstance(v, str) else v.key,
)
def test_every_example_against_torch(page: Page, live_server, op, preset):
    page.goto(f"{live_server}/{op}")
    _swapped_by(page, f"#preset-{preset.key}")  # the board swaps in place
    _last_step(page)  # every output cell computed and shown
    expected = _preset_torch(op, dict(preset.fields))
    shown = _outputs(page)
    assert shown.shape == expected.shape
    assert_allclose(shown, expected, rtol=5e-3)  # as printed: 3 significant digits
    for c in range(expected.shape[0]):
        assert_allclose(_exact(page, f"#Y{c}"), expected[c])


def test_the_tutorials_numbers_in_the_browser(page: Page, live_server):
    for op, query, printed in [
        ("max_pool2d", "h=3&w=3&sh=1&sw=1", [[[4, 5], [7, 8]]]),
        ("avg_pool2d", "h=3&w=3&sh=1&sw=1", [[[2, 3], [5, 6]]]),
        ("max_pool2d", "kh=3&kw=3", [[[10]]]),
        ("max_pool2d", "kh=3&kw=3&ph=1&pw=1&sh=2&sw=2", [[[5, 7], [13, 15]]]),
        ("max_pool2d", "kh=2&kw=3&ph=1&pw=1&sh=2&sw=3", [[[1, 3], [9, 11], [13, 15]]]),
    ]:
        page.goto(f"{live_server}/{op}?{query}")
        _last_step(page)
        assert_array_equal(_outputs(page), printed)
    page.goto(f"{live_server}/max_pool2d")
    page.click("#preset-tutorial_channels")
    page.wait_for_url(re.compile("ci=2"))
    _last_step(page)
    assert_array_equal(_outputs(page), [[[5, 7], [13, 15]], [[6, 8], [14, 16]]])


# ---- the switch --------------------------------------------------------------------------------


def test_the_switch_keeps_the_shared_settings(page: Page, live_server):
    # typing into the form is the core's, tested on its own (tests/browser/test_defects.py)
    page.goto(f"{live_server}/max_pool2d?h=6&kh=3&sw=1&ph=1&ceil=1&dh=2")
    page.locator("#step-next").click()
    wait_step(page, 1)
    page.locator("#step-next").click()
    wait_step(page, 2)
    page.click("#switch-avg_pool2d")
    page.wait_for_url(re.compile("/avg_pool2d"))
    fields = dict(parse_qsl(urlsplit(page.url).query))
    assert fields == {"h": "6", "kh": "3", "sw": "1", "ph": "1", "ceil": "1", "t": "2"}
    for field, value in [
        ("#f-h", "6"),
        ("#f-w", "4"),
        ("#f-kh", "3"),
        ("#f-sh", ""),
        ("#f-sw", "1"),
    ]:
        expect(page.locator(field)).to_have_value(value)
    expect(page.locator("#f-ceil")).to_be_checked()
    expect(page.locator("#f-dh")).to_have_count(0)  # average pooling has no dilation
    expect(page.locator("#step-count")).to_contain_text("Step 3 of")
    x = input_pattern("arange", (1, 6, 4))
    expected = _torch(
        "avg_pool2d", x, kernel_size=(3, 2), stride=(3, 1), padding=(1, 0), ceil_mode=True
    )
    assert_allclose(_exact(page, "#Y0"), expected[0])
    # and back: what only max pooling has starts again from its default
    page.click("#switch-max_pool2d")
    page.wait_for_url(re.compile("/max_pool2d"))
    expect(page.locator("#f-dh")).to_have_value("1")
    expect(page.locator("#f-kh")).to_have_value("3")


# ---- the tabs ----------------------------------------------------------------------------------


def test_the_window_and_pytorch_tabs_follow_the_step(page: Page, live_server):
    page.goto(f"{live_server}/avg_pool2d?kh=3&kw=3&ph=1&pw=1&sh=2&sw=2&cip=0")
    x = input_pattern("arange", (1, 4, 4))
    expected = _torch("avg_pool2d", x, kernel_size=3, stride=2, padding=1, count_include_pad=False)
    page.click("[data-tab=window]")
    page.wait_for_url(re.compile("tab=window"))
    for t in range(4):
        if t:
            page.keyboard.press("ArrowRight")
            wait_step(page, t)
        oy, ox = divmod(t, 2)
        cur = _cells(page, "#W-result td.cur")
        assert cur == [["W-result", oy, ox]]
        value = page.eval_on_selector("#W-result td.cur", "c => +c.dataset.value")
        assert value == pytest.approx(expected[0, oy, ox])
        assert len(_cells(page, "table.plane td.cur")) == 9 + 3  # 9 taps, sum, divisor, y
    page.click("[data-tab=torch]")
    page.wait_for_url(re.compile("tab=torch"))
    expect(page.locator("#verdict")).to_contain_text("✓")
    assert_allclose(_exact(page, "#T0"), expected[0])
    assert _cells(page, "#T0 td.cur") == [["T0", 1, 1]]
    page.keyboard.press("Home")
    wait_step(page, 0)
    assert _cells(page, "#T0 td.cur") == [["T0", 0, 0]]


def test_the_loop_tab_lists_the_window_with_its_maximum(page: Page, live_server):
    page.goto(f"{live_server}/max_pool2d?xp=checkerboard&t=2")
    rows = page.eval_on_selector_all(".taps tbody tr", "rs => rs.map(r => r.className)")
    assert rows == ["input", "input win", "input tie", "input"]  # 0, 1, 1, 0: the first 1 wins


# ---- edge cases ----------------------------------------------------------------------------------


def test_ties_go_to_the_first_cell_as_torch_says(page: Page, live_server):
    page.goto(f"{live_server}/max_pool2d?xp=checkerboard&h=6&w=6&kh=3&kw=3&sh=1&sw=1&ri=1")
    x = input_pattern("checkerboard", (1, 6, 6))
    _, indices = F.max_pool2d(torch.tensor(x), 3, 1, return_indices=True)
    for t in range(16):
        if t:
            page.keyboard.press("ArrowRight")
            wait_step(page, t)
        oy, ox = divmod(t, 4)
        flat = indices[0, oy, ox].item()
        assert _cells(page, "#X0 td.win") == [["X0", flat // 6, flat % 6]]
        window = x[0, oy : oy + 3, ox : ox + 3]
        assert len(_cells(page, "#X0 td.tie")) == int((window == 1).sum()) - 1
        # the indices grid shows torch's index at the current cell
        assert page.inner_text("#I0 td.cur .v") == str(flat)


def test_minus_infinity_padding_never_wins(page: Page, live_server):
    page.goto(f"{live_server}/max_pool2d")
    page.click("#preset-negative")
    page.wait_for_url(re.compile("x=-1"))
    pads = page.eval_on_selector_all("#X0 td.pad", "cs => cs.map(c => c.innerText)")
    assert pads == ["−∞"] * 20
    label = page.get_attribute("#X0 td.pad >> nth=0", "aria-label")
    assert "−∞" in label
    x = -np.arange(1, 17, dtype=float).reshape(1, 4, 4)
    expected = _torch("max_pool2d", x, kernel_size=3, stride=2, padding=1)
    for t in range(4):
        if t:
            page.keyboard.press("ArrowRight")
            wait_step(page, t)
        win = page.locator("#X0 td.win")
        expect(win.locator("input")).to_have_count(1)  # a cell of the input, not padding
        assert float(win.locator("input").input_value()) == expected[0, t // 2, t % 2]
        if t == 0:  # the corner window: five of its nine cells are padding
            expect(page.locator("#arith")).to_contain_text("never win")


def test_ceil_mode_keeps_the_overhanging_window(page: Page, live_server, shot):
    page.goto(f"{live_server}/avg_pool2d")
    page.click("#preset-ceil_kept")
    page.wait_for_url(re.compile("ceil=1"))
    assert len(_cells(page, "#X0 td.out")) == 11
    _last_step(page)
    assert page.inner_text("#arith .divisor") == "1"
    expect(page.locator("#arith")).to_contain_text("torch keeps it")
    assert sorted(_cells(page, "#X0 td.tap")) == [
        ["X0", 4, 4],
        ["X0", 4, 5],
        ["X0", 5, 4],
        ["X0", 5, 5],
    ]
    expect(page.locator(".ceil-notes li").first).to_contain_text("3 windows instead of 2")
    x = input_pattern("arange", (1, 5, 5))
    assert_allclose(_outputs(page), _torch("avg_pool2d", x, kernel_size=2, ceil_mode=True))
    shot(page, "pool-ceil-kept")


def test_ceil_mode_drops_the_window_that_would_start_in_the_padding(page: Page, live_server):
    page.goto(f"{live_server}/max_pool2d")
    page.click("#preset-ceil_dropped")
    page.wait_for_url(re.compile("ceil=1"))
    expect(page.locator("#step-count")).to_contain_text("of 4")
    expect(page.locator(".ceil-notes li").first).to_contain_text("drops it: 2 windows")
    x = input_pattern("arange", (1, 5, 5))
    expected = _torch("max_pool2d", x, kernel_size=3, stride=3, padding=1, ceil_mode=True)
    _last_step(page)
    assert_allclose(_outputs(page), expected)


def test_count_include_pad_and_divisor_override_from_the_form(page: Page, live_server):
    page.goto(f"{live_server}/avg_pool2d")
    page.click("#preset-padding_counted")
    page.wait_for_url(re.compile("ph=1"))
    assert page.inner_text("#arith .divisor") == "9"
    page.uncheck("#f-cip")
    page.wait_for_url(re.compile("cip=0"))
    expect(page.locator("#arith .divisor")).to_have_text("4")
    expect(page.locator("#arith")).to_contain_text("count_include_pad=False")
    x = input_pattern("arange", (1, 4, 4))
    kw = {"kernel_size": 3, "stride": 2, "padding": 1}
    assert_allclose(_exact(page, "#Y0"), _torch("avg_pool2d", x, count_include_pad=False, **kw)[0])
    page.check("#f-cip")
    page.wait_for_url(lambda url: "cip" not in url)
    page.fill("#f-div", "2")
    page.wait_for_url(re.compile("div=2"))
    expect(page.locator("#arith .divisor")).to_have_text("2")
    assert_allclose(_exact(page, "#Y0"), _torch("avg_pool2d", x, divisor_override=2, **kw)[0])


# ---- messages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "field", "value", "control", "words"),
    [
        ("max_pool2d", "#f-ph", "2", "padding", "padding of at most 1"),
        ("max_pool2d", "#f-kh", "6", "kernel_size", "but the padded input has only 4"),
        ("avg_pool2d", "#f-div", "0", "divisor_override", "from 1 to 99"),
        ("max_pool2d", "#f-dh", "4", "kernel_size", "the padded input has only 4"),
        ("avg_pool2d", "#f-sw", "0", "stride", "from 1 to 8"),
    ],
)
def test_invalid_configurations_get_a_message_next_to_their_control(
    page: Page, live_server, op, field, value, control, words
):
    page.goto(f"{live_server}/{op}")
    before = page.url
    page.fill(field, value)
    expect(page.locator(f"#err-{control}")).to_contain_text(words)
    expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#Y0")).to_be_visible()  # the last good board stays
    if control in ("divisor_override", "stride"):
        assert page.url == before  # a field out of range never becomes a link


# ---- links between grids, keyboard, play ---------------------------------------------------------


def test_an_output_cell_outlines_its_window(page: Page, live_server):
    page.goto(f"{live_server}/max_pool2d?ci=2&h=5&w=6&kh=3&kw=2&sh=2&sw=1&ph=1&dh=1&dw=2")
    tracer = cc.trace_max_pool2d(input_pattern("arange", (2, 5, 6)), (3, 2), (2, 1), (1, 0), (1, 2))
    for t in (0, 7, tracer.count - 1):
        step = tracer.step(t)
        _, c, oy, ox = step.index
        page.locator(f"#Y{c} tr").nth(oy).locator("td").nth(ox).hover()
        assert {tuple(cell) for cell in _cells(page, "table.input td.rf")} == {
            (f"X{c}", *tap.padded) for tap in step.taps
        }
    readers = {
        (f"Y{step.index[1]}", step.index[2], step.index[3])
        for step in tracer
        if any(tap.source == (2, 3) and step.index[1] == 1 for tap in step.taps)
    }
    page.mouse.move(0, 0)  # off the grids: a mouse leaving a cell clears the outlines
    page.focus("#x-1-2-3")
    assert {tuple(cell) for cell in _cells(page, "table.output td.rf")} == readers


def test_keyboard_only(page: Page, live_server):
    page.goto(f"{live_server}/max_pool2d?{HEAVY}")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("href", "#steps")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "step-first"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "step-next"
    page.keyboard.press("Enter")
    wait_step(page, 1)
    page.keyboard.press("Enter")
    wait_step(page, 2)
    assert page.evaluate("document.activeElement.id") == "step-next"
    # the tabs, then the switch, by keyboard
    page.focus("#tab-window")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("tab=window"))
    assert page.evaluate("document.activeElement.id") == "tab-window"
    page.focus("#switch-avg_pool2d")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/avg_pool2d"))
    assert "t=2" in page.url
    assert "tab=window" in page.url


def test_playing_at_the_fastest_speed_shows_every_step(page: Page, live_server):
    page.goto(f"{live_server}/avg_pool2d?h=6&w=6&sh=1&sw=1")  # 25 steps
    seen = play_fastest(page, 24)
    assert seen == list(range(1, 25))


# ---- phones, projectors, print, axe --------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "/max_pool2d",
        "/avg_pool2d?h=5&w=5&ceil=1&cip=0&tab=window&lang=zh&t=8",
        f"/max_pool2d?{HEAVY}&ri=1&tab=window&t=100",
        "/max_pool2d?xp=checkerboard&ri=1&tab=torch&t=1",
        "/max_pool2d?ph=2&kh=5",
        "/avg_pool2d?div=0&present=1",
        f"/avg_pool2d?{HEAVY}&present=1&tab=torch",
    ],
)
def test_no_serious_accessibility_violations(page: Page, live_server, query):
    page.goto(live_server + query)
    bad = serious_violations(page)
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]


@pytest.mark.parametrize(
    "query",
    [
        "/max_pool2d?tab=window",
        f"/max_pool2d?{HEAVY}&ri=1&tab=window&lang=zh",
        "/avg_pool2d?h=5&w=5&kh=3&kw=3&ph=1&pw=1&sh=1&sw=1&ceil=1&tab=torch",
    ],
)
def test_phone_width_has_no_horizontal_scroll(page: Page, live_server, query):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server + query)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner
    tops = page.eval_on_selector_all(".tabs a", "links => links.map(a => a.offsetTop)")
    assert len(set(tops)) == 1


def test_presentation_mode_fits_a_projector(page: Page, live_server, shot):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{live_server}/max_pool2d?h=16&w=16&xp=random&kh=7&kw=7&sh=1&sw=1&ph=3&pw=3&t=40")
    page.click("#present-toggle")
    page.wait_for_url(re.compile(r"present=1"))
    assert "t=40" in page.url
    expect(page.locator("#settings")).not_to_have_attribute("open", "")
    for selector in (".views", "#steps", "#arith"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0, selector
        assert box["y"] + box["height"] <= 768, (selector, box)
        assert box["x"] + box["width"] <= 1024, (selector, box)
    shot(page, "pool-presentation-16x16-7x7-1024x768")
    page.goto(f"{live_server}/avg_pool2d?h=3&w=3&sh=1&sw=1")
    normal = page.locator("#X0 td").first.bounding_box()["width"]
    page.goto(f"{live_server}/avg_pool2d?h=3&w=3&sh=1&sw=1&present=1")
    assert page.locator("#X0 td").first.bounding_box()["width"] > 1.5 * normal
    shot(page, "pool-presentation-tutorial-1024x768")


def test_print_is_one_step_without_controls(page: Page, live_server, shot):
    page.goto(f"{live_server}/max_pool2d?kh=3&kw=3&ph=1&pw=1&sh=2&sw=2&t=1")
    page.emulate_media(media="print")
    for hidden in ("#controls", ".tabs", "#step-next", "#scrub", ".top", ".pool-intro"):
        expect(page.locator(hidden)).to_be_hidden()
    for shown in ("#X0", "#Y0", "#arith", "#step-count"):
        expect(page.locator(shown)).to_be_visible()
    shot(page, "pool-print")


@pytest.mark.parametrize(
    ("name", "size", "query"),
    [
        ("pool-phone-375", (375, 812), "/max_pool2d?kh=3&kw=3&ph=1&pw=1&sh=2&sw=2&t=1"),
        ("pool-projector-1024x768", (1024, 768), f"/avg_pool2d?{HEAVY}&t=300"),
        (
            "pool-desktop-1280",
            (1280, 800),
            "/max_pool2d?xp=checkerboard&h=6&w=6&kh=3&kw=3&sh=1&sw=1&ri=1&t=5",
        ),
        ("pool-window-tab-1280", (1280, 800), "/avg_pool2d?h=5&w=5&ceil=1&tab=window&t=8"),
    ],
)
def test_screenshots(page: Page, live_server, shot, name, size, query):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(live_server + query)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner
    shot(page, name)
