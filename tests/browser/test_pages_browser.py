"""The page core in Chromium: links between grids, playing, presentation and print, the CSP.

Expected cells come from convcore's traces (tests/convcore/test_views.py checks the window
map the page's script applies against the same traces), never from the page's own rule.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import Page, expect

import convcore as cc
from convcore.patterns import input_pattern, kernel_pattern
from tests.browser.stepping import play_fastest, wait_step

pytestmark = pytest.mark.browser

# 2 → 2 channels in 2 groups, strided, dilated, reflect-padded: copies feed extra windows
LINKED = (
    "/?h=6&w=6&ci=2&co=2&groups=2&xp=random&seed=5&kp=random&kh=2&kw=3"
    "&sh=2&sw=1&ph=1&pw=2&dh=2&dw=1&mode=reflect"
)
CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'"


def _tracer():
    x = input_pattern("random", (2, 6, 6), 5)
    w = kernel_pattern("random", (2, 1, 2, 3), 5)
    return cc.trace_conv2d(
        x, w, stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2, padding_mode="reflect"
    )


def _marked(page: Page, selector: str) -> set[tuple[str, int, int]]:
    cells = page.eval_on_selector_all(
        selector,
        """cells => cells.map(c =>
            [c.closest('table').id, c.parentElement.sectionRowIndex, c.cellIndex])""",
    )
    return {(grid, r, c) for grid, r, c in cells}


def test_an_output_cell_outlines_its_window_and_kernels(page: Page, live_server):
    tracer = _tracer()
    page.goto(live_server + LINKED)
    for t in (0, 7, tracer.count - 1):
        step = tracer.step(t)
        _, o, oy, ox = step.index
        page.locator(f"#Y{o} tr").nth(oy).locator("td").nth(ox).hover()
        expected = {(f"X{tap.channel}", *tap.padded) for tap in step.taps}
        assert _marked(page, "table.input td.rf") == expected
        kernels = page.eval_on_selector_all("table.kernel.rf-kernel", "ks => ks.map(k => k.id)")
        assert kernels == [f"K{o}-0"]
    page.mouse.move(0, 0)
    assert _marked(page, "td.rf") == set()


def test_an_input_cell_outlines_every_output_it_feeds(page: Page, live_server):
    tracer = _tracer()
    readers: dict[tuple[int, int, int], set[tuple[str, int, int]]] = {}
    for step in tracer:
        _, o, oy, ox = step.index
        for tap in step.taps:
            if tap.source is not None:
                readers.setdefault((tap.channel, *tap.source), set()).add((f"Y{o}", oy, ox))
    page.goto(live_server + LINKED)
    for channel, y, x in [(0, 0, 0), (1, 2, 3), (0, 5, 5), (1, 1, 0)]:
        page.focus(f"#x-{channel}-{y}-{x}")  # keyboard focus does it too
        assert _marked(page, "table.output td.rf") == readers.get((channel, y, x), set())


def test_output_cells_take_you_to_their_step(page: Page, live_server):
    page.goto(live_server + "/?h=5&w=5")
    page.locator("#Y0 tr").nth(2).locator("td").nth(1).click()
    wait_step(page, 2 * 4 + 1)
    # by keyboard: Tab reaches the output grid, arrows move, Enter goes to that step
    page.focus("#Y0 td[tabindex='0']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    wait_step(page, 1 * 4 + 1)
    assert page.evaluate("document.activeElement.closest('table').id") == "Y0"


def test_playing_at_the_fastest_speed_shows_every_step(page: Page, live_server):
    page.goto(live_server + "/?h=7&w=7&kp=sobel_x")  # 25 steps
    seen = play_fastest(page, 24)
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false", timeout=10_000)
    assert seen == list(range(1, 25))


def test_presentation_mode_fits_a_projector(page: Page, live_server, shot):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(live_server + "/?h=16&w=16&xp=random&kp=random&kh=7&kw=7&pad=same&t=40")
    page.click("#present-toggle")
    page.wait_for_url(re.compile(r"present=1"))
    assert "t=40" in page.url
    expect(page.locator("#stepper")).to_have_class(re.compile(r"\bpresent\b"))
    expect(page.locator("#settings")).not_to_have_attribute("open", "")
    for selector in (".views", "#steps", "#arith"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0, selector
        assert box["y"] + box["height"] <= 768, (selector, box)
        assert box["x"] + box["width"] <= 1024, (selector, box)
    shot(page, "presentation-16x16-7x7-1024x768")
    # on the tutorial's 3×3 the cells and their numbers are bigger than in the normal page
    page.goto(live_server + "/")
    normal = page.locator("#X0 td").first.bounding_box()["width"]
    page.goto(live_server + "/?present=1")
    big = page.locator("#X0 td").first.bounding_box()["width"]
    assert big > 1.5 * normal
    shot(page, "presentation-tutorial-1024x768")


def test_print_is_one_step_without_controls(page: Page, live_server, shot):
    page.goto(live_server + "/?h=7&w=7&kp=sobel_x&sh=2&sw=2&ph=1&pw=1&t=5")
    page.emulate_media(media="print")
    for hidden in ("#controls", ".tabs", "#step-next", "#scrub", ".top"):
        expect(page.locator(hidden)).to_be_hidden()
    for shown in ("#X0", "#K0-0", "#Y0", "#arith", "#step-count"):
        expect(page.locator(shown)).to_be_visible()
    shot(page, "print")


def test_no_request_leaves_the_server(page: Page, live_server):
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(live_server + "/?h=6&w=6&tab=torch")
    page.keyboard.press("ArrowRight")
    wait_step(page, 1)
    page.click("a[data-tab=im2col]")
    page.wait_for_url(re.compile("tab=im2col"))
    assert seen
    assert all(url.startswith(live_server) for url in seen), seen


@pytest.mark.parametrize(
    ("name", "size", "query"),
    [
        ("phone-375", (375, 812), "/?h=6&w=6&kp=sobel_x&t=5"),
        ("projector-1024x768", (1024, 768), "/?h=16&w=16&xp=random&kp=random&kh=7&kw=7&t=40"),
        ("desktop-1280", (1280, 800), "/?h=9&w=9&kp=sobel_x&sh=2&sw=2&ph=1&pw=1&t=5"),
        (
            "wide-1920",
            (1920, 1080),
            "/?h=16&w=16&ci=4&co=4&groups=2&xp=random&kp=random"
            "&kh=7&kw=7&pad=same&mode=reflect&t=300",
        ),
    ],
)
def test_screenshots(page: Page, live_server, shot, name, size, query):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(live_server + query)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner  # no sideways scrolling of the page itself
    shot(page, name)


def test_the_shift_add_tab_when_the_engine_has_it(page: Page, live_server):
    if "shift_add" not in cc.METHODS["conv2d"]:
        pytest.skip("convcore has no shift_add method yet (the engine issue adds it)")
    page.goto(live_server + "/?h=5&w=6&kp=sobel_x&sh=2&tab=shift_add&t=3")
    x = input_pattern("arange", (1, 5, 6))
    w = kernel_pattern("sobel_x", (1, 1, 3, 3))
    out = cc.conv2d(x, w, stride=(2, 1))
    page.click("#tap-next")
    expect(page.locator("#tap-count")).to_contain_text("Tap 2 of 9")
    page.click("#tap-next")
    expect(page.locator("#tap-count")).to_contain_text("Tap 3 of 9")
    assert "tap=2" in page.url
    running = page.eval_on_selector_all("#SA-running td", "cs => cs.map(c => +c.dataset.value)")
    partial = sum(w[0, 0, 0, j] * x[0, 0:5:2, j : j + 4][:2] for j in range(3))
    np.testing.assert_allclose(np.reshape(running, out.shape[1:]), partial)


def test_a_step_keeps_the_marks_of_a_tabs_own_tables(page: Page, live_server):
    # the step's marks are moved on the grids only: the shift-add tab's planes mark their
    # cell of the step themselves, and a step must not strip that mark
    if "shift_add" not in cc.METHODS["conv2d"]:
        pytest.skip("convcore has no shift_add method")
    page.goto(live_server + "/?h=5&w=6&kp=sobel_x&tab=shift_add")
    for t in (1, 2):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"document.querySelector('#stepper').dataset.t === '{t}'")
        cur = page.eval_on_selector_all(
            "#SA-running td.cur",
            "cs => cs.map(c => [c.parentElement.sectionRowIndex, c.cellIndex])",
        )
        assert cur == [[0, t]]
