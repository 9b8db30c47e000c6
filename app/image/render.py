"""An operation's output as a picture: a colour map chosen for its values, a legend, a PNG.

- ``signed``: 0 is white, +max|y| dark red, −max|y| dark blue (a diverging map, symmetric
  so that equal magnitudes get equal strength); with three output channels each channel is
  drawn on its own scale around mid-grey instead (0 is grey 128), as one RGB picture;
- ``abs``: |y| / max|y|, black to white, per channel;
- ``clip``: y clipped to [0, 1], as an image whose values are intensities;
- ``auto``: ``signed`` when a value is negative, else ``clip`` when all are within [0, 1],
  else ``abs``.

Colour is never the only channel: the page shows the range of values and, on a click,
the numbers themselves.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: The diverging map's stops, from −1 through 0 to +1 (blue, white, red).
DIVERGING = np.array(
    [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]], dtype=np.float64
)

#: The PNG file signature.
_PNG = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Scale:
    """How values became colours: the mode, the values at the two ends, a CSS gradient."""

    mode: str
    low: float
    high: float
    gradient: str

    @property
    def middle(self) -> float | None:
        """The value at the middle of the legend (0 for the signed maps)."""
        return 0.0 if self.mode == "signed" else None


#: Colours in the diverging map: odd, so that 0 has an entry of its own (pure white).
LUT_SIZE = 255


def _diverging_lut() -> NDArray[np.uint8]:
    """:data:`LUT_SIZE` colours from −1 to +1 along :data:`DIVERGING`."""
    t = np.linspace(-1, 1, LUT_SIZE)
    stops = np.linspace(-1, 1, len(DIVERGING))
    channels = [np.interp(t, stops, DIVERGING[:, c]) for c in range(3)]
    return np.rint(np.stack(channels, axis=-1)).astype(np.uint8)


def resolve_mode(mode: str, low: float, high: float) -> str:
    """The mode ``auto`` stands for, given the output's range.

    >>> resolve_mode("auto", -1.0, 2.0), resolve_mode("auto", 0.0, 1.0), resolve_mode("auto", 0, 3)
    ('signed', 'clip', 'abs')
    """
    if mode != "auto":
        return mode
    if low < 0:
        return "signed"
    return "clip" if high <= 1 else "abs"


def colourise(out: NDArray[np.floating], mode: str) -> tuple[NDArray[np.uint8], Scale]:
    """``(C, H, W)`` values → ``(H, W, 3)`` (or ``(H, W)`` for ``abs``/``clip`` on one
    channel) uint8 pixels, and the scale used.

    >>> pixels, scale = colourise(np.array([[[-2.0, 0.0, 1.0]]]), "auto")
    >>> scale.mode, scale.low, scale.high, pixels[0].tolist()
    ('signed', -2.0, 2.0, [[5, 48, 97], [247, 247, 247], [214, 97, 78]])
    """
    low, high = (float(out.min()), float(out.max())) if out.size else (0.0, 0.0)
    mode = resolve_mode(mode, low, high)
    peak = max(abs(low), abs(high)) or 1.0
    if mode == "clip":
        pixels = np.rint(np.clip(out, 0, 1) * 255).astype(np.uint8)
        scale = Scale("clip", 0.0, 1.0, "linear-gradient(to right, #000, #fff)")
    elif mode == "abs":
        pixels = np.rint(np.abs(out) * (255 / peak)).astype(np.uint8)
        scale = Scale("abs", 0.0, peak, "linear-gradient(to right, #000, #fff)")
    elif out.shape[0] == 1:
        half = (LUT_SIZE - 1) / 2
        index = np.rint((np.clip(out[0] / peak, -1, 1) + 1) * half).astype(np.uint8)
        return _diverging_lut()[index], Scale("signed", -peak, peak, _css_stops())
    else:
        pixels = np.rint(np.clip(out / peak, -1, 1) * 127.5 + 127.5).astype(np.uint8)
        scale = Scale("signed", -peak, peak, "linear-gradient(to right, #000, #808080, #fff)")
    return _channels_last(pixels), scale


def _channels_last(pixels: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``(1, H, W)`` → ``(H, W)``; ``(3, H, W)`` → ``(H, W, 3)``."""
    return pixels[0] if pixels.shape[0] == 1 else np.ascontiguousarray(pixels.transpose(1, 2, 0))


def _css_stops() -> str:
    stops = ", ".join(f"rgb({r}, {g}, {b})" for r, g, b in DIVERGING.astype(int).tolist())
    return f"linear-gradient(to right, {stops})"


def input_pixels(pixels: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The decoded input ``(C, H, W)`` as an image's pixels."""
    return _channels_last(pixels)


def png_bytes(pixels: NDArray[np.uint8]) -> bytes:
    """``(H, W)`` grey or ``(H, W, 3)`` RGB pixels as a PNG file.

    Written here rather than by Pillow, for speed: every row unfiltered and zlib's fastest
    run-length strategy. Pillow's encoder chooses a filter for every row, which took 28 ms
    of a 512×512 RGB answer (this takes about 6, for files of about the same size; a photo
    comes out about half as large again); the answer's budget is 50 ms in all.

    >>> from io import BytesIO
    >>> from PIL import Image
    >>> pixels = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    >>> data = png_bytes(pixels)
    >>> data[:8], np.array_equal(np.asarray(Image.open(BytesIO(data))), pixels)
    (b'\\x89PNG\\r\\n\\x1a\\n', True)
    """
    height, width = pixels.shape[:2]
    colour = pixels.ndim == 3
    rows = np.zeros((height, 1 + pixels[0].size), dtype=np.uint8)  # filter byte 0: none
    rows[:, 1:] = pixels.reshape(height, -1)
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    data = packer.compress(rows.tobytes()) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if colour else 0, 0, 0, 0)
    return _PNG + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def data_url(png: bytes) -> str:
    """A PNG as a ``data:`` URL (the pages' Content-Security-Policy allows ``img-src data:``)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
