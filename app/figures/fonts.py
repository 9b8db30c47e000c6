"""The figures' font: a CJK font the system has, else Pillow's own scalable font.

Pillow's built-in font (``ImageFont.load_default(size)``) has Latin letters only: Chinese
labels would come out as empty boxes. The Docker image and CI install Debian's
``fonts-wqy-microhei`` (5 MB, Latin and CJK, with ``−`` and ``∞``); any font of
:data:`CJK_FONTS` will do. Without one, a Chinese figure draws its labels in English
(:func:`has_cjk`), which stays readable, and the numbers in Pillow's font.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

#: Fonts with Latin and CJK glyphs, first found first used (Debian's paths).
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


@cache
def cjk_font_path() -> str | None:
    """The first font of :data:`CJK_FONTS` present, or None."""
    return next((path for path in CJK_FONTS if Path(path).is_file()), None)


def has_cjk() -> bool:
    """A font that draws Chinese is installed."""
    return cjk_font_path() is not None


@cache
def font(size: int) -> Font:
    """The figures' font at ``size`` pixels."""
    path = cjk_font_path()
    if path is not None:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def text_width(text: str, size: int) -> float:
    """Width of ``text`` in pixels at ``size``."""
    return float(font(size).getlength(text))
