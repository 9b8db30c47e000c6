"""The bundled sample images: a photo, some text, a checkerboard, a single bright pixel.

All but the photo are drawn here, at their first use. The photo is ``coffee.jpg`` beside this
module: scikit-image's ``data.coffee()`` sample ("Coffee cup", photographed by Rachel
Michetti for Pikolo Espresso Bar, released CC0: no copyright restrictions), shrunk to
384×256 and saved as a JPEG (see ``app/image/SAMPLES.md``).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.i18n import N_
from app.image.decode import Picture

PHOTO = Path(__file__).resolve().parent / "coffee.jpg"

#: The samples, in the order the page offers them, with their labels (N_-marked).
SAMPLES: dict[str, str] = {
    "photo": N_("Photo: a coffee cup"),
    "text": N_("Text"),
    "checkerboard": N_("Checkerboard"),
    "pixel": N_("One bright pixel"),
}


def sample_picture(name: str) -> Picture:
    """The sample called ``name`` (a key of :data:`SAMPLES`).

    >>> sample_picture("checkerboard").image.size
    (256, 256)
    >>> int(np.asarray(sample_picture("pixel").image).sum() // 255)  # one white pixel: R+G+B
    3
    """
    return _SAMPLE_MAKERS[name]()


@functools.cache
def _photo() -> Picture:
    with Image.open(PHOTO) as image:
        rgb = image.convert("RGB")
    return Picture(rgb, rgb.size, "sample")


@functools.cache
def _text() -> Picture:
    """Dark text on white: strokes, curves and serifs for edges and blurs to act on."""
    image = Image.new("RGB", (384, 192), "white")
    draw = ImageDraw.Draw(image)
    lines = [
        ("Convolution", 56, 16),
        ("Sobel finds edges,", 30, 96),
        ("a blur softens them.", 30, 136),
    ]
    for text, size, top in lines:
        draw.text((16, top), text, fill=(20, 20, 20), font=ImageFont.load_default(size))
    return Picture(image, image.size, "sample")


@functools.cache
def _checkerboard() -> Picture:
    """8×8 squares of 32 pixels, black and white."""
    rows, cols = np.indices((256, 256)) // 32
    plane = np.where((rows + cols) % 2, 255, 0).astype(np.uint8)
    image = Image.fromarray(np.stack([plane] * 3, axis=-1), "RGB")
    return Picture(image, image.size, "sample")


@functools.cache
def _pixel() -> Picture:
    """One white pixel in the middle of 33×33 black ones: the output is the kernel, flipped."""
    plane = np.zeros((33, 33, 3), dtype=np.uint8)
    plane[16, 16] = 255
    image = Image.fromarray(plane, "RGB")
    return Picture(image, image.size, "sample")


_SAMPLE_MAKERS = {
    "photo": _photo,
    "text": _text,
    "checkerboard": _checkerboard,
    "pixel": _pixel,
}
