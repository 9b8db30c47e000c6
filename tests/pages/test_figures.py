"""The pages' figures: ``/<op>/animation.gif`` (one frame per step) and ``/<op>/step.png``.

Frame counts are checked against the number of values torch computes (or, for the
transposed page's stamps, the input values), the window's place and the numbers drawn
against torch's padding and output, never against the figure's own code: the expected
cells are drawn with the figure's tile painter (the drawing of one cell is the design) and
must be found where stride and dilation put them.
"""

from __future__ import annotations

import io
import re

import httpx
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageOps

from app.figures import fonts
from app.figures.draw import LINE_FONT
from app.figures.layout import MAX_CELL, MAX_HEIGHT, MAX_WIDTH, MIN_WIDTH, TITLE_FONT
from app.figures.style import INK, WINDOW, palette
from app.figures.tiles import Look, draw_cell
from app.main import create_app
from app.pages.format import short
from app.settings import Settings
from convcore.patterns import input_pattern, kernel_pattern

pytestmark = pytest.mark.anyio


def _client(settings: Settings | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def _get(path: str, settings: Settings | None = None) -> httpx.Response:
    async with _client(settings) as client:
        return await client.get(path)


def _image(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text[:2000]
    return Image.open(io.BytesIO(response.content))


# (page query, torch's number of steps): the values each page steps over
CONV = "h=5&w=5&kp=random&kh=3&kw=3&sh=2&sw=2&ph=1&pw=1&dh=2&dw=2&mode=reflect&xp=random"
GROUPS = "h=4&w=4&ci=2&co=2&groups=2&kp=random&kh=2&kw=2&xp=random&seed=3"
CASES = [
    ("conv2d", "", lambda: F.conv2d(torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 2, 2))),
    (
        "conv2d",
        CONV,
        lambda: F.conv2d(
            F.pad(torch.zeros(1, 1, 5, 5), (1, 1, 1, 1), mode="reflect"),
            torch.zeros(1, 1, 3, 3),
            stride=2,
            dilation=2,
        ),
    ),
    (
        "conv2d",
        GROUPS,
        lambda: F.conv2d(torch.zeros(1, 2, 4, 4), torch.zeros(2, 1, 2, 2), groups=2),
    ),
    ("max_pool2d", "ph=1&pw=1", lambda: F.max_pool2d(torch.zeros(1, 1, 4, 4), 2, padding=1)),
    (
        "avg_pool2d",
        "h=5&w=5&kh=2&kw=2&ceil=1",
        lambda: F.avg_pool2d(torch.zeros(1, 1, 5, 5), 2, ceil_mode=True),
    ),
    # the scatter view: a step per input value (2 channels of 3×3)
    ("conv_transpose2d", "h=3&w=3&ci=2&sh=2&sw=2", lambda: torch.zeros(2, 3, 3)),
    # the Zero insert tab: a step per output value
    (
        "conv_transpose2d",
        "h=3&w=3&sh=2&sw=2&tab=zero_insert",
        lambda: F.conv_transpose2d(torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 2, 2), stride=2),
    ),
]


@pytest.mark.parametrize(("op", "query", "values"), CASES)
async def test_a_gif_has_a_frame_per_step(op, query, values):
    response = await _get(f"/{op}/animation.gif?{query}")
    image = _image(response)
    assert response.headers["content-type"] == "image/gif"
    assert image.format == "GIF"
    assert image.n_frames == values().numel()
    assert image.size[0] <= MAX_WIDTH
    assert image.size[1] <= MAX_HEIGHT


@pytest.mark.parametrize(("op", "query", "values"), CASES)
async def test_a_png_is_one_step(op, query, values):
    response = await _get(f"/{op}/step.png?{query}&t=1")
    image = _image(response)
    assert response.headers["content-type"] == "image/png"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert re.search(rf'filename="{op}[^"]*_step-2\.png"', disposition), disposition
    assert image.size[0] <= MAX_WIDTH
    assert image.size[1] <= MAX_HEIGHT


async def test_headers_of_an_export():
    response = await _get("/max_pool2d/animation.gif?ph=1&pw=1&sh=2&sw=2")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=3600"
    name = response.headers["content-disposition"]
    assert name == 'attachment; filename="max_pool2d_sh-2_sw-2_ph-1_pw-1.gif"'
    assert "default-src 'self'" in response.headers["content-security-policy"]


def _find(image: np.ndarray, tile: np.ndarray) -> list[tuple[int, int]]:
    """Every (x, y) where ``tile`` appears exactly in ``image``."""
    th, tw = tile.shape[:2]
    ys, xs = np.nonzero(np.all(image[: -th + 1, : -tw + 1] == tile[0, 0], axis=-1))
    return [
        (int(x), int(y))
        for y, x in zip(ys, xs, strict=True)
        if np.array_equal(image[y : y + th, x : x + tw], tile)
    ]


def _tile(look: Look, size: int = MAX_CELL) -> np.ndarray:
    return np.asarray(draw_cell(look, size).convert("RGB"))


async def test_the_window_sits_where_stride_and_dilation_put_it():
    # 5×5 random input, reflect padding 1, a 3×3 kernel dilated by 2, stride 2: step 3 is
    # output (1, 1), whose window starts at padded (2, 2) and reads every other cell
    x = input_pattern("random", (1, 5, 5), 0)[0]
    w = kernel_pattern("random", (1, 1, 3, 3), 0)[0, 0]
    padded = F.pad(torch.tensor(x)[None, None], (1, 1, 1, 1), mode="reflect")[0, 0].numpy()
    out = F.conv2d(
        torch.tensor(padded)[None, None], torch.tensor(w)[None, None], stride=2, dilation=2
    )[0, 0].numpy()
    t, (oy, ox) = 3, (1, 1)
    image = np.asarray(_image(await _get(f"/conv2d/step.png?{CONV}&t={t}")).convert("RGB"))
    spots = {}
    for i in range(3):
        for j in range(3):
            r, c = oy * 2 + i * 2, ox * 2 + j * 2
            inside = 1 <= r <= 5 and 1 <= c <= 5
            look = Look("in" if inside else "pad", "", "tap", short(padded[r, c]), short(w[i, j]))
            found = _find(image, _tile(look))
            assert found, f"tap ({i}, {j}) with value {padded[r, c]} and weight {w[i, j]}"
            spots[(i, j)] = found
    # one placement of the first tap puts every other tap at its dilated offset
    cell = MAX_CELL
    assert any(
        all(
            (x0 + 2 * j * cell, y0 + 2 * i * cell) in spots[(i, j)]
            for i in range(3)
            for j in range(3)
        )
        for x0, y0 in spots[(0, 0)]
    )
    # the cells between the taps (skipped by dilation) are not the window's colour
    x0, y0 = next((x0, y0) for x0, y0 in spots[(0, 0)] if (x0 + 2 * cell, y0) in spots[(0, 1)])
    between = image[y0 : y0 + cell, x0 + cell : x0 + 2 * cell]
    tap = image[y0 : y0 + cell, x0 : x0 + cell]
    assert np.mean(np.all(tap == WINDOW, axis=-1)) > 0.5
    assert np.mean(np.all(between == WINDOW, axis=-1)) < 0.3
    # the output cell of the step shows torch's value; the next one waits
    current = _tile(Look("out", "done", "cur", short(out[oy, ox])))
    assert len(_find(image, current)) == 1
    done = _tile(Look("out", "done", "", short(out[0, 0])))
    assert _find(image, done)


async def test_max_pooling_marks_the_maximum_and_shows_minus_infinity_padding():
    # the tutorial's 4×4 input 0…15 with a 3×3 window, padding 1, stride 2: the first
    # window's maximum is 5, at padded (2, 2); its corner is −∞ padding
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    out = F.max_pool2d(x, 3, stride=2, padding=1)[0, 0]
    image = np.asarray(
        _image(await _get("/max_pool2d/step.png?kh=3&kw=3&sh=2&sw=2&ph=1&pw=1")).convert("RGB")
    )
    assert len(_find(image, _tile(Look("in", "", "win", short(float(out[0, 0])))))) == 1
    assert _find(image, _tile(Look("pad", "", "tap", "−∞")))
    assert len(_find(image, _tile(Look("out", "done", "cur", short(float(out[0, 0])))))) == 1


async def test_groups_draw_every_channel_and_kernel():
    image = np.asarray(_image(await _get(f"/conv2d/step.png?{GROUPS}&t=9")).convert("RGB"))
    # step 9 is output channel 1: its kernel w[1, 0] is the window's colour, w[0, 0] is not
    w = kernel_pattern("random", (2, 1, 2, 2), 3)
    for i in range(2):
        for j in range(2):
            assert _find(image, _tile(Look("ker", "on", "", short(w[1, 0, i, j]))))
            assert _find(image, _tile(Look("ker", "off", "", short(w[0, 0, i, j]))))


async def test_frames_past_the_cap_get_a_422_naming_the_limit():
    settings = Settings(max_export_frames=3)
    response = await _get("/conv2d/animation.gif", settings)  # 4 steps
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "4 steps" in response.text
    assert "at most 3 frames" in response.text
    assert "CONVPLAY_MAX_EXPORT_FRAMES" in response.text
    assert 'id="export-back"' in response.text
    # one step is still a PNG
    assert (await _get("/conv2d/step.png", settings)).status_code == 200
    zh = await _get("/conv2d/animation.gif?lang=zh", settings)
    assert zh.status_code == 422
    assert "这个配置有 4 步" in zh.text


async def test_a_figure_past_the_pixel_limit_gets_a_422():
    settings = Settings(max_figure_pixels=10_000)
    response = await _get("/conv2d/step.png?h=16&w=16", settings)
    assert response.status_code == 422
    assert "CONVPLAY_MAX_FIGURE_PIXELS" in response.text


async def test_cells_shrink_to_fit_the_pixel_limit():
    big = _image(await _get("/conv2d/step.png?h=16&w=16&kh=3&kw=3&kp=random"))
    small = _image(
        await _get(
            "/conv2d/step.png?h=16&w=16&kh=3&kw=3&kp=random", Settings(max_figure_pixels=400_000)
        )
    )
    assert small.size[0] * small.size[1] <= 400_000
    assert small.size[0] < big.size[0]


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/conv2d/animation.gif?sh=0", "out of range"),
        ("/conv2d/step.png?h=99", "out of range"),
        ("/conv2d/step.png?xp=bogus", "not one of the choices"),
        ("/conv2d/step.png?ci=2&co=3&groups=2", "Groups (2) must divide"),
        ("/conv2d/step.png?h=3&w=3&kh=5&kw=5&kp=random", "Pad at least"),
        ("/max_pool2d/animation.gif?kh=2&kw=2&ph=2&pw=2", "padding"),
        ("/conv_transpose2d/step.png?oph=3", "Output padding"),
        ("/avg_pool2d/step.png?t=abc", "whole number"),
    ],
)
async def test_an_invalid_query_gets_a_422_with_the_pages_message(path, words):
    response = await _get(path)
    assert response.status_code == 422, response.text[:500]
    assert words in response.text


def _text_crop(text: str, size: int) -> np.ndarray:
    """``text`` as the figure draws it (ink on white at a whole-pixel position), cropped."""
    canvas = Image.new("RGB", (40 * size, 3 * size), (255, 255, 255))
    ImageDraw.Draw(canvas).text((0, 0), text, fill=INK, font=fonts.font(size))
    return np.asarray(canvas.crop(ImageOps.invert(canvas).getbbox()))


async def test_labels_in_chinese():
    assert fonts.has_cjk(), "CI installs fonts-wqy-microhei (scripts/system-deps)"
    # a CJK glyph is not the font's empty box
    assert fonts.font(17).getmask("填").getbbox() != fonts.font(17).getmask("\U000f0000").getbbox()
    zh = np.asarray(_image(await _get("/conv2d/step.png?lang=zh")).convert("RGB"))
    en = np.asarray(_image(await _get("/conv2d/step.png")).convert("RGB"))
    assert _find(zh, _text_crop("填充后的输入", TITLE_FONT))  # "Padded input"
    assert _find(zh, _text_crop("第 1 步，共 4 步", LINE_FONT))  # "Step 1 of 4"
    assert not _find(zh, _text_crop("Padded input", TITLE_FONT))
    assert _find(en, _text_crop("Padded input", TITLE_FONT))


def test_the_palette_holds_every_colour():
    assert len(palette().getpalette() or []) == 768


def _random_query(rng: np.random.Generator, op: str) -> str:
    """A page query drawn across the pages' ranges, valid or not."""
    fields = {
        "h": rng.integers(1, 9),
        "w": rng.integers(1, 9),
        "ci": rng.integers(1, 5),
        "kh": rng.integers(1, 6),
        "kw": rng.integers(1, 6),
        "sh": rng.integers(1, 4),
        "sw": rng.integers(1, 4),
        "ph": rng.integers(0, 4),
        "pw": rng.integers(0, 4),
        "dh": rng.integers(1, 3),
        "dw": rng.integers(1, 3),
        "t": rng.integers(0, 40),
        "xp": "random",
        "seed": rng.integers(0, 99),
    }
    if op in ("conv2d", "conv_transpose2d"):
        fields |= {"co": rng.integers(1, 5), "groups": rng.integers(1, 3), "kp": "random"}
        fields["bias"] = int(rng.integers(0, 2))
    if op == "conv2d":
        fields["mode"] = rng.choice(["zeros", "reflect", "replicate", "circular"])
        fields["pad"] = rng.choice(["explicit", "explicit", "same", "valid"])
    if op == "conv_transpose2d":
        fields |= {"oph": rng.integers(0, 2), "opw": rng.integers(0, 2)}
        fields["tab"] = rng.choice(["scatter", "col2im", "zero_insert", "kt"])
    if op.endswith("pool2d"):
        fields["ceil"] = int(rng.integers(0, 2))
    return "&".join(f"{k}={v}" for k, v in fields.items())


@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d"])
async def test_random_queries_give_a_figure_or_a_422(op):
    rng = np.random.default_rng(14)
    statuses = set()
    async with _client() as client:
        for k in range(24):
            kind = "animation.gif" if k % 4 == 0 else "step.png"
            response = await client.get(f"/{op}/{kind}?{_random_query(rng, op)}")
            assert response.status_code in (200, 422), response.text[:500]
            statuses.add(response.status_code)
    assert statuses == {200, 422}  # both kinds of answer were tried


@pytest.mark.parametrize(("op", "query", "values"), CASES[:4])
async def test_every_step_and_the_animation_have_one_size(op, query, values):
    # a handout made of several steps lines up, and matches the slides' animation
    sizes = {_image(await _get(f"/{op}/step.png?{query}&t={t}")).size for t in (0, 1, 2)}
    sizes.add(_image(await _get(f"/{op}/animation.gif?{query}")).size)
    assert len(sizes) == 1
    (width, height) = sizes.pop()
    assert width >= MIN_WIDTH
    # small configurations are drawn at the largest cells, which the figure is made of
    assert width * height > 9 * MAX_CELL * MAX_CELL
