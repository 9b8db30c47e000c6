"""/image in Chromium: upload, click an output pixel, its numbers, and on into the stepper."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from playwright.sync_api import Page, expect

from tests.browser.axe import serious_violations
from tests.image import files

pytestmark = pytest.mark.browser

SOBEL_X = [[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]


def _number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def _click_pixel(page: Page, oy: int, ox: int) -> None:
    """Click the middle of output pixel (oy, ox), wherever and however large it is drawn."""
    img = page.locator("#out-img")
    img.scroll_into_view_if_needed()
    box = img.bounding_box()
    width, height = img.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    page.mouse.click(
        box["x"] + (ox + 0.5) * box["width"] / width, box["y"] + (oy + 0.5) * box["height"] / height
    )


def test_upload_click_a_pixel_and_step_through_it(page: Page, live_server, shot, tmp_path):
    pixels = files.noise(48, 64, seed=5)
    picture = tmp_path / "pic.png"
    picture.write_bytes(files.encode(pixels))
    page.goto(live_server + "/image")
    page.set_input_files("#f-image", str(picture))
    expect(page.locator("#upload-name")).to_contain_text("pic.png")
    expect(page.locator("#out-img")).to_have_attribute("width", "64")  # Sobel x, padding 1
    _click_pixel(page, 20, 30)
    expect(page.locator("#zoom h3")).to_contain_text("row 20, column 30")
    expect(page.locator("#outline")).to_be_visible()
    shot(page, "image-zoom")
    # the three values are torch's, on the picture as to_tensor reads it
    x = torch.from_numpy(pixels.transpose(2, 0, 1).copy()).float().div(255)[None]
    w = torch.tensor(SOBEL_X).expand(3, 1, 3, 3)
    expected = F.conv2d(x, w, padding=1, groups=3)[0, :, 20, 30].numpy()
    shown = [_number(t) for t in page.locator("#zoom .zval strong").all_inner_texts()]
    assert np.allclose(shown, expected, atol=1e-3)
    # on into the stepper, channel G: the patch as typed input, Sobel x, the step of channel 1
    page.locator("#zoom .stepper-links a").nth(1).click()
    page.wait_for_url("**/conv2d?**")
    expect(page.locator("#step-count")).to_contain_text("2")
    assert page.locator("#stepper").get_attribute("data-t") == "1"
    typed = page.eval_on_selector_all("#X1 td input", "cells => cells.map(c => Number(c.value))")
    patch = pixels[19:22, 29:32, 1].astype(np.float32) / 255
    assert np.allclose(typed, patch.ravel(), atol=1e-6)
    kernel = page.eval_on_selector_all("#K1-0 td input", "cells => cells.map(c => Number(c.value))")
    assert kernel == [v for row in SOBEL_X for v in row]
    result = float(page.locator("#arith").get_attribute("data-result"))
    assert result == pytest.approx(float(expected[1]), abs=1e-5)
    shot(page, "image-into-stepper")


def test_keyboard_only_picks_a_pixel(page: Page, live_server):
    page.goto(live_server + "/image?sample=checkerboard&channels=gray&kp=box_blur&padding=1")
    page.locator("#out-frame").focus()
    for key in ["ArrowDown", "ArrowDown", "ArrowRight"]:
        page.keyboard.press(key)
    expect(page.locator("#zoom h3")).to_contain_text("row 2, column 1")
    assert page.evaluate("document.activeElement.id") == "out-frame"
    # the row and column fields and their button, by keyboard too
    page.locator("#f-oy").fill("40")
    page.locator("#f-ox").fill("33")
    page.locator("#zoom-go").press("Enter")
    expect(page.locator("#zoom h3")).to_contain_text("row 40, column 33")


def test_a_bad_upload_is_said_inline_and_the_picture_stays(page: Page, live_server, tmp_path):
    page.goto(live_server + "/image?sample=text")
    before = page.locator("#out-img").get_attribute("src")
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"this is not a picture")
    page.set_input_files("#f-image", str(bad))
    expect(page.locator("#err-image")).to_contain_text("not a PNG, JPEG or WebP")
    assert page.locator("#out-img").get_attribute("src") == before  # nothing else changed
    assert page.locator("#upload-name").count() == 0


@pytest.mark.parametrize(
    "query",
    [
        "/image",
        "/image?lang=zh&op=max_pool2d&kernel_size=3&oy=5&ox=5",
        "/image?stride=0&sample=pixel",
        "/image?sample=pixel&channels=gray&kp=emboss&oy=16&ox=16",
    ],
)
def test_no_serious_accessibility_violations(page: Page, live_server, query):
    page.goto(live_server + query)
    bad = serious_violations(page)
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 800)])
def test_screenshots_and_no_horizontal_scroll(page: Page, live_server, shot, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server + "/image?sample=photo&kp=sobel_x&oy=60&ox=200")
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner
    shot(page, f"image-{width}")


def test_under_the_content_security_policy(browser, live_server, tmp_path):
    context = browser.new_context()  # this one does not bypass the policy
    page = context.new_page()
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective));"
    )
    page.goto(live_server + "/image?sample=checkerboard")
    picture = tmp_path / "p.png"
    picture.write_bytes(files.encode(files.noise(20, 20)))
    page.set_input_files("#f-image", str(picture))
    expect(page.locator("#upload-name")).to_contain_text("p.png")
    _click_pixel(page, 3, 4)
    expect(page.locator("#zoom h3")).to_contain_text("row 3, column 4")
    assert page.evaluate("window.__csp") == []
    context.close()


def test_after_an_upload_the_decoded_picture_is_sent_instead(page: Page, live_server, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(files.encode(files.noise(800, 1000, seed=2)))  # 2.4 MB of noise
    page.add_init_script(  # the size of every image the page's script sends
        "window.__sent = []; const send = window.fetch; window.fetch = (url, options) => {"
        " const body = options && options.body;"
        " if (body instanceof FormData && body.get('image')) __sent.push(body.get('image').size);"
        " return send(url, options); };"
    )
    page.goto(live_server + "/image")
    page.set_input_files("#f-image", str(big))
    expect(page.locator("#upload-name")).to_contain_text("big.png")
    first = page.locator("#out-img").get_attribute("src")
    page.locator("#f-stride").fill("2")
    page.locator("#f-stride").press("Tab")  # a change: the page asks again
    expect(page.locator("#out-img")).to_have_attribute("height", "205")  # stride 2 on rows
    page.locator("#f-stride").fill("1")
    page.locator("#f-stride").press("Tab")
    expect(page.locator("#out-img")).to_have_attribute("height", "410")
    assert page.locator("#out-img").get_attribute("src") == first  # the same pixels
    assert "shrunk from 1000×800" in page.locator("#in-frame + figcaption").inner_text()
    assert "big.png" in page.locator("#upload-name").inner_text()
    sizes = page.evaluate("window.__sent")
    assert len(sizes) == 3
    assert sizes[0] > 2_000_000
    assert max(sizes[1:]) < 1_000_000, sizes  # the decoded 512×410 picture, not the file
