"""The conv2d page: full page, board and step, and every number it shows against torch."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from app.pages.format import short
from convcore.patterns import input_pattern
from tests.pages.conftest import shown, soup, torch_conv, torch_pad

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}

# a strided, padded, dilated, reflect-padded configuration with a typed kernel and a bias
TRICKY = (
    "/?h=5&w=6&xp=random&seed=3&kp=custom&kh=3&kw=2&k=1,-2,0.5,3,0,-1"
    "&sh=2&sw=1&ph=2&pw=1&dh=2&dw=2&mode=reflect&bias=1&b=0.25"
)
TRICKY_X = input_pattern("random", (1, 5, 6), 3)
TRICKY_W = np.array([1, -2, 0.5, 3, 0, -1.0]).reshape(1, 1, 3, 2)


def _values(cells) -> list[float]:
    return [_value(td) for td in cells]


def _value(td) -> float:
    """A cell's exact value: its field's, or its data-value."""
    field = td.find("input")
    return float(field["value"] if field is not None else td["data-value"])


def _out_grid(page, channel=0):
    return page.select(f"table.grid.output[data-channel='{channel}'] td")


def _computed(page, channel=0):
    return [td for td in _out_grid(page, channel) if "todo" not in td["class"]]


def _position(td) -> tuple[int, int]:
    """(row, column) of a cell in its table."""
    row = td.find_parent("tr")
    rows = row.find_parent("table").find_all("tr")
    return rows.index(row), row.find_all("td").index(td)


def _taps(page, grid="X0") -> list[tuple[int, int]]:
    return [_position(td) for td in page.select(f"#{grid} td.tap")]


async def test_full_page_and_partial(client):
    full = await client.get("/conv2d")
    assert full.text.lstrip().lower().startswith("<!doctype html>")
    page = soup(full)
    assert page.select_one("html main#stepper form#controls")
    assert page.select_one("script[src$='htmx-2.0.11.min.js']")
    assert full.headers["vary"].startswith("HX-Request, X-Part")
    part = await client.get("/conv2d?t=2", headers=HX)
    assert part.text.lstrip().startswith('<main id="stepper"')
    assert 'hx-swap-oob="outerHTML"' in part.text.split(">", 1)[0]
    assert "<html" not in part.text
    assert "<head" not in part.text
    assert part.headers["hx-push-url"] == "/conv2d?t=2"
    restore = await client.get("/conv2d?t=2", headers={**HX, "HX-History-Restore-Request": "true"})
    assert restore.text.lstrip().lower().startswith("<!doctype html>")


async def test_static_files_are_vendored_and_small(client):
    page = soup(await client.get("/"))
    total = 0
    for ref in [s["src"] for s in page.select("script[src]")] + [
        link["href"] for link in page.select("link[rel=stylesheet]")
    ]:
        assert ref.startswith("/static/"), ref  # no CDN
        response = await client.get(ref)
        assert response.status_code == 200, ref
        total += len(response.content)
    assert total < 100_000


async def test_default_is_the_tutorials_example(client):
    page = soup(await client.get("/"))
    assert _values(_computed(page)) == [19.0]  # only the first cell is computed at step 0
    arith = page.select_one("#arith")
    terms = [t.get_text() for t in arith.select(".term")]
    assert terms == ["0×0", "1×1", "3×2", "4×3"]
    assert shown(arith.select_one(".result").get_text()) == 19
    last = soup(await client.get("/?t=3"))
    assert_allclose(_values(_computed(last)), [19, 25, 37, 43])
    # the old home address and the page's own show the same view
    assert (await client.get("/?t=3")).text == (await client.get("/conv2d?t=3")).text


@pytest.mark.parametrize("t", [0, 4, 13])
async def test_tricky_step_matches_torch(client, t):
    page = soup(await client.get(TRICKY + f"&t={t}"))
    out = torch_conv(TRICKY_X, TRICKY_W, [0.25], (2, 1), (2, 1), (2, 2), mode="reflect")
    _, oh, ow = out.shape
    oy, ox = divmod(t, ow)
    # output grid: every value is torch's; steps after t are marked to come, t is marked
    cells = _out_grid(page)
    assert len(cells) == oh * ow
    for number, td in enumerate(cells):
        value = out[0, number // ow, number % ow]
        assert ("todo" in td["class"]) == (number > t)
        assert ("cur" in td["class"]) == (number == t)
        assert float(td["data-value"]) == pytest.approx(value, abs=1e-12)
        assert td.select_one(".v").get_text() == short(value)
    current = page.select_one("table.output td.cur")
    assert _position(current) == (oy, ox)
    # taps: where the strided, dilated window sits, the values torch pads in, their weights
    padded = torch_pad(TRICKY_X, 2, 1, "reflect")[0]
    expected = [(oy * 2 + i * 2, ox * 1 + j * 2) for i in range(3) for j in range(2)]
    taps = page.select("#X0 td.tap")
    assert sorted(_position(td) for td in taps) == sorted(expected)
    by_place = {_position(td): td for td in taps}
    assert_allclose([_value(by_place[rc]) for rc in expected], [padded[r, c] for r, c in expected])
    assert [by_place[rc]["data-w"] for rc in expected] == [short(w) for w in TRICKY_W.ravel()]
    # the marks a step sends say the same
    marks = json.loads(page.select_one("#step-state")["data-marks"])
    assert sorted((r, c) for grid, r, c, _ in marks["taps"]) == sorted(expected)
    assert marks["current"] == [["Y0", oy, ox]]
    # the arithmetic line
    arith = page.select_one("#arith")
    assert shown(arith.select_one(".result").get_text()) == pytest.approx(out[0, oy, ox], rel=1e-3)
    assert float(arith["data-result"]) == pytest.approx(out[0, oy, ox], abs=1e-12)
    assert float(arith.select_one(".bias")["data-value"]) == 0.25


async def test_padding_cells_name_the_cell_they_copy(client):
    page = soup(await client.get(TRICKY))
    padded = torch_pad(TRICKY_X, 2, 1, "reflect")[0]
    pads = page.select("table.input td.pad")
    assert len(pads) == padded.size - TRICKY_X[0].size
    for td in pads:
        r, c = _position(td)
        assert float(td["data-value"]) == padded[r, c]
        sy, sx = map(int, re.findall(r"\d+", td["data-from"]))
        assert TRICKY_X[0, sy, sx] == padded[r, c]  # it copies a cell holding its value
        assert td["data-from"] in td["aria-label"]
    zeros = soup(await client.get("/?ph=1&pw=1"))
    assert all(
        float(td["data-value"]) == 0 and not td.has_attr("data-from")
        for td in zeros.select("table.input td.pad")
    )


async def test_dilation_gaps_are_marked(client):
    page = soup(await client.get("/?h=5&w=5&kp=random&kh=2&kw=2&dh=3&dw=2"))
    gaps = {_position(td) for td in page.select("table.input td.gap")}
    # window at the origin: taps at rows {0, 3} and columns {0, 2}; the cells between are gaps
    taps = {(r, c) for r in (0, 3) for c in (0, 2)}
    span = {(r, c) for r in range(4) for c in range(3)}
    assert gaps == span - taps


async def test_shape_line_substitutes_the_values(client):
    page = soup(await client.get(TRICKY))
    lines = [li.get_text(" ", strip=True) for li in page.select("#board > .shape-lines li")]
    out = torch_conv(TRICKY_X, TRICKY_W, None, (2, 1), (2, 1), (2, 2), mode="reflect")
    assert lines[0].endswith(f"= {out.shape[1]}")
    assert "(5 + 2·2 − 2·(3 − 1) − 1) / 2" in lines[0]
    assert lines[1].endswith(f"= {out.shape[2]}")


async def test_channels_groups_and_flip(client):
    url = (
        "/?h=4&w=4&ci=4&co=2&groups=2&xp=random&seed=1&kp=random&kh=2&kw=2&flip=1"
        "&sh=1&sw=2&ph=1&pw=0&t=7"
    )
    page = soup(await client.get(url))
    x = input_pattern("random", (4, 4, 4), 1)
    kernel = np.array(_values(page.select("table.kernel td"))).reshape(2, 2, 2, 2)
    out = torch_conv(x, kernel[..., ::-1, ::-1].copy(), None, (1, 2), (1, 0), 1, groups=2)
    assert len(page.select("table.grid.input")) == 4
    assert len(page.select("table.kernel")) == 4
    for channel in range(2):
        cells = _computed(page, channel)
        assert_allclose(_values(cells), out[channel].ravel()[: len(cells)])
    # step 7 is in output channel 0's last rows or channel 1: its group's inputs are active
    _, oh, ow = out.shape
    channel = 7 // (oh * ow)
    active = [int(t["data-channel"]) for t in page.select("table.grid.input.active")]
    assert active == [2 * channel, 2 * channel + 1]
    kernels = [(int(t["data-out"]), int(t["data-in"])) for t in page.select("table.kernel.active")]
    assert kernels == [(channel, 0), (channel, 1)]


@pytest.mark.parametrize("mode", ["zeros", "circular", "replicate"])
async def test_im2col_tab(client, mode):
    url = f"/?h=4&w=5&kp=sobel_x&sh=2&ph=1&pw=1&mode={mode}&tab=im2col&t=3"
    page = soup(await client.get(url))
    x = input_pattern("arange", (1, 4, 5))
    padded = torch.tensor(torch_pad(x, 1, 1, mode))[None]
    unfolded = F.unfold(padded, 3, stride=(2, 1))[0].numpy()  # (9, L)
    table = page.select_one("#im2col")
    columns = [int(th.get_text()) for th in table.select("thead th")[1:]]
    rows = [[float(td["data-value"]) for td in tr.select("td")] for tr in table.select("tbody tr")]
    assert_allclose(rows, unfolded[:, columns])
    # the whole matrix stays; the step marks its column 3 (the 5th child: after the row head)
    marks = json.loads(page.select_one("#tabstep .tab-marks")["data-marks"])
    assert ["#im2col tr>:nth-child(5)", "cur"] in marks
    weights = _values(page.select("#im2col-weights td"))
    assert_allclose(weights, [-1, 0, 1, -2, 0, 2, -1, 0, 1])
    out = torch_conv(x, np.array(weights).reshape(1, 1, 3, 3), None, (2, 1), (1, 1), mode=mode)
    assert shown(page.select_one(".product strong").get_text()) == pytest.approx(
        out.ravel()[3], rel=1e-3
    )


async def test_kernel_matrix_tab(client):
    page = soup(await client.get("/?h=4&w=4&kp=random&kh=3&kw=2&sh=1&sw=2&pw=1&tab=kmatrix&t=4"))
    rows = page.select("#kmatrix tbody tr")
    matrix = np.array([_values(tr.select("td")) for tr in rows])
    x_flat = np.array(_values(page.select("#xflat td")))
    kernel = np.array(_values(page.select("table.kernel td"))).reshape(1, 1, 3, 2)
    out = torch_conv(x_flat.reshape(1, 4, 4), kernel, None, (1, 2), (0, 1))
    assert_allclose(matrix @ x_flat, out.ravel())  # K·x is the convolution
    marks = json.loads(page.select_one("#tabstep .tab-marks")["data-marks"])
    assert marks == [["#kmatrix tbody tr:nth-child(5)", "current"]]


async def test_kernel_matrix_tab_large_shows_the_row_as_the_input(client):
    page = soup(await client.get("/?h=12&w=12&kp=random&kh=3&kw=3&tab=kmatrix&t=13"))
    assert page.select_one("#kmatrix") is None
    row = np.array(_values(page.select("table.krow td"))).reshape(12, 12)
    kernel = np.array(_values(page.select("table.kernel td"))).reshape(3, 3)
    # output (1, 3) of a 10-wide output: the kernel sits at rows 1..3, columns 3..5
    expected = np.zeros((12, 12))
    expected[1:4, 3:6] = kernel
    assert_allclose(row, expected)


async def test_pytorch_tab(client):
    page = soup(await client.get(TRICKY + "&tab=torch"))
    out = torch_conv(TRICKY_X, TRICKY_W, [0.25], (2, 1), (2, 1), (2, 2), mode="reflect")
    assert_allclose(_values(page.select("table.torch-out td")), out.ravel())
    assert "✓" in page.select_one("#verdict").get_text()
    code = page.select_one("#torch-code").get_text()
    assert "mode='reflect'" in code
    assert "dilation=(2, 2)" in code
    namespace = {
        "torch": torch,
        "F": F,
        "x": torch.tensor(TRICKY_X[0]),
        "w": torch.tensor(TRICKY_W[0, 0]),
        "b": torch.tensor([0.25], dtype=torch.float64),
    }
    exec(code, namespace)  # the shown code computes the shown output
    assert_allclose(namespace["out"].numpy(), out[0])


async def test_pytorch_tab_shows_a_disagreement(client, monkeypatch):
    # a torch answer off by 0.5 in one cell: the verdict must turn, and quote the gap
    from convcore import reference

    real = reference.conv2d

    def off(*args, **kwargs):
        out = np.array(real(*args, **kwargs))
        out.reshape(-1)[-1] += 0.5
        return out

    monkeypatch.setattr(reference, "conv2d", off)
    verdict = soup(await client.get(TRICKY + "&tab=torch")).select_one("#verdict")
    assert "✗" in verdict.get_text()
    assert float(verdict.select_one("[data-value]")["data-value"]) == pytest.approx(0.5)


async def test_editing_a_kernel_cell(client):
    # what the form sends when a cell of the preset kernel is edited (hx-vals sets kp=custom)
    query = "kp0=tutorial_2x2&ks=1,1,2,2&k=0&k=1&k=2&k=10&xs=1,3,3&kp=custom&t=0"
    response = await client.get("/conv2d?" + query, headers=HX)
    assert response.headers["hx-push-url"] == "/conv2d?kp=custom&kh=2&kw=2&k=0,1,2,10"
    page = soup(response)
    assert _values(_computed(page)) == [0 * 0 + 1 * 1 + 3 * 2 + 4 * 10]


async def test_resizing_keeps_typed_values(client):
    page = soup(await client.get("/?kp=custom&kp0=custom&kh=3&kw=2&ks=1,1,2,2&k=1,2,3,4"))
    assert _values(page.select("table.kernel td")) == [1, 2, 3, 4, 0, 0]
    preset = soup(await client.get("/?kp=sobel_x&kp0=sobel_x&kh=2&kw=3"))
    assert preset.select_one("#f-kp option[selected]")["value"] == "custom"
    assert _values(preset.select("table.kernel td")) == [-1, 0, 1, -2, 0, 2]
    chosen = soup(await client.get("/?kp=sobel_x&kp0=tutorial_2x2&kh=2&kw=2"))
    assert _values(chosen.select("table.kernel td")) == [-1, 0, 1, -2, 0, 2, -1, 0, 1]


async def test_step_links_and_canonical_urls(client):
    page = soup(await client.get(TRICKY + "&t=4"))
    links = {a["data-step"]: a.get("href") for a in page.select("[data-step]")}
    count = torch_conv(TRICKY_X, TRICKY_W, None, (2, 1), (2, 1), (2, 2), mode="reflect").size
    for kind, t in {"first": 0, "prev": 3, "next": 5, "last": count - 1}.items():
        query = dict(parse_qsl(urlsplit(links[kind]).query))
        assert int(query.get("t", 0)) == t
        assert query["k"] == "1,-2,0.5,3,0,-1"
        assert query["mode"] == "reflect"
    first = soup(await client.get(links["first"]))
    assert first.select_one("[data-step=prev]")["aria-disabled"] == "true"
    assert first.select_one("[data-step=first]")["aria-disabled"] == "true"
    assert first.select_one("[data-step=next]").get("aria-disabled") is None
    assert page.select_one("#scrub")["max"] == str(count - 1)


async def test_step_beyond_the_end_is_clamped(client):
    page = soup(await client.get("/?t=99"))
    assert page.select_one("#scrub")["value"] == "3"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("h=2&w=2&kp=sobel_x", "kernel_too_big"),
        ("kp=random&kh=3&kw=3&dh=3", "kernel_too_big"),
        ("ph=3&mode=reflect", "reflect_too_wide"),
        ("ph=4&mode=circular", "circular_too_wide"),
        ("pad=same&sh=2", "same_stride"),
        ("ci=3&groups=2", "groups_in"),
        ("ci=2&co=3&groups=2", "groups_out"),
    ],
)
async def test_invalid_configurations_say_what_to_change(client, query, code):
    page = soup(await client.get("/?" + query))
    assert page.select_one(f".advice[data-code={code}]")
    assert page.select_one("table.grid") is None  # nothing half-computed
    assert page.select_one("form#controls")  # the form stays usable
    partial = await client.get("/conv2d?" + query, headers=HX)
    assert partial.headers["hx-reswap"] == "none"
    assert 'id="stepper"' not in partial.text  # the last good views stay on screen
    assert 'id="message" hx-swap-oob="innerHTML"' in partial.text


async def test_out_of_range_fields(client):
    page = soup(await client.get("/?h=99&kh=0&k=abc&mode=mirror"))
    # each message next to its control, the value as typed kept in the field
    assert "from 1 to 16" in page.select_one("#err-size").get_text()
    assert "from 1 to 7" in page.select_one("#err-ksize").get_text()
    box = page.select_one("#message").get_text(" ", strip=True)
    assert "kernel values" in box
    assert "type a number" in box
    assert "mirror" in page.select_one("#err-padding_mode").get_text()
    assert page.select_one("#f-h")["value"] == "99"
    assert page.select_one("#f-h")["aria-invalid"] == "true"
    assert page.select_one("#f-kh")["value"] == "0"
    partial = await client.get("/conv2d?h=99", headers=HX)
    assert partial.headers["hx-push-url"] == "false"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "h",
                    "w",
                    "ci",
                    "co",
                    "groups",
                    "kh",
                    "kw",
                    "sh",
                    "sw",
                    "ph",
                    "pw",
                    "dh",
                    "dw",
                    "pad",
                    "mode",
                    "xp",
                    "kp",
                    "kp0",
                    "k",
                    "x",
                    "ks",
                    "xs",
                    "b",
                    "bias",
                    "flip",
                    "tab",
                    "t",
                    "seed",
                    "lang",
                ]
            ),
            st.one_of(
                st.integers(-3, 20).map(str),
                st.sampled_from(
                    [
                        "same",
                        "valid",
                        "reflect",
                        "circular",
                        "random",
                        "custom",
                        "sobel_x",
                        "1,2",
                        "",
                        "nan",
                        "1e400",
                        "patch",
                        "im2col",
                        "kmatrix",
                        "torch",
                        "zh",
                        "1,1,2,2",
                    ]
                ),
            ),
        ),
        max_size=8,
    )
)
def test_no_query_breaks_the_page(app, items):
    import asyncio

    import httpx

    async def fetch():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/", params=items)

    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text[:500]


async def test_loop_tab_with_groups_names_the_input_channels(client):
    # 4 inputs, 2 outputs, 2 groups: step 13 of 2·3·3 is output channel 1, group 1,
    # which reads input channels 2 and 3
    url = "/?h=5&w=5&ci=4&co=2&groups=2&xp=random&seed=4&kp=random&t=13&bias=1"
    page = soup(await client.get(url))
    code = page.select_one(".tabpanel pre").get_text()
    assert "o = 1" in code
    assert "input channels 2 to 3" in code
    assert "x_pad[g*2 + c," in code
    assert "+ b[o]" in code
    x = input_pattern("random", (4, 5, 5), 4)
    rows = page.select("table.taps tbody tr")
    assert len(rows) == 2 * 3 * 3
    for tr in rows:
        cells = [td.get_text() for td in tr.select("td")]
        c = int(cells[1].split(", ")[0])
        channel, r, col = (int(v) for v in cells[2].split(", "))
        assert channel == 2 + c  # the weight's c counts within group 1
        assert shown(cells[4]) == x[channel, r, col]  # no padding: padded cell = input cell


async def test_kernel_too_big_advice_reads_as_sentences(client):
    page = soup(await client.get("/?h=3&w=3&kp=random&kh=5&kw=5"))
    advice = page.select_one("#message .advice[data-code=kernel_too_big]")
    assert advice is not None
    text = " ".join(advice.get_text().split())
    assert "only 3. Pad at least 1 on each side" in text
    lowered = soup(await client.get("/?h=3&w=3&kp=random&kh=3&kw=3&dh=2"))
    text = " ".join(lowered.select_one("#message .advice").get_text().split())
    assert "Lower the dilation to 1, pad at least 1 on each side, or use a smaller kernel." in text
