"""The download links of every stepper page, in Chromium: they follow the step and the
configuration, and what they point at is the figure of what the page shows."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from app.pages.registry import build_pages
from tests.browser.stepping import wait_step

pytestmark = pytest.mark.browser

OPS = list(build_pages())


def _view(page: Page) -> tuple[str, str]:
    """The page's path and query as its address bar has them."""
    parts = urlsplit(page.url)
    return parts.path, parts.query


def _without_t(query: str) -> str:
    return "&".join(part for part in query.split("&") if part and not part.startswith("t="))


@pytest.mark.parametrize("op", OPS)
def test_download_links_follow_the_step_and_the_configuration(page: Page, live_server, op):
    page.goto(f"{live_server}/{op}")
    gif, png = page.locator("#export-gif"), page.locator("#export-png")
    expect(gif).to_have_attribute("href", f"/{op}/animation.gif")
    expect(png).to_have_attribute("href", f"/{op}/step.png")
    expect(gif).to_have_text(re.compile("GIF"))
    page.click("#step-next")
    wait_step(page, 1)
    expect(png).to_have_attribute("href", f"/{op}/step.png?t=1")
    expect(gif).to_have_attribute("href", f"/{op}/animation.gif")
    # a change of configuration brings a new board, and links to the new configuration
    page.fill("#f-ph", "1")
    page.wait_for_url(re.compile(r"ph=1"))
    expect(gif).to_have_attribute("href", re.compile(r"ph=1"))
    path, query = _view(page)
    t = page.eval_on_selector("#stepper", "m => m.dataset.t")
    expect(png).to_have_attribute("href", f"{path}/step.png?{query}")
    expect(gif).to_have_attribute("href", f"{path}/animation.gif?{_without_t(query)}")
    page.click("#step-last")
    last = int(page.eval_on_selector("#stepper", "m => m.dataset.count")) - 1
    wait_step(page, last)
    assert t != str(last)
    expect(png).to_have_attribute("href", re.compile(rf"[?&]t={last}$"))
    # what the links point at: the figures of this configuration
    still = page.request.get(live_server + str(png.get_attribute("href")))
    assert still.status == 200
    assert still.headers["content-type"] == "image/png"
    animation = page.request.get(live_server + str(gif.get_attribute("href")))
    assert animation.status == 200
    assert animation.headers["content-type"] == "image/gif"
    assert Image.open(io.BytesIO(animation.body())).n_frames == last + 1


def test_download_links_in_chinese_and_by_keyboard(page: Page, live_server):
    page.goto(f"{live_server}/max_pool2d?lang=zh")
    expect(page.locator("#export-gif")).to_have_text("下载 GIF")
    expect(page.locator("#export-png")).to_have_text("下载 PNG")
    page.focus("#export-png")
    expect(page.locator("#export-png")).to_be_focused()
    assert page.locator("#export-png").get_attribute("href") == "/max_pool2d/step.png?lang=zh"
