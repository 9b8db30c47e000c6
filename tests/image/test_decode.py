"""Decoding uploads: what is accepted, how it is turned upright and shrunk, what is refused."""

from __future__ import annotations

import time
from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from app.errors import ImageRejectedError
from app.image import decode as decode_module
from app.image.decode import decode_image
from app.image.samples import SAMPLES, sample_picture
from tests.image import files

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000, "max_side": 512}


def decode(data: bytes, **limits):
    return decode_image(data, **{**LIMITS, **limits})


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_lossless_files_come_back_pixel_for_pixel(fmt):
    pixels = files.noise(30, 40)
    options = {"lossless": True} if fmt == "WEBP" else {}
    picture = decode(files.encode(pixels, fmt, **options))
    assert picture.image.size == (40, 30)
    assert np.array_equal(picture.pixels("rgb"), pixels.transpose(2, 0, 1))


def test_a_jpeg_is_read():
    picture = decode(files.encode(np.full((16, 24, 3), 200, dtype=np.uint8), "JPEG"))
    assert picture.format == "JPEG"
    assert picture.image.size == (24, 16)
    assert abs(int(picture.pixels("rgb").mean()) - 200) <= 2


def test_gray_is_the_luma_of_itu_601():
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
    gray = decode(files.encode(pixels)).pixels("gray")
    # L = R·299/1000 + G·587/1000 + B·114/1000, as PIL's convert("L") and torchvision's Grayscale
    assert gray.shape == (1, 1, 3)
    assert np.abs(gray[0, 0].astype(int) - [76, 150, 29]).max() <= 1


def test_exif_orientation_is_applied():
    picture = decode(files.exif_rotated_jpeg(6))
    assert picture.image.size == (20, 40)  # stored 40 wide, 20 tall: upright it is portrait
    rgb = picture.pixels("rgb")
    top, bottom = rgb[:, 5, 10], rgb[:, 34, 10]
    assert top[0] > 200
    assert top[2] < 60
    assert bottom[2] > 200
    assert bottom[0] < 60
    assert picture.source == (20, 40)


def test_large_images_are_shrunk_to_512_a_side_keeping_their_shape():
    picture = decode(files.encode(files.noise(600, 1000), "PNG"))
    assert picture.image.size == (512, 307)
    assert picture.source == (1000, 600)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_then_shrunk():
    picture = decode(files.encode(files.noise(1200, 2048), "JPEG", quality=70))
    assert picture.image.size == (512, 300)
    assert picture.source == (2048, 1200)


def test_transparency_is_flattened_onto_white():
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)  # fully transparent black
    rgba[0, 0] = (10, 20, 30, 255)
    rgb = decode(files.encode(rgba)).pixels("rgb")
    assert rgb[:, 0, 0].tolist() == [10, 20, 30]
    assert rgb[:, 3, 3].tolist() == [255, 255, 255]


def test_sixteen_bit_grey_is_scaled_not_clipped():
    levels = np.array([[0, 32768, 65535]], dtype=np.uint16)
    image = Image.fromarray(levels)  # uint16: mode I;16
    from io import BytesIO

    buffer = BytesIO()
    image.save(buffer, "PNG")
    gray = decode(buffer.getvalue()).pixels("gray")[0, 0]
    assert gray.tolist() == [0, 128, 255]


def refusal(data: bytes, **limits) -> ImageRejectedError:
    with pytest.raises(ImageRejectedError) as caught:
        decode(data, **limits)
    return caught.value


def test_a_text_file_is_not_an_image():
    err = refusal(b"just some text, not a picture\n" * 10)
    assert err.status == 422
    assert err.kind == "image_invalid"
    assert "not a PNG, JPEG or WebP" in err.message


def test_an_empty_file_is_refused():
    assert "empty" in refusal(b"").message


def test_a_gif_is_named_and_refused():
    assert "GIF" in refusal(files.animated("GIF", frames=3)).message


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_a_many_frame_animation_is_refused(fmt):
    err = refusal(files.animated(fmt, frames=120))
    assert "animated (120 frames)" in err.message


@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (8000, 8000)])
def test_a_decompression_bomb_is_refused_from_its_header(width, height):
    data = files.bomb_png(width, height)
    assert len(data) < 10_000
    started = time.perf_counter()
    err = refusal(data)
    assert time.perf_counter() - started < 1.0  # nothing was decoded
    assert err.kind == "limit_exceeded"
    assert err.setting == "image_max_pixels"
    assert "decompression bomb" in err.message


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_truncated_file_is_refused(fmt):
    whole = files.encode(files.noise(128, 128), fmt)
    err = refusal(files.truncated(whole, 0.6))
    assert err.status == 422
    assert "truncated or damaged" in err.message or "damaged" in err.message


def test_a_file_over_the_size_limit_is_a_413():
    data = files.encode(files.noise(64, 64), "PNG")
    err = refusal(data, max_bytes=len(data) - 1)
    assert err.status == 413
    assert err.setting == "image_max_bytes"


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_sample_is_an_upright_rgb_picture_within_the_limits(name):
    picture = sample_picture(name)
    assert picture.image.mode == "RGB"
    assert max(picture.image.size) <= 512


def test_the_bright_pixel_sample_is_one_white_pixel():
    rgb = sample_picture("pixel").pixels("rgb")
    assert np.argwhere(rgb.sum(axis=0)).tolist() == [[16, 16]]
    assert rgb[:, 16, 16].tolist() == [255, 255, 255]


@pytest.mark.parametrize(
    ("mode", "value", "rgb"),
    [
        ("RGBA", (10, 20, 30, 128), (132, 137, 142)),  # on white: 255 + (c − 255)·128/255
        ("LA", (100, 128), (177, 177, 177)),
        ("I;16", 1000, (3, 3, 3)),  # 1000 >> 8
        ("RGB", (1, 2, 3), (1, 2, 3)),
    ],
)
def test_a_large_plain_png_is_shrunk_before_it_is_converted(monkeypatch, mode, value, rgb):
    """A few-KB PNG declaring 4000×4000 pixels: shrunk by a whole factor before its alpha is
    flattened and its bit depth lowered, so the conversions never see 16 million pixels
    (at the 40-million-pixel limit they took 1.2 s of CPU and 550 MB at full size)."""
    seen = []
    convert = decode_module._eight_bit_rgb
    monkeypatch.setattr(
        decode_module, "_eight_bit_rgb", lambda im: seen.append(im.size) or convert(im)
    )
    buffer = BytesIO()
    Image.new(mode, (4000, 4000), value).save(buffer, "PNG")
    picture = decode_image(buffer.getvalue(), 5_000_000, 40_000_000, 512)
    assert picture.image.size == (512, 512)
    assert picture.source == (4000, 4000)
    assert tuple(np.asarray(picture.image)[100, 100]) == rgb
    assert seen == [(1334, 1334)], seen  # ⌈4000 / 3⌉: still over twice 512 for the last resize
