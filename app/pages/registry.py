"""Every page, in the order of the top navigation. Adding a page is one line here."""

from __future__ import annotations

from app.pages.conv2d import conv2d_page
from app.pages.conv_transpose2d import conv_transpose2d_page
from app.pages.page import Page
from app.pages.pool import avg_pool2d_page, max_pool2d_page

#: The page ``/`` shows.
HOME = "conv2d"


def build_pages() -> dict[str, Page]:
    """The pages by operation, built when the app starts (they read convcore's registry)."""
    pages = [conv2d_page(), conv_transpose2d_page(), max_pool2d_page(), avg_pool2d_page()]
    return {page.op: page for page in pages}
