"""The stepper in a real Chromium: stepping, editing, links, errors, languages, a11y, phones."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from playwright.sync_api import Page, expect

from convcore.patterns import input_pattern
from tests.browser.axe import serious_violations
from tests.browser.stepping import wait_step

pytestmark = pytest.mark.browser


# strided, padded, dilated, reflect-padded: (6 + 2 − 2·2 − 1)//2 + 1 = 2 rows, 8 columns
STRIDED = (
    "/?h=6&w=7&xp=random&seed=2&kp=random&seed=2&kh=3&kw=2&sh=2&sw=1&ph=1&pw=1"
    "&dh=2&dw=1&mode=reflect"
)
S, D, P = (2, 1), (2, 1), (1, 1)


def _torch_out(x, w, stride=1, padding=(0, 0), dilation=1, mode="zeros"):
    xt = torch.tensor(np.asarray(x, dtype=np.float64))[None]
    if padding != (0, 0):
        xt = F.pad(
            xt,
            (padding[1], padding[1], padding[0], padding[0]),
            mode="constant" if mode == "zeros" else mode,
        )
    wt = torch.tensor(np.asarray(w, dtype=np.float64))
    return F.conv2d(xt, wt, stride=stride, dilation=dilation)[0].numpy()


def _taps(page: Page) -> list[tuple[int, int]]:
    cells = page.eval_on_selector_all(
        "table.input td.tap",
        "cells => cells.map(c => [c.parentElement.sectionRowIndex, c.cellIndex])",
    )
    return sorted((r, c) for r, c in cells)


def _current(page: Page) -> tuple[int, int]:
    cells = page.eval_on_selector_all(
        "table.output td.cur",
        "cells => cells.map(c => [c.parentElement.sectionRowIndex, c.cellIndex])",
    )
    assert len(cells) == 1, cells
    return tuple(cells[0])


def _expected_taps(t: int, ow: int) -> list[tuple[int, int]]:
    oy, ox = divmod(t, ow)
    return [(oy * S[0] + i * D[0], ox * S[1] + j * D[1]) for i in range(3) for j in range(2)]


def _url_step(page: Page) -> int:
    return int(dict(parse_qsl(urlsplit(page.url).query)).get("t", 0))


def _blur(page: Page) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")


def test_stepping_moves_the_window(page: Page, live_server, shot):
    x = input_pattern("random", (1, 6, 7), 2)
    _, oh, ow = _torch_out(x, np.zeros((1, 1, 3, 2)), S, P, D, "reflect").shape
    page.goto(live_server + STRIDED)
    assert _taps(page) == _expected_taps(0, ow)
    assert _current(page) == (0, 0)
    shot(page, "strided-dilated-reflect")

    def check(t):
        wait_step(page, t)
        assert _url_step(page) == t
        assert _taps(page) == _expected_taps(t, ow)
        assert _current(page) == divmod(t, ow)

    page.click("#step-next")
    check(1)
    page.click("#step-last")
    check(oh * ow - 1)
    page.click("#step-prev")
    check(oh * ow - 2)
    _blur(page)
    page.keyboard.press("Home")
    check(0)
    page.keyboard.press("ArrowRight")
    check(1)
    page.keyboard.press("End")
    check(oh * ow - 1)
    page.keyboard.press("ArrowLeft")
    check(oh * ow - 2)
    # the slider, driven by keyboard (as a keyboard-only user would) and by a drag's end
    page.focus("#scrub")
    page.keyboard.press("Home")
    check(0)
    page.keyboard.press("ArrowRight")
    check(1)
    page.eval_on_selector(
        "#scrub", "el => { el.value = 9; el.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    check(9)


def test_play_and_pause(page: Page, live_server):
    page.goto(live_server + "/?h=5&w=5&kp=box_blur")
    expect(page.locator("#play")).to_be_visible()
    page.select_option("#speed", "150")
    _blur(page)
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "true")
    wait_step(page, 3)
    page.click("#play")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    stopped = int(page.locator("#stepper").get_attribute("data-t"))
    page.wait_for_timeout(500)
    assert int(page.locator("#stepper").get_attribute("data-t")) == stopped


def test_editing_a_kernel_cell_gives_torchs_output(page: Page, live_server):
    page.goto(live_server + "/?h=5&w=5&kp=sobel_x&sh=2&sw=2&ph=1&pw=1&mode=replicate&t=8")
    page.fill("#k-4", "2.5")  # the centre weight
    expect(page.locator("#f-kp")).to_have_value("custom")
    kernel = np.array([[-1, 0, 1], [-2, 2.5, 2], [-1, 0, 1.0]])
    x = input_pattern("arange", (1, 5, 5))
    expected = _torch_out(x, kernel[None, None], 2, (1, 1), 1, "replicate")[0]
    values = page.eval_on_selector_all(
        "table.output td[data-value]", "cells => cells.map(c => +c.dataset.value)"
    )
    assert np.allclose(values, expected.ravel(), rtol=0, atol=1e-12)
    # the cells up to this step show their values, the later ones wait
    waiting = page.eval_on_selector_all(
        "table.output td", "cells => cells.map(c => c.classList.contains('todo'))"
    )
    assert waiting == [n > 8 for n in range(expected.size)]
    arith = page.locator("#arith")
    assert float(arith.get_attribute("data-result")) == pytest.approx(expected[2, 2])
    assert "kp=custom" in page.url
    assert "k=-1,0,1,-2,2.5,2,-1,0,1" in page.url


def test_editing_an_input_cell(page: Page, live_server):
    page.goto(live_server + "/")
    page.fill("#x-0-1-1", "-4")
    expect(page.locator("#arith .result")).to_have_text("−5")  # 0·0 + 1·1 + 3·2 + (−4)·3
    assert "xp=custom" in page.url
    assert "x=0,1,2,3,-4,5,6,7,8" in page.url


def test_a_copied_url_restores_the_view(page: Page, live_server, browser):
    page.goto(live_server + STRIDED)
    page.fill("#k-1", "7")
    page.wait_for_url(re.compile(r"k=.*7"))
    page.fill("#f-sw", "2")
    page.wait_for_url(re.compile(r"sw=2"))
    page.click("#step-next")
    wait_step(page, 1)
    page.click("[data-tab=kmatrix]")
    page.wait_for_url(re.compile(r"tab=kmatrix"))

    def snapshot(p: Page):
        return p.evaluate("""() => ({
            form: [...new FormData(document.querySelector('#controls'))],
            out: [...document.querySelectorAll('table.output td')].map(
                c => [c.className, c.dataset.value]),
            taps: [...document.querySelectorAll('td.tap')].map(c => c.dataset.w + '@'
                + c.parentElement.sectionRowIndex + ',' + c.cellIndex),
            tab: document.querySelector('#tabpanel').dataset.tab,
            arith: document.querySelector('#arith').textContent.replace(/\\s+/g, ' '),
        })""")

    before = snapshot(page)
    fresh = browser.new_context().new_page()
    fresh.goto(page.url)
    assert snapshot(fresh) == before
    fresh.reload()
    assert snapshot(fresh) == before
    fresh.context.close()
    page.go_back()  # the tab change was a history entry of its own
    expect(page).not_to_have_url(re.compile(r"tab=kmatrix"))
    expect(page.locator("#tabpanel")).to_have_attribute("data-tab", "loop", timeout=10_000)


def test_an_invalid_configuration_shows_a_message_and_recovers(page: Page, live_server):
    page.goto(live_server + "/?h=5&w=5&kp=sobel_x&dh=2&dw=2")
    out_before = page.locator("table.output").inner_html()
    page.fill("#f-h", "2")
    problem = page.locator("#message .problem")
    expect(problem).to_be_visible()
    expect(problem.locator(".advice[data-code=kernel_too_big]")).to_contain_text(
        re.compile("pad at least", re.IGNORECASE)
    )
    # the last good state stays on screen and the form stays usable
    assert page.locator("table.output").inner_html() == out_before
    page.fill("#f-ph", "2")
    expect(problem).to_be_hidden()
    expect(page.locator("table.output")).to_be_visible()
    x = input_pattern("arange", (1, 2, 5))
    kernel = np.outer([1, 2, 1], [-1, 0, 1])[None, None]
    expected = _torch_out(x, kernel, 1, (2, 0), 2)
    assert page.locator("table.output tr").count() == expected.shape[1]


def test_chinese_page(page: Page, live_server, shot):
    page.goto(live_server + "/?kp=sobel_x&h=5&w=5&ph=1&pw=1")
    page.click(".langs a[hreflang=zh-Hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#controls legend").first).to_have_text("输入")
    expect(page.locator("#step-count")).to_have_text("第 1 步，共 25 步")
    expect(page.locator(".tabs [aria-current=page]")).to_have_text("嵌套循环")
    page.click("#step-next")
    wait_step(page, 1)
    expect(page.locator("#step-count")).to_have_text("第 2 步，共 25 步")  # still Chinese
    shot(page, "chinese")


@pytest.mark.parametrize("tab", ["loop", "im2col", "kmatrix", "torch"])
def test_method_tabs(page: Page, live_server, shot, tab):
    page.goto(live_server + STRIDED + "&bias=1&b=0.5&t=3")
    if tab != "loop":
        page.click(f"[data-tab={tab}]")
        page.wait_for_url(re.compile(f"tab={tab}"))
    expect(page.locator(f"#tabpanel[data-tab={tab}]")).to_be_visible()
    if tab == "torch":
        expect(page.locator("#verdict")).to_contain_text("✓")
    shot(page, f"tab-{tab}")


@pytest.mark.parametrize(
    "query",
    [
        "/",
        STRIDED + "&ci=2&co=2&groups=2&bias=1&tab=im2col&lang=zh",
        "/?h=2&w=2&kp=sobel_x",
        "/?h=99&sh=0&ci=4&co=4&groups=3",
        "/?h=16&w=16&xp=random&kp=random&kh=7&kw=7&pad=same&present=1&tab=kmatrix",
        "/?kp=box_blur&h=5&w=5&tab=torch&bias=1",
    ],
)
def test_no_serious_accessibility_violations(page: Page, live_server, query, shot):
    page.goto(live_server + query)
    if query == "/":
        shot(page, "default")
    bad = serious_violations(page)
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]


@pytest.mark.parametrize(
    "query",
    ["/", "/?h=16&w=16&ci=4&co=4&groups=2&kp=random&kh=7&kw=7&pad=same&tab=kmatrix&lang=zh"],
)
def test_phone_width_has_no_horizontal_scroll(page: Page, live_server, shot, query):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + query)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner
    if query == "/":
        shot(page, "phone")


def _focused(page: Page) -> str:
    return page.evaluate("document.activeElement.id")


def test_keyboard_only_reaches_the_steps_and_keeps_focus(page: Page, live_server):
    # a 16×16 reflect-padded grid puts hundreds of fields before the step buttons:
    # the second skip link jumps over them
    page.goto(live_server + "/?h=16&w=16&ph=3&pw=3&mode=reflect&kp=random&kh=7&kw=7")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("href", "#steps")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the first and previous steps are there, marked disabled
    assert _focused(page) == "step-first"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(page) == "step-next"
    page.keyboard.press("Enter")
    wait_step(page, 1)
    assert _focused(page) == "step-next"  # the buttons are never swapped
    # a method tab chosen with the keyboard keeps the focus, and Tab goes on to the next one
    page.focus("#tab-im2col")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("tab=im2col"))
    expect(page.locator("#tabpanel[data-tab=im2col]")).to_be_visible()
    assert _focused(page) == "tab-im2col"
    page.keyboard.press("Tab")
    assert _focused(page) == "tab-kmatrix"
    assert _url_step(page) == 1


def test_a_focused_padding_tap_looks_focused(page: Page, live_server):
    page.goto(live_server + STRIDED)
    cell = page.locator("table.input td.pad.tap[tabindex]").first
    tap_outline = cell.evaluate("el => getComputedStyle(el).outlineColor")
    cell.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    assert cell.evaluate("el => el === document.activeElement")
    assert cell.evaluate("el => getComputedStyle(el).outlineColor") != tap_outline


def test_phone_width_puts_the_method_tabs_on_one_line(page: Page, live_server):
    page.set_viewport_size({"width": 375, "height": 800})
    for lang in ("en", "zh"):
        page.goto(live_server + f"/?lang={lang}")
        tops = page.eval_on_selector_all(".tabs a", "links => links.map(a => a.offsetTop)")
        assert len(set(tops)) == 1, (lang, tops)
