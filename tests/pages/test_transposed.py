"""The transposed-convolution page: query model, full page, board and steps, every number it
shows against torch, the presets, the links to and from the conv2d page, the messages."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

from app.pages.params import bounds
from convcore.patterns import input_pattern, kernel_pattern
from tests.pages.conftest import shown, soup

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}
STEP = {"HX-Request": "true", "X-Part": "step"}
PAGE = "/conv_transpose2d"
TABS = ["scatter", "zero_insert", "kt", "col2im", "torch"]
#: the heaviest page a student can make (bench/stepper.py): grids near the 40-cell limit,
#: each value stamping onto all four outputs
HEAVY = PAGE + "?h=16&w=16&ci=4&co=4&xp=random&kp=random&kh=7&kw=7&sh=2&sw=2&ph=3&pw=3"
#: strided, padded, output-padded, dilated, two groups, a bias
TRICKY = (
    PAGE + "?h=3&w=4&ci=2&co=4&groups=2&xp=random&seed=4&kp=random&kh=3&kw=2"
    "&sh=2&sw=3&ph=1&pw=2&oph=1&opw=0&dh=1&dw=2&bias=1&b=0.5,-1,2,0.25"
)
TRICKY_ARGS = {"stride": (2, 3), "padding": (1, 2), "output_padding": (1, 0), "dilation": (1, 2)}


def tricky():
    x = input_pattern("random", (2, 3, 4), 4)
    w = kernel_pattern("random", (2, 2, 3, 2), 4)
    return x, w, np.array([0.5, -1, 2, 0.25])


def torch_transposed(x, w, b=None, groups=1, **kwargs) -> np.ndarray:
    """The oracle: torch alone, (C_out, Ho, Wo) for x (C_in, H, W)."""
    out = F.conv_transpose2d(
        torch.tensor(np.asarray(x, dtype=np.float64))[None],
        torch.tensor(np.asarray(w, dtype=np.float64)),
        None if b is None else torch.tensor(np.asarray(b, dtype=np.float64)),
        groups=groups,
        **kwargs,
    )
    return out[0].numpy()


def torch_canvas(x, w, done, groups=1, order="scatter", **kwargs) -> np.ndarray:
    """The uncropped canvas after the first ``done`` steps, by torch: the transposed
    convolution of the input with every later value zeroed, without cropping."""
    kept = np.asarray(x, dtype=np.float64).copy()
    flat = kept.reshape(kept.shape[0], -1)
    if order == "scatter":
        kept.reshape(-1)[done:] = 0.0
    else:
        flat[:, done:] = 0.0
    kwargs = {**kwargs, "padding": 0}
    return torch_transposed(kept, w, None, groups, **kwargs)


def _position(td) -> tuple[int, int]:
    row = td.find_parent("tr")
    rows = row.find_parent("table").find_all("tr")
    return rows.index(row), row.find_all("td").index(td)


def _grid(page, table_id: str) -> np.ndarray:
    """A grid's values (fields or data-value), in its shape."""
    rows = page.select(f"#{table_id} tr")
    return np.array(
        [
            [
                float(td.find("input")["value"] if td.find("input") else td["data-value"])
                for td in row.find_all("td")
            ]
            for row in rows
        ]
    )


def _classes(page, table_id: str, cls: str) -> set[tuple[int, int]]:
    return {_position(td) for td in page.select(f"#{table_id} td.{cls}")}


# ---- the query model and the form ------------------------------------------------------------


def test_the_query_model_comes_from_the_spec(app):
    page = app.state.pages["conv_transpose2d"]
    model = page.query
    expected = {"sh": (1, 8), "ph": (0, 8), "oph": (0, 7), "opw": (0, 7), "dh": (1, 4)}
    for name, bound in expected.items():
        assert bounds(model.model_fields[name]) == bound, name
    assert "pad" not in model.model_fields  # no 'same' or 'valid' for a transposed conv
    assert [tab.name for tab in page.tabs] == TABS
    controls = {name for fieldset in page.fieldsets for name in fieldset.controls}
    assert {"stride", "padding", "output_padding", "dilation", "groups"} <= controls


async def test_full_page_partial_and_canonical_url(client):
    full = await client.get(PAGE)
    assert full.text.lstrip().lower().startswith("<!doctype html>")
    page = soup(full)
    assert page.select_one("header nav a[aria-current=page]")["href"] == PAGE
    assert page.select_one("#tab-scatter")["aria-current"] == "page"
    assert "(C_in, C_out/groups, kH, kW)" in page.select_one(".panel-kernel .legend").get_text()
    query = "w=4&sh=2&ph=0&oph=1&t=3&shown=2&tab=scatter&fxp=arange"
    part = await client.get(f"{PAGE}?{query}", headers=HX)
    assert part.text.lstrip().startswith('<main id="stepper"')
    # the defaults and the step hint are left out; the order is the canonical one
    assert part.headers["hx-push-url"] == f"{PAGE}?w=4&sh=2&oph=1&t=3"


async def test_a_step_sends_only_its_pieces_within_the_budget(client):
    for tab in TABS:
        t = 300 if tab in ("scatter", "zero_insert", "kt", "torch") else 100
        response = await client.get(
            HEAVY + f"&tab={tab}&t={t}&shown={t - 1}",
            headers={**STEP, "Accept-Encoding": "gzip"},
        )
        assert response.status_code == 200
        assert "<form" not in response.text
        assert '<table class="grid input' not in response.text
        page = soup(response)
        assert {el["id"] for el in page.select("[hx-swap-oob]")} == {
            "step-count",
            "arith",
            "tabstep",
            "step-state",
        }
        assert len(gzip.compress(response.content)) < 20_000, tab


# ---- every number against torch ----------------------------------------------------------------


@pytest.mark.parametrize("tab", ["zero_insert", "kt", "torch"])
async def test_output_tabs_show_torchs_output(client, tab):
    x, w, b = tricky()
    out = torch_transposed(x, w, b, groups=2, **TRICKY_ARGS)
    page = soup(await client.get(TRICKY + f"&tab={tab}&t=13"))
    _, oh, ow = out.shape
    for o in range(out.shape[0]):
        assert_allclose(_grid(page, f"Y{o}"), out[o], atol=1e-12)
        todo = _classes(page, f"Y{o}", "todo")
        later = {(r, c) for r in range(oh) for c in range(ow) if o * oh * ow + r * ow + c > 13}
        assert todo == later
    o, rest = divmod(13, oh * ow)
    assert _classes(page, f"Y{o}", "cur") == {divmod(rest, ow)}
    arith = page.select_one("#arith")
    assert float(arith["data-result"]) == pytest.approx(out[o].ravel()[rest], abs=1e-12)
    assert shown(arith.select_one(".result").get_text()) == pytest.approx(
        out[o].ravel()[rest], rel=1e-3
    )


@pytest.mark.parametrize("order", ["scatter", "col2im"])
@pytest.mark.parametrize("t", [0, 5, 11])
async def test_the_canvas_fills_as_torch_says(client, order, t):
    x, w, _ = tricky()
    page = soup(await client.get(TRICKY + f"&tab={order}&t={t}"))
    uncropped = {k: v for k, v in TRICKY_ARGS.items() if k != "padding"}
    canvas = torch_canvas(x, w, t + 1, groups=2, order=order, **uncropped)
    reached = torch_canvas(np.ones_like(x), np.ones_like(w), t + 1, 2, order, **uncropped)
    for o in range(canvas.shape[0]):
        assert_allclose(_grid(page, f"Y{o}"), canvas[o], atol=1e-12)
        waiting = {(r, c) for r, c in np.argwhere(reached[o] == 0).tolist()}
        assert _classes(page, f"Y{o}", "todo") == waiting
    # padding (1, 2) crops a frame: rows 0 and 7, columns 0, 1, 10 and 11 of the 8×12 canvas
    out = torch_transposed(x, w, None, groups=2, **TRICKY_ARGS)
    assert canvas.shape[1:] == (out.shape[1] + 2, out.shape[2] + 4) == (8, 12)
    cropped = {(r, c) for r in range(8) for c in range(12) if r in (0, 7) or c in (0, 1, 10, 11)}
    assert _classes(page, "Y0", "crop") == cropped
    # output_padding (1, 0) adds the output's last row: canvas row 6, inside the crop
    assert _classes(page, "Y0", "opad") == {(6, c) for c in range(2, 10)}
    # the stamp of the step is outlined, each cell with what it adds
    marks = json.loads(page.select_one("#step-state")["data-marks"])
    if order == "scatter":
        c, iy, ix = np.unravel_index(t, x.shape)
        outputs = [2 * c, 2 * c + 1]  # one input channel per group, two outputs each
        assert marks["current"] == [[f"X{c}", iy, ix]]
    else:
        iy, ix = divmod(t, x.shape[2])
        outputs = [0, 1, 2, 3]
        assert marks["current"] == [["X0", iy, ix], ["X1", iy, ix]]
    expected = {
        (f"Y{o}", iy * 2 + i, ix * 3 + j * 2) for o in outputs for i in range(3) for j in range(2)
    }
    assert {(grid, r, c) for grid, r, c, _ in marks["taps"]} == expected
    added = {(grid, r, c): badge for grid, r, c, badge in marks["taps"]}
    previous = torch_canvas(x, w, t, groups=2, order=order, **uncropped)
    for (grid, r, c), badge in added.items():
        o = int(grid[1:])
        assert shown(badge.lstrip("+")) == pytest.approx(
            canvas[o, r, c] - previous[o, r, c], abs=5e-3
        )


async def test_the_canvas_after_every_stamp_is_torchs_output_with_the_bias(client):
    x, w, b = tricky()
    out = torch_transposed(x, w, b, groups=2, **TRICKY_ARGS)
    for tab, last in (("scatter", x.size - 1), ("col2im", x[0].size - 1)):
        page = soup(await client.get(TRICKY + f"&tab={tab}&t={last}"))
        for o in range(4):
            canvas = _grid(page, f"Y{o}")
            assert_allclose(canvas[1 : 1 + out.shape[1], 2 : 2 + out.shape[2]] + b[o], out[o])
            assert_allclose(_grid(page, f"R{o}"), out[o], atol=1e-12)  # the method's output


async def test_a_step_sends_the_canvas_cells_that_changed(client):
    x, w, _ = tricky()
    args = {k: v for k, v in TRICKY_ARGS.items() if k != "padding"}
    for t, before in ((7, 6), (7, 2), (3, 9)):
        response = await client.get(TRICKY + f"&t={t}&shown={before}", headers=STEP)
        marks = json.loads(soup(response).select_one("#step-state")["data-marks"])
        now = torch_canvas(x, w, t + 1, groups=2, **args)
        then = torch_canvas(x, w, before + 1, groups=2, **args)
        changed = {(f"Y{o}", r, c) for o, r, c in np.argwhere(~np.isclose(now, then)).tolist()}
        sent = {(grid, r, c): float(value) for grid, r, c, _cls, value, _text in marks["values"]}
        assert changed <= set(sent)
        for (grid, r, c), value in sent.items():
            assert value == pytest.approx(now[int(grid[1:]), r, c], abs=1e-12)
    same = await client.get(TRICKY + "&t=4&shown=4", headers=STEP)
    assert "values" not in json.loads(soup(same).select_one("#step-state")["data-marks"])


async def test_zero_insert_grid_and_flipped_kernel_are_torchs(client):
    x, w, _ = tricky()
    page = soup(await client.get(TRICKY + "&tab=zero_insert&t=9"))
    # the zero-inserted, padded input built with torch: stride − 1 zeros between values,
    # dilation·(k − 1) − padding each side (negative crops), output_padding bottom/right
    spread = torch.zeros(2, (3 - 1) * 2 + 1, (4 - 1) * 3 + 1, dtype=torch.float64)
    spread[:, ::2, ::3] = torch.tensor(x)
    top, left = 1 * (3 - 1) - 1, 2 * (2 - 1) - 2
    framed = F.pad(spread, (left, left + 0, top, top + 1))
    for c in range(2):
        assert_allclose(_grid(page, f"Z{c}"), framed[c].numpy())
    inserted = _classes(page, "Z0", "ins")
    assert (1, 1) in inserted  # between rows 0 and 1 of the input
    flipped = torch.tensor(w).reshape(2, 1, 2, 3, 2).transpose(1, 2).flip(-1, -2)
    flipped = flipped.reshape(4, 1, 3, 2).numpy()
    for o in range(4):
        assert_allclose(_grid(page, f"F{o}-0"), flipped[o, 0])
    direct = F.conv2d(framed[None], torch.tensor(flipped), dilation=(1, 2), groups=2)[0]
    out = torch_transposed(x, w, None, groups=2, **TRICKY_ARGS)
    assert_allclose(direct.numpy(), out)


async def test_kt_is_the_transpose_of_the_conv2d_kernel_matrix(client):
    x = input_pattern("arange", (1, 4, 4))
    w = kernel_pattern("emboss", (1, 1, 3, 3))
    y = F.conv2d(torch.tensor(x)[None], torch.tensor(w))[0].numpy()  # (1, 2, 2)
    values = ",".join(str(int(v)) for v in y.ravel())
    page = soup(await client.get(f"{PAGE}?h=2&w=2&xp=custom&x={values}&kp=emboss&tab=kt&t=5"))
    rows = page.select("#kmatrix tbody tr")
    kt = np.array([[float(td["data-value"]) for td in row.select("td")] for row in rows])
    # K by torch: column j of K is the conv2d of the j-th unit input
    units = torch.eye(16, dtype=torch.float64).reshape(16, 1, 4, 4)
    k = F.conv2d(units, torch.tensor(w)).reshape(16, 4).numpy().T  # (4, 16)
    assert_allclose(kt, k.T)
    out = torch_transposed(y, w)
    assert_allclose(_grid(page, "Y0"), out[0])
    assert shown(page.select_one("#tabstep .product strong").get_text()) == out[0].ravel()[5]


# ---- presets -------------------------------------------------------------------------------------


async def _preset(client, index: int):
    page = soup(await client.get(PAGE))
    link = page.select(".presets li > a")[index]["href"]
    return link, soup(await client.get(link))


async def test_the_tutorials_preset_is_kt_of_the_conv2d(client):
    link, page = await _preset(client, 0)
    x = torch.arange(16, dtype=torch.float64).reshape(1, 1, 4, 4)
    w = torch.tensor(kernel_pattern("emboss", (1, 1, 3, 3)))
    y = F.conv2d(x, w)  # 4×4 → 2×2, the tutorial's shapes
    assert_allclose(_grid(page, "X0"), y[0, 0].numpy())
    assert_allclose(_grid(page, "Y0"), F.conv_transpose2d(y, w)[0, 0].numpy())
    conv2d = soup(await client.get(page.select(".presets li")[0].select("a")[1]["href"]))
    assert_allclose(_grid(conv2d, "Y0"), y[0, 0].numpy())  # the same numbers on both pages
    assert "tab=kt" in link


async def test_the_upsample_preset_interpolates(client):
    _, page = await _preset(client, 1)
    x = torch.arange(16, dtype=torch.float64).reshape(1, 1, 4, 4)
    ramp = torch.tensor([1.0, 3.0, 3.0, 1.0], dtype=torch.float64) / 4
    w = torch.outer(ramp, ramp)[None, None]
    out = F.conv_transpose2d(x, w, stride=2, padding=1)[0, 0]
    assert out.shape == (8, 8)
    assert_allclose(_grid(page, "K0-0"), w[0, 0].numpy())
    page = soup(await client.get(_with(page, tab="torch")))
    assert_allclose(_grid(page, "Y0"), out.numpy())
    assert "✓" in page.select_one("#verdict").get_text()


async def test_the_checkerboard_preset_counts_the_stamps(client):
    _, page = await _preset(client, 2)
    ones = torch.ones(1, 1, 4, 4, dtype=torch.float64)
    out = F.conv_transpose2d(ones, torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2)
    last = soup(await client.get(_with(page, t="15")))
    assert_allclose(_grid(last, "Y0"), out[0, 0].numpy())
    assert_allclose(_grid(last, "counts"), out[0, 0].numpy())  # ones: the output is the count
    assert set(out[0, 0].numpy().ravel()) == {1.0, 2.0, 4.0}
    assert "checkerboard" in last.select_one("#tabpanel").get_text()


async def test_the_gradient_preset_is_torchs_autograd(client):
    _, page = await _preset(client, 3)
    x = torch.arange(25, dtype=torch.float64).reshape(1, 1, 5, 5).requires_grad_()
    w = torch.tensor(kernel_pattern("sobel_x", (1, 1, 3, 3)))
    F.conv2d(x, w, stride=2, padding=1).sum().backward()
    page = soup(await client.get(_with(page, tab="kt")))
    assert_allclose(_grid(page, "Y0"), x.grad[0, 0].numpy())
    presets = soup(await client.get(PAGE)).select(".presets li")
    conv2d = soup(await client.get(presets[3].select("a")[1]["href"]))
    assert len(conv2d.select("#X0 td input")) == 25  # its conv2d takes the output's shape


def _with(page, **changes) -> str:
    """The page's step URL with other fields."""
    url = page.select_one("#stepper")["data-step-url"]
    parts = dict(parse_qsl(urlsplit(url).query))
    parts.pop("t", None)
    parts |= changes
    return PAGE + "?" + "&".join(f"{k}={v}" for k, v in parts.items())


# ---- links both ways --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "conv2d",
    [
        "/conv2d?h=4&w=4&kp=emboss&tab=kmatrix",
        "/conv2d?h=7&w=6&xp=random&seed=3&kp=random&kh=3&kw=2&sh=2&sw=3&ph=1&dh=1&dw=2",
        "/conv2d?h=6&w=6&ci=2&co=4&groups=2&kp=random&kh=2&kw=2&sh=2&sw=2&tab=im2col",
        "/conv2d?h=5&w=5&xp=custom&x="
        + ",".join(str(i % 7 - 3) for i in range(25))
        + "&kp=sobel_y&flip=1",
    ],
)
async def test_a_conv2d_links_to_its_transpose_and_back(client, conv2d):
    first = soup(await client.get(conv2d))
    fields = dict(parse_qsl(urlsplit(conv2d).query))
    link = first.select_one("#transpose-link")["href"]
    there = soup(await client.get(link + "&tab=torch"))
    # its input is the conv2d's output
    ys = np.stack([_grid(first, t["id"]) for t in first.select("table.grid.output")])
    assert_allclose(np.stack([_grid(there, f"X{c}") for c in range(len(ys))]), ys)
    # its weight is the conv2d's (rotated when the conv2d computes a true convolution)
    kernels = [t["id"] for t in first.select("table.kernel")]
    weights = np.stack([_grid(first, k) for k in kernels])
    if "flip" in fields:
        weights = weights[..., ::-1, ::-1]
    assert_allclose(np.stack([_grid(there, k) for k in kernels]), weights)
    # its output has the conv2d's input shape
    outputs = there.select("table.grid.output")
    assert len(outputs) == int(fields.get("ci", 1))
    shape = (int(fields["h"]), int(fields["w"]))
    assert all(_grid(there, t["id"]).shape == shape for t in outputs)
    assert "✓" in there.select_one("#verdict").get_text()
    # and back again: the conv2d it came from, on the same tab
    step_url = first.select_one("#stepper")["data-step-url"]
    canonical = re.sub(r"[?&]t=T$", "", step_url)
    back = soup(await client.get(link)).select_one("#forward-link")["href"]
    if "flip" not in fields:
        assert back == canonical
    else:  # the same convolution, its kernel written out rotated instead of flipped
        again = soup(await client.get(back))
        assert "kp=custom" in back
        for table in first.select("table.grid.output"):
            assert_allclose(_grid(again, table["id"]), _grid(first, table["id"]))


async def test_no_link_where_the_transpose_is_no_conv_transpose2d(client):
    page = soup(await client.get("/conv2d?h=5&w=5&ph=1&pw=1&mode=reflect"))
    assert page.select_one("#transpose-link") is None
    assert "zeros" in page.select_one(".panel-output .related").get_text()


# ---- messages next to their controls ------------------------------------------------------------


async def test_invalid_configurations_say_what_to_change_next_to_the_control(client):
    page = soup(await client.get(PAGE + "?sh=2&sw=2&oph=2"))
    assert "at most 1" in page.select_one("#err-output_padding").get_text()
    assert page.select_one("#f-oph")["aria-invalid"] == "true"
    page = soup(await client.get(PAGE + "?ci=4&co=3&groups=2"))
    groups = page.select_one("#err-groups").get_text()
    assert "Groups (2) must divide the 3 output channels" in groups
    page = soup(await client.get(PAGE + "?ci=3&co=4&groups=2"))
    groups = page.select_one("#err-groups").get_text()
    assert "Groups (2) must divide the 3 input channels" in groups
    page = soup(await client.get(PAGE + "?h=1&w=1&kp=random&kh=1&kw=1&ph=1"))
    text = page.select_one("#err-padding").get_text()
    assert "at most 0" in text
    assert "crops the whole output" in text
    page = soup(await client.get(PAGE + "?h=16&w=16&kp=random&kh=7&kw=7&sh=4&sw=4"))
    assert "at most 40×40" in page.select_one("#message").get_text()
    assert page.select_one("#board") is None
    partial = await client.get(PAGE + "?sh=2&oph=3", headers=HX)
    assert "at most 1" in soup(partial).select_one("#err-output_padding").get_text()


async def test_the_chinese_page(client):
    page = soup(await client.get(PAGE + "?lang=zh&sh=2&oph=2"))
    assert page.select_one("header nav a[aria-current=page]").get_text(strip=True) == "转置卷积"
    legends = [legend.get_text(strip=True) for legend in page.select("form#controls legend")]
    assert legends == ["输入", "卷积核", "步幅与填充"]
    assert "输出填充必须小于步幅或空洞" in page.select_one("#err-output_padding").get_text()
    ok = soup(await client.get(PAGE + "?lang=zh"))
    assert ok.select_one("#step-count").get_text(strip=True) == "第 1 步，共 9 步"


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize(
    "query",
    [
        "",
        HEAVY.split("?", 1)[1],
        TRICKY.split("?", 1)[1] + "&present=1&lang=zh",
        "h=1&w=1&kp=random&kh=1&kw=1&bias=1",
        "sh=2&oph=2",
        "kp=custom&kp0=custom&ks=1,1,2,2&k=1&k=&k=3&k=4",
        "shown=abc&t=99999",
        "fxp=custom&fx=1,2,3",
    ],
)
async def test_every_tab_answers_every_way(client, tab, query):
    for headers in ({}, HX, STEP):
        response = await client.get(f"{PAGE}?{query}&tab={tab}&t=5", headers=headers)
        assert response.status_code == 200, (headers, response.text[-500:])
