"""Image files made in the tests: good ones, and every kind of bad one the server must refuse."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import numpy as np
from PIL import Image


def noise(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """Random uint8 pixels, (H, W, 3) or (H, W)."""
    rng = np.random.default_rng(seed)
    shape = (height, width, channels) if channels > 1 else (height, width)
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def encode(pixels: np.ndarray, fmt: str = "PNG", **options) -> bytes:
    """Pixels saved as ``fmt`` by Pillow."""
    buffer = BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, **options)
    return buffer.getvalue()


def exif_rotated_jpeg(orientation: int = 6) -> bytes:
    """A 40×20 JPEG, left half red and right half blue as stored, with an EXIF orientation.

    Orientation 6 means "rotate 90° clockwise to display": upright, it is 20 wide and 40
    tall, red on top (the stored left column becomes the top row) and blue below.
    """
    pixels = np.zeros((20, 40, 3), dtype=np.uint8)
    pixels[:, :20] = (255, 0, 0)
    pixels[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def animated(fmt: str, frames: int = 120, side: int = 32) -> bytes:
    """A many-frame animation (GIF, WebP or APNG): each frame different noise (an encoder
    merges frames that look alike)."""
    images = [Image.fromarray(noise(side, side, seed=i)) for i in range(frames)]
    buffer = BytesIO()
    images[0].save(buffer, fmt, save_all=True, append_images=images[1:], duration=40, loop=0)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header declaring ``width``×``height`` grey pixels, with a tiny IDAT:
    a few hundred bytes that would unpack to ``width·height`` bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 64, 9)  # the first 64 rows, all zero
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first ``keep`` of a file."""
    return data[: int(len(data) * keep)]
