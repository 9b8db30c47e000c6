"""The transposed-convolution page in Chromium: every tab stepped against torch, the presets,
the links to and from the conv2d page, messages, keyboard, phones, projectors, print, axe.

Expected numbers come from torch (F.conv_transpose2d, F.conv2d, autograd), and where the
stamps land from the definition (input (c, iy, ix) stamps its kernel cell (i, j) on canvas
cell (iy·s + i·d, ix·s + j·d)), never from the page's own code.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from playwright.sync_api import Page, expect

from convcore.patterns import input_pattern, kernel_pattern
from tests.browser.axe import serious_violations
from tests.browser.stepping import play_fastest, wait_step

pytestmark = pytest.mark.browser

PAGE = "/conv_transpose2d"
TABS = ["scatter", "zero_insert", "kt", "col2im", "torch"]
# 2 → 4 channels in 2 groups, stride (2, 3), padding (1, 2), output_padding (1, 0),
# dilation (1, 2): the canvas is 8×12, the output 6×8
TRICKY = (
    PAGE + "?h=3&w=4&ci=2&co=4&groups=2&xp=random&seed=4&kp=random&kh=3&kw=2"
    "&sh=2&sw=3&ph=1&pw=2&oph=1&dw=2"
)
ARGS = {"stride": (2, 3), "padding": (1, 2), "output_padding": (1, 0), "dilation": (1, 2)}
X = input_pattern("random", (2, 3, 4), 4)
W = kernel_pattern("random", (2, 2, 3, 2), 4)


def _transposed(x, w, groups=2, **kwargs) -> np.ndarray:
    out = F.conv_transpose2d(torch.tensor(x)[None], torch.tensor(w), groups=groups, **kwargs)
    return out[0].numpy()


def _canvas(done: int, order: str) -> np.ndarray:
    """The canvas after ``done`` steps, by torch: later values zeroed, nothing cropped."""
    kept = X.copy()
    if order == "scatter":
        kept.reshape(-1)[done:] = 0
    else:
        kept.reshape(2, -1)[:, done:] = 0
    return _transposed(kept, W, **{**ARGS, "padding": 0})


def _grid(page: Page, table_id: str) -> np.ndarray:
    rows = page.eval_on_selector_all(
        f"#{table_id} tr",
        """rows => rows.map(r => [...r.querySelectorAll('td')].map(td => {
            const field = td.querySelector('input');
            return +(field ? field.value : td.dataset.value);
        }))""",
    )
    return np.array(rows)


def _marked(page: Page, selector: str) -> set[tuple[str, int, int]]:
    cells = page.eval_on_selector_all(
        selector,
        """cells => cells.map(c =>
            [c.closest('table').id, c.parentElement.sectionRowIndex, c.cellIndex])""",
    )
    return {(grid, r, c) for grid, r, c in cells}


def _stamp(c: int, iy: int, ix: int) -> set[tuple[str, int, int]]:
    """The canvas cells input (c, iy, ix) stamps: its group's two output channels."""
    return {
        (f"Y{2 * c + o}", iy * 2 + i, ix * 3 + j * 2)
        for o in range(2)
        for i in range(3)
        for j in range(2)
    }


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_steps_with_torchs_numbers(page: Page, live_server, shot, tab):
    page.goto(live_server + TRICKY + f"&tab={tab}")
    out = _transposed(X, W, **ARGS)
    for t in (1, 2):
        page.keyboard.press("ArrowRight")
        wait_step(page, t)
    if tab in ("scatter", "col2im"):
        canvas = _canvas(3, tab)
        for o in range(4):
            np.testing.assert_allclose(_grid(page, f"Y{o}"), canvas[o], atol=1e-12)
        if tab == "scatter":
            c, iy, ix = np.unravel_index(2, X.shape)
            assert _marked(page, "table.canvas td.tap") == _stamp(c, iy, ix)
            assert _marked(page, "table.input td.cur") == {(f"X{c}", iy, ix)}
        else:
            iy, ix = divmod(2, X.shape[2])
            assert _marked(page, "table.canvas td.tap") == _stamp(0, iy, ix) | _stamp(1, iy, ix)
    else:
        for o in range(4):
            np.testing.assert_allclose(_grid(page, f"Y{o}"), out[o], atol=1e-12)
        assert _marked(page, "table.output td.cur") == {("Y0", 0, 2)}
        arith = float(page.locator("#arith").get_attribute("data-result"))
        assert arith == pytest.approx(out[0, 0, 2], abs=1e-12)
    if tab == "torch":
        expect(page.locator("#verdict")).to_contain_text("✓")
    shot(page, f"transposed-tab-{tab}")


def test_stepping_the_canvas_forward_back_and_by_keys(page: Page, live_server):
    page.goto(live_server + TRICKY)
    count = X.size
    for key, t in [("ArrowRight", 1), ("End", count - 1), ("ArrowLeft", count - 2), ("Home", 0)]:
        page.keyboard.press(key)
        wait_step(page, t)
        canvas = _canvas(t + 1, "scatter")
        for o in range(4):
            np.testing.assert_allclose(_grid(page, f"Y{o}"), canvas[o], atol=1e-12)
        waiting = page.eval_on_selector_all(
            "#Y0 td", "cells => cells.map(c => c.classList.contains('todo'))"
        )
        reached = _transposed(
            (np.arange(X.size) <= t).reshape(X.shape).astype(float),
            np.ones_like(W),
            **{**ARGS, "padding": 0},
        )[0]
        assert waiting == (reached.ravel() == 0).tolist()


def test_playing_at_the_fastest_speed_fills_the_canvas_step_by_step(page: Page, live_server):
    page.goto(live_server + TRICKY + "&tab=col2im")
    seen = play_fastest(page, 11)
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false", timeout=10_000)
    assert seen == list(range(1, 12))
    # every step sent only the cells it changed; together they make the whole canvas
    canvas = _canvas(12, "col2im")
    for o in range(4):
        np.testing.assert_allclose(_grid(page, f"Y{o}"), canvas[o], atol=1e-12)
    assert page.eval_on_selector_all("table.canvas td.todo", "cs => cs.length") == (
        int((_transposed(np.ones_like(X), np.ones_like(W), **{**ARGS, "padding": 0}) == 0).sum())
    )


def test_a_canvas_wider_than_the_phone_follows_the_stamp(page: Page, live_server):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + TRICKY)
    page.keyboard.press("End")
    wait_step(page, X.size - 1)
    box = page.locator("#box-Y3").bounding_box()
    tap = page.locator("#Y3 td.tap").last.bounding_box()
    assert page.locator("#box-Y3").evaluate("b => b.scrollWidth > b.clientWidth")
    assert box["x"] <= tap["x"]
    assert tap["x"] + tap["width"] <= box["x"] + box["width"]


# ---- presets ---------------------------------------------------------------------------------


def _torch_tab(page: Page) -> np.ndarray:
    page.click("#tab-torch")
    expect(page.locator("#verdict")).to_contain_text("✓")
    return np.stack(
        [
            _grid(page, t)
            for t in page.eval_on_selector_all("table.grid.output", "ts => ts.map(t => t.id)")
        ]
    )


def test_presets_give_torchs_numbers(page: Page, live_server, shot):
    page.goto(live_server + PAGE)
    # the tutorial: 4×4 through a 3×3 kernel is 2×2; Kᵀ takes it back to 4×4
    page.click(".presets li:nth-child(1) > a")
    page.wait_for_url(re.compile("tab=kt"))
    x = torch.arange(16, dtype=torch.float64).reshape(1, 1, 4, 4)
    emboss = torch.tensor(kernel_pattern("emboss", (1, 1, 3, 3)))
    y = F.conv2d(x, emboss)
    np.testing.assert_allclose(_grid(page, "X0"), y[0, 0].numpy())
    np.testing.assert_allclose(_grid(page, "Y0"), F.conv_transpose2d(y, emboss)[0, 0].numpy())
    shot(page, "transposed-preset-tutorial")
    # upsample ×2 with bilinear weights
    page.click(".presets li:nth-child(2) > a")
    page.wait_for_url(re.compile("kh=4"))
    ramp = torch.tensor([1.0, 3.0, 3.0, 1.0], dtype=torch.float64) / 4
    up = F.conv_transpose2d(x, torch.outer(ramp, ramp)[None, None], stride=2, padding=1)
    np.testing.assert_allclose(_torch_tab(page)[0], up[0, 0].numpy())
    # the checkerboard: ones through ones count the overlapping stamps
    page.click(".presets li:nth-child(3) > a")
    page.wait_for_url(re.compile("k=1,1,1"))
    ones = torch.ones(1, 1, 4, 4, dtype=torch.float64)
    counts = F.conv_transpose2d(ones, torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2)
    np.testing.assert_allclose(_grid(page, "counts"), counts[0, 0].numpy())
    expect(page.locator("#tabpanel")).to_contain_text("checkerboard")
    shot(page, "transposed-preset-checkerboard")
    # the gradient of a conv2d: torch's autograd
    page.click(".presets li:nth-child(4) > a")
    page.wait_for_url(re.compile("kp=sobel_x"))
    inputs = torch.arange(25, dtype=torch.float64).reshape(1, 1, 5, 5).requires_grad_()
    sobel = torch.tensor(kernel_pattern("sobel_x", (1, 1, 3, 3)))
    F.conv2d(inputs, sobel, stride=2, padding=1).sum().backward()
    np.testing.assert_allclose(_torch_tab(page)[0], inputs.grad[0, 0].numpy())


# ---- links both ways ---------------------------------------------------------------------------


def _matrix(page: Page, table_id: str) -> np.ndarray:
    return np.array(
        page.eval_on_selector_all(
            f"#{table_id} tbody tr",
            "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => +td.dataset.value))",
        )
    )


def test_from_conv2d_to_its_transpose_and_back(page: Page, live_server, shot):
    start = live_server + "/conv2d?h=4&w=4&kp=emboss&tab=kmatrix"
    page.goto(start)
    k = _matrix(page, "kmatrix")  # K: 4 × 16
    y = _grid(page, "Y0")
    page.click("#transpose-link")
    page.wait_for_url(re.compile("conv_transpose2d"))
    expect(page.locator("#tabpanel")).to_have_attribute("data-tab", "kt")
    np.testing.assert_allclose(_matrix(page, "kmatrix"), k.T)  # the same numbers, transposed
    np.testing.assert_allclose(_grid(page, "X0"), y)
    shot(page, "transposed-from-conv2d")
    page.click("#forward-link")
    page.wait_for_url(re.compile("/conv2d"))
    assert page.url == start
    np.testing.assert_allclose(_matrix(page, "kmatrix"), k)


def test_a_strided_conv2d_comes_back_to_its_shape(page: Page, live_server):
    page.goto(live_server + "/conv2d?h=8&w=7&kp=sobel_x&sh=2&sw=2&ph=1&pw=1")
    page.click("#transpose-link")
    page.wait_for_url(re.compile("conv_transpose2d"))
    fields = dict(parse_qsl(urlsplit(page.url).query))
    assert (fields.get("oph", "0"), fields.get("opw", "0")) == ("1", "0")  # 8 and 7 come back
    page.click("#tab-torch")
    expect(page.locator("#verdict")).to_contain_text("✓")
    assert _grid(page, "Y0").shape == (8, 7)


# ---- messages, keyboard, links between grids ---------------------------------------------------


def test_invalid_values_get_their_message_next_to_the_control(page: Page, live_server):
    page.goto(live_server + PAGE + "?sh=2&sw=2")
    page.fill("#f-oph", "2")
    expect(page.locator("#err-output_padding")).to_contain_text("at most 1")
    expect(page.locator("#message .problem")).to_be_visible()
    page.fill("#f-oph", "1")
    expect(page.locator("#message .problem")).to_be_hidden()
    page.fill("#f-co", "3")
    page.fill("#f-groups", "2")
    expect(page.locator("#err-groups")).to_contain_text("must divide")
    page.fill("#f-groups", "1")
    page.fill("#f-co", "1")
    expect(page.locator("#message .problem")).to_be_hidden()
    page.goto(live_server + PAGE + "?h=1&w=1&kp=random&kh=1&kw=1")
    page.fill("#f-ph", "1")
    expect(page.locator("#err-padding")).to_contain_text("crops the whole output")
    page.fill("#f-ph", "0")
    expect(page.locator("#message .problem")).to_be_hidden()


def test_keyboard_only(page: Page, live_server):
    page.goto(live_server + TRICKY + "&tab=zero_insert")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("href", "#steps")
    page.keyboard.press("Enter")
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "step-next"
    page.keyboard.press("Enter")
    wait_step(page, 1)
    assert page.evaluate("document.activeElement.id") == "step-next"
    # an output cell: one Tab stop, arrows move, Enter goes to its step
    page.focus("#Y0 td[tabindex='0']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    wait_step(page, 8 + 1)
    # a tab chosen by keyboard keeps the focus
    page.focus("#tab-kt")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("tab=kt"))
    assert page.evaluate("document.activeElement.id") == "tab-kt"


def test_hovering_links_inputs_and_the_canvas(page: Page, live_server):
    page.goto(live_server + TRICKY)
    # an input cell: every canvas cell its stamp covers
    page.focus("#x-1-2-3")
    assert _marked(page, "table.canvas td.rf") == _stamp(1, 2, 3)
    # a canvas cell: every input whose stamp covers it, and the kernels that feed it
    page.locator("#Y3 tr").nth(4).locator("td").nth(6).hover()
    feeders = {
        ("X1", iy, ix) for iy in range(3) for ix in range(4) if ("Y3", 4, 6) in _stamp(1, iy, ix)
    }
    assert _marked(page, "table.input td.rf") == feeders
    kernels = page.eval_on_selector_all("table.kernel.rf-kernel", "ks => ks.map(k => k.id)")
    assert kernels == ["K1-1"]
    # on the zero-insert tab an output cell outlines its window on the zero-inserted input
    page.click("#tab-zero_insert")
    page.wait_for_url(re.compile("tab=zero_insert"))
    page.locator("#Y2 tr").nth(1).locator("td").nth(3).hover()
    window = {("Z1", 1 + i, 3 + 2 * j) for i in range(3) for j in range(2)}
    assert _marked(page, "table.spread td.rf") == window
    assert _marked(page, "table.input:not(.spread) td.rf") == {
        (grid, r, c) for grid, r, c in feeders_of(2, 1, 3)
    }


def feeders_of(o: int, oy: int, ox: int) -> set[tuple[str, int, int]]:
    """Inputs whose stamp covers output (o, oy, ox): canvas cell (oy + 1, ox + 2)."""
    c = o // 2
    return {
        (f"X{c}", iy, ix)
        for iy in range(3)
        for ix in range(4)
        if (f"Y{o}", oy + 1, ox + 2) in _stamp(c, iy, ix)
    }


def test_editing_a_weight_gives_torchs_output(page: Page, live_server):
    page.goto(live_server + PAGE + "?h=3&w=3&sh=2&sw=2&kp=sobel_x&tab=torch")
    page.fill("#k-4", "2.5")
    expect(page.locator("#f-kp")).to_have_value("custom")
    expect(page.locator("#verdict")).to_contain_text("✓")
    kernel = np.array([[-1, 0, 1], [-2, 2.5, 2], [-1, 0, 1.0]])
    expected = _transposed(input_pattern("arange", (1, 3, 3)), kernel[None, None], 1, stride=2)
    np.testing.assert_allclose(_grid(page, "Y0"), expected[0])
    assert "k=-1,0,1,-2,2.5,2,-1,0,1" in page.url


# ---- screens, presentation, print, axe ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "size", "query"),
    [
        ("transposed-phone-375", (375, 812), PAGE + "?sh=2&sw=2&ph=1&pw=1&t=3"),
        ("transposed-projector-1024x768", (1024, 768), TRICKY + "&t=7"),
        ("transposed-desktop-1280", (1280, 800), TRICKY + "&tab=zero_insert&t=7"),
    ],
)
def test_screens(page: Page, live_server, shot, name, size, query):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(live_server + query)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner  # no sideways scrolling of the page itself
    shot(page, name)


def test_presentation_mode_fits_a_projector(page: Page, live_server, shot):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(live_server + PAGE + "?h=6&w=6&kp=random&sh=2&sw=2&ph=1&pw=1&t=9")
    page.click("#present-toggle")
    page.wait_for_url(re.compile(r"present=1"))
    expect(page.locator(".intro")).to_be_hidden()
    for selector in (".views", "#steps", "#arith"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0, selector
        assert box["y"] + box["height"] <= 768, (selector, box)
        assert box["x"] + box["width"] <= 1024, (selector, box)
    shot(page, "transposed-presentation-1024x768")


def test_print_is_one_step_without_controls(page: Page, live_server, shot):
    page.goto(live_server + TRICKY + "&t=5")
    page.emulate_media(media="print")
    for hidden in ("#controls", ".tabs", ".intro", "#step-next", ".top"):
        expect(page.locator(hidden)).to_be_hidden()
    for visible in ("#X0", "#K0-0", "#Y0", "#arith", "#step-count"):
        expect(page.locator(visible)).to_be_visible()
    shot(page, "transposed-print")


@pytest.mark.parametrize(
    "query",
    [
        PAGE,
        TRICKY + "&bias=1&lang=zh",
        *(TRICKY + f"&tab={tab}&t=3" for tab in TABS[1:]),
        PAGE + "?sh=2&oph=2&ci=3&co=4&groups=2",
        PAGE + "?h=6&w=6&kp=random&sh=2&sw=2&present=1",
    ],
)
def test_no_serious_accessibility_violations(page: Page, live_server, query):
    page.goto(live_server + query)
    bad = serious_violations(page)
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
