"""/image: the page, its messages next to the controls, one pixel's zoom, the stepper link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.image import files
from tests.pages.conftest import shown, soup

pytestmark = pytest.mark.anyio

#: The checkerboard sample, built here: 8×8 squares of 32 pixels, black first.
_rows, _cols = np.indices((256, 256)) // 32
CHECKERBOARD = ((_rows + _cols) % 2).astype(np.float32)


async def test_the_page_shows_both_pictures_and_is_in_the_navigation(client):
    page = soup(await client.get("/image"))
    current = page.select_one("header nav a[aria-current=page]")
    assert current["href"] == "/image"
    assert page.select_one("#in-img")["src"].startswith("data:image/png;base64,")
    assert page.select_one("#out-img")["src"].startswith("data:image/png;base64,")
    assert page.select_one("#f-op option[selected]")["value"] == "conv2d"
    assert page.select_one("#f-kp option[selected]")["value"] == "sobel_x"
    # every stepper page links to it too
    stepper = soup(await client.get("/conv2d"))
    assert stepper.select_one("header nav a[href='/image']") is not None


async def test_the_page_speaks_chinese(client):
    page = soup(await client.get("/image?lang=zh"))
    assert page.html["lang"] == "zh-Hans"
    assert "图像" in page.select_one("h1").get_text()


async def test_same_scale_a_stride_2_output_is_drawn_half_as_wide(client):
    page = soup(await client.get("/image?sample=checkerboard&stride=2&padding=1"))
    assert page.select_one("#in-frame")["style"] == "width: 100.0%"
    assert page.select_one("#out-frame")["style"] == "width: 50.0%"


@pytest.mark.parametrize(
    ("query", "control", "words"),
    [
        ("stride=0", "stride", "stride"),
        ("kp=custom&k=1 2; 3", "kernel", "row 2"),
        ("kp=custom&k=" + "%5B" * 1000 + "%5D" * 1000, "kernel", "nested too deeply"),
        ("padword=same&stride=2", None, "same"),
        ("op=max_pool2d&kernel_size=4&padding=3", "padding", "padding"),
    ],
)
async def test_a_problem_is_said_next_to_its_control(client, query, control, words):
    page = soup(await client.get(f"/image?{query}"))
    if control is None:  # convcore names padding and stride; either slot will do
        slots = page.select("#err-padding .msg") + page.select("#err-stride .msg")
    else:
        slots = page.select(f"#err-{control} .msg")
    assert slots, page.select(".ferr")
    assert any(words in s.get_text() for s in slots), page.select(".ferr")
    assert page.select_one("#out-img") is None


async def test_an_upload_that_is_not_an_image_is_said_next_to_the_file_field(client):
    response = await client.post(
        "/image",
        files={"image": ("notes.txt", b"not a picture at all", "text/plain")},
        data={"op": "conv2d", "kp": "sobel_x"},
    )
    page = soup(response)
    assert "not a PNG, JPEG or WebP" in page.select_one("#err-image").get_text()
    assert page.select_one("#out-img") is None


async def test_an_upload_is_drawn_and_named(client):
    pixels = files.noise(24, 40, seed=3)
    response = await client.post(
        "/image",
        files={"image": ("mine.png", files.encode(pixels), "image/png")},
        data={"op": "avg_pool2d", "kernel_size": "2"},
    )
    page = soup(response)
    assert "mine.png" in page.select_one("#upload-name").get_text()
    assert page.select_one("#out-img")["width"] == "20"


async def test_changing_the_op_starts_from_its_defaults(client):
    page = soup(await client.get("/image?op=conv_transpose2d&shown=conv2d&stride=1&kp=sobel_x"))
    # the transposed convolution's own start: ×2 upsampling, bilinear weights
    assert page.select_one("#f-stride")["value"] == "2"
    assert page.select_one("#out-img")["width"] == "768"  # the photo is 384 wide


def _zoom_query(**extra) -> str:
    fields = {"sample": "checkerboard", "channels": "gray", "kp": "box_blur", "padding": "1"}
    fields |= extra
    return "/image?" + "&".join(f"{k}={v}" for k, v in fields.items())


async def test_a_pixel_shows_its_value_its_field_and_its_patch(client):
    page = soup(await client.get(_zoom_query(oy=31, ox=64)))
    zoom = page.select_one("#zoom")
    x = torch.tensor(CHECKERBOARD)[None, None]
    expected = F.conv2d(x, torch.full((1, 1, 3, 3), 1 / 9), padding=1)[0, 0, 31, 64].item()
    assert shown(zoom.select_one(".zval strong").get_text()) == pytest.approx(expected, abs=1e-4)
    # the field on the input: rows 30–32, columns 63–65 (padding 1 shifts the window by one)
    assert zoom["data-box"] == "30,63,32,65"
    patch = [
        [shown(td.get_text()) for td in tr.select("td")]
        for tr in zoom.select("table.patch")[0].select("tr")
    ]
    assert np.array_equal(patch, CHECKERBOARD[30:33, 63:66])


async def test_a_pixel_in_the_corner_shows_the_padding(client):
    page = soup(await client.get(_zoom_query(oy=0, ox=0)))
    cells = page.select("#zoom table.patch")[0].select("td")
    kinds = [td["class"][1] for td in cells]
    assert kinds == ["pad", "pad", "pad", "pad", "in", "in", "pad", "in", "in"]


async def test_the_stepper_link_opens_the_patch_at_the_pixels_step(client):
    page = soup(await client.get(_zoom_query(oy=95, ox=33, kp="sobel_y", channels="rgb")))
    zoom = page.select_one("#zoom")
    values = [shown(v.get_text()) for v in zoom.select(".zval strong")]
    links = [a["href"] for a in zoom.select(".stepper-links a")]
    assert len(links) == 3  # one per output channel: R, G, B
    for channel, href in enumerate(links):
        query = parse_qs(urlsplit(href).query)
        assert urlsplit(href).path == "/conv2d"
        assert query["kp"] == ["sobel_y"]
        assert query["groups"] == ["3"]
        assert query["t"] == [str(channel)] if channel else "t" not in query
        stepper = soup(await client.get(href))
        assert stepper.select_one(".problem") is None
        # the stepper's input is the patch: rows 94–96, columns 32–34 of the picture
        typed = np.array([float(v) for v in query["x"][0].split(",")]).reshape(3, 3, 3)
        assert np.array_equal(typed[channel], CHECKERBOARD[94:97, 32:35])
        arith = stepper.select_one("#arith")
        assert float(arith["data-result"]) == pytest.approx(values[channel], abs=1e-4)


async def test_no_stepper_link_when_the_window_is_too_big_for_the_stepper(client):
    page = soup(await client.get(_zoom_query(oy=40, ox=40, dilation=8)))
    zoom = page.select_one("#zoom")
    assert not zoom.select(".stepper-links a")
    assert "17×17" in zoom.get_text()


async def test_a_pooling_pixel_shows_its_window(client):
    page = soup(await client.get(_zoom_query(op="max_pool2d", kernel_size=2, oy=3, ox=4)))
    zoom = page.select_one("#zoom")
    assert zoom["data-box"] == "5,7,6,8"  # padding 1: the window starts one row and column up
    assert "conv2d" in zoom.get_text()  # says why it has no stepper link
