"""An uploaded file → an RGB picture of at most ``image_max_side`` pixels a side, or a clear no.

Pillow reads PNG, JPEG and WebP only (no other decoder is tried on a student's file). Before
any pixel is decoded, the header's size is held to ``image_max_pixels`` (a small file that
declares a huge image is a decompression bomb; Pillow's own bomb warning is an error here
too) and an animated file is refused. Then the pixels are decoded (a truncated or damaged
file is refused here), turned upright by the EXIF orientation, flattened onto white when
they have an alpha channel, brought to 8 bits, and shrunk to fit ``image_max_side``.

Every refusal is an :class:`~app.errors.ImageRejectedError` whose message names the
problem and what to send instead; nothing else happens for such a file.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import ImageRejectedError
from app.i18n import N_

#: Pillow's format names of the files accepted, and how a message names them.
FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}

#: The first bytes of formats a student may well send, to name them in the refusal.
_SIGNATURES = {
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
    b"%PDF": "PDF",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"PK\x03\x04": "ZIP",
}


@dataclass(frozen=True)
class Picture:
    """A decoded image, upright, 8-bit RGB, at most ``image_max_side`` a side.

    ``source`` is the size of the file's image (width, height) before shrinking, ``format``
    its format (or ``sample``).
    """

    image: Image.Image
    source: tuple[int, int]
    format: str

    def pixels(self, channels: str) -> NDArray[np.uint8]:
        """``(C, H, W)`` uint8: three channels for ``'rgb'``, the luma for ``'gray'``.

        The luma is Pillow's ``convert('L')`` (ITU-R 601-2), as torchvision's ``Grayscale``
        computes it on a PIL image.
        """
        if channels == "gray":
            return np.asarray(self.image.convert("L"))[None]
        return np.ascontiguousarray(np.asarray(self.image).transpose(2, 0, 1))


def decode_image(data: bytes, max_bytes: int, max_pixels: int, max_side: int) -> Picture:
    """Decode an uploaded file (see the module docstring), or raise ImageRejectedError.

    Examples
    --------
    >>> buffer = BytesIO()
    >>> Image.new("RGB", (1024, 256), "red").save(buffer, "PNG")
    >>> picture = decode_image(buffer.getvalue(), 5_000_000, 40_000_000, 512)
    >>> picture.image.size, picture.source, picture.format
    ((512, 128), (1024, 256), 'PNG')
    >>> decode_image(b"hello", 5_000_000, 40_000_000, 512)
    Traceback (most recent call last):
    ...
    app.errors.ImageRejectedError: The file is not a PNG, JPEG or WebP image: send one of those.
    """
    if len(data) > max_bytes:
        raise ImageRejectedError(
            N_(
                "The file is %(size)s bytes, over the limit of %(limit)s bytes "
                "(image_max_bytes): send a smaller image."
            ),
            {"size": len(data), "limit": max_bytes},
            kind="limit_exceeded",
            setting="image_max_bytes",
            status=413,
        )
    if not data:
        raise ImageRejectedError(N_("The file is empty: send a PNG, JPEG or WebP image."))
    image = _open(data)
    _check_header(image, max_pixels)
    fmt, declared = FORMATS[str(image.format)], image.size
    if image.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when that still fits
        image.draft(None, (max_side, max_side))
    _load(image)
    stored = image.size
    image = _upright(image)
    turned = image.size != stored  # a quarter turn swaps the sides
    image = _eight_bit_rgb(_reduced(image, max_side))
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return Picture(image, (declared[1], declared[0]) if turned else declared, fmt)


def _open(data: bytes) -> Image.Image:
    """Read the header (no pixels yet); Pillow's bomb warning counts as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(BytesIO(data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejectedError(
                N_(
                    "The file declares an image too large to decode: it looks like a "
                    "decompression bomb. Send a PNG, JPEG or WebP image of at most a few "
                    "thousand pixels a side."
                ),
                kind="limit_exceeded",
                setting="image_max_pixels",
            ) from None
        except UnidentifiedImageError:
            what = next((name for sig, name in _SIGNATURES.items() if data.startswith(sig)), None)
            if what is not None:
                raise ImageRejectedError(
                    N_("The file is a %(format)s file: send a PNG, JPEG or WebP image."),
                    {"format": what},
                ) from None
            raise ImageRejectedError(
                N_("The file is not a PNG, JPEG or WebP image: send one of those.")
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRejectedError(
                N_("The file's header is damaged (%(reason)s): send a PNG, JPEG or WebP image."),
                {"reason": _short(exc)},
            ) from None


def _check_header(image: Image.Image, max_pixels: int) -> None:
    """The declared size and frame count, before any pixel is decoded."""
    width, height = image.size
    if width * height > max_pixels:
        raise ImageRejectedError(
            N_(
                "The image is %(width)s×%(height)s = %(pixels)s pixels, over the limit of "
                "%(limit)s pixels (image_max_pixels): a file that unpacks this large is "
                "refused as a decompression bomb. Shrink the image first."
            ),
            {"width": width, "height": height, "pixels": width * height, "limit": max_pixels},
            kind="limit_exceeded",
            setting="image_max_pixels",
        )
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        raise ImageRejectedError(
            N_("The image is animated (%(frames)s frames): send a still PNG, JPEG or WebP image."),
            {"frames": frames},
        )


def _load(image: Image.Image) -> None:
    """Decode the pixels; a truncated or damaged file is refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
            raise ImageRejectedError(
                N_(
                    "The image could not be decoded: the file is truncated or damaged (%(reason)s)."
                ),
                {"reason": _short(exc)},
            ) from None


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (a phone's portrait photo)."""
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):
        return image  # an unreadable EXIF block: show the pixels as stored


#: Modes that ``Image.reduce`` takes as they are, and those it takes once alpha is premultiplied
#: (averaging premultiplied values, as Pillow's resize does, keeps transparent pixels' colours
#: out of the result).
_REDUCIBLE = {"L", "RGB", "I", "F", "CMYK"}
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}


def _reduced(image: Image.Image, max_side: int) -> Image.Image:
    """A large image shrunk by a whole factor first (box averages), to at least twice
    ``max_side``, so that the conversions and the final Lanczos resize work on few pixels:
    a 6320×6320 RGBA or 16-bit PNG (a 100–200 KB file) took 1.2 s of CPU and 550 MB to
    convert at full size.

    >>> _reduced(Image.new("RGBA", (4096, 1024)), 512).size
    (1024, 256)
    >>> _reduced(Image.new("RGB", (1500, 900)), 512).size  # under 4 × max_side: as it is
    (1500, 900)
    """
    factor = max(image.size) // (2 * max_side)
    if factor < 2:
        return image
    if image.mode in ("I;16", "I;16B", "I;16L"):
        image = image.convert("I")  # 32-bit: a form reduce() takes; _eight_bit_rgb scales it
    if image.mode in _PREMULTIPLIED:
        return image.convert(_PREMULTIPLIED[image.mode]).reduce(factor).convert(image.mode)
    if image.mode in _REDUCIBLE:
        return image.reduce(factor)
    return image  # palette and 1-bit images: converted at full size below


def _eight_bit_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB: transparency flattened onto white, 16-bit grey scaled (not clipped)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        levels = np.asarray(image, dtype=np.uint32) >> 8  # 0…65535 → 0…255
        image = Image.fromarray(np.clip(levels, 0, 255).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def _short(exc: BaseException) -> str:
    """Pillow's own words, cut short."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:120] + "…"
