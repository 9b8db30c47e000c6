"""POST /api/v1/image/{op}: the numbers against torch, the PNG, and every refusal a 4xx."""

from __future__ import annotations

import shlex
from io import BytesIO
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose
from PIL import Image

from app.settings import Settings
from tests.image import files

pytestmark = pytest.mark.anyio

JSON = {"accept": "application/json"}
SOBEL_X = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
BILINEAR = torch.tensor([[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]])


def to_tensor(data: bytes, mode: str = "RGB") -> torch.Tensor:
    """What torchvision's to_tensor gives for a PIL image: uint8 / 255, channels first."""
    image = Image.open(BytesIO(data)).convert(mode)
    array = np.asarray(image)
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return torch.from_numpy(array.copy()).to(torch.float32).div(255)


async def post(client, op, data: bytes | None, fields: dict, headers=JSON):
    """A multipart request, as ``curl -F`` sends it (a list field repeats)."""
    parts = [("image", ("picture.png", data, "image/png"))] if data is not None else []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append((name, (None, item)))
    return await client.post(f"/api/v1/image/{op}", files=parts, headers=headers)


PICTURE = files.encode(files.noise(37, 53, seed=4))  # odd sizes: strides and windows don't fit


def per_channel(kernel: torch.Tensor, channels: int = 3) -> torch.Tensor:
    return kernel.expand(channels, 1, *kernel.shape).contiguous()


# (op, form fields, the torch.nn.functional call on x, the channels mode)
CASES = [
    (
        "conv2d",
        {
            "kernel": "sobel_x",
            "stride": "2",
            "padding": "1",
            "dilation": "2",
            "padding_mode": "reflect",
        },
        lambda x: F.conv2d(
            F.pad(x[None], (1, 1, 1, 1), mode="reflect"),
            per_channel(SOBEL_X),
            stride=2,
            dilation=2,
            groups=3,
        )[0],
        "RGB",
    ),
    (
        "conv2d",
        {"kernel": "1 2; 3 -4", "padding": "same", "combine": "mix"},
        lambda x: F.conv2d(
            x[None], torch.tensor([[1.0, 2], [3, -4]]).expand(1, 3, 2, 2), padding="same"
        )[0],
        "RGB",
    ),
    (
        "conv2d",
        {"kernel": "laplacian", "channels": "gray", "stride": ["1", "3"]},
        lambda x: F.conv2d(
            x[None],
            torch.tensor([[[[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]]]),
            stride=(1, 3),
            padding=1,
        )[0],
        "L",
    ),
    (
        "conv_transpose2d",
        {},  # the default: bilinear upsampling ×2
        lambda x: F.conv_transpose2d(
            x[None], per_channel(BILINEAR), stride=2, padding=1, output_padding=1, groups=3
        )[0],
        "RGB",
    ),
    (
        "conv_transpose2d",
        {
            "kernel": "[[1, -1], [2, 0.5]]",
            "combine": "mix",
            "stride": "3",
            "padding": "0",
            "output_padding": "0",
            "dilation": "2",
        },
        lambda x: F.conv_transpose2d(
            x[None], torch.tensor([[1.0, -1], [2, 0.5]]).expand(3, 1, 2, 2), stride=3, dilation=2
        )[0],
        "RGB",
    ),
    (
        "max_pool2d",
        {"kernel_size": "3", "stride": "2", "padding": "1", "dilation": "2", "ceil_mode": "true"},
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=2, ceil_mode=True),
        "RGB",
    ),
    (
        "avg_pool2d",
        {"kernel_size": "2,3", "padding": "1", "count_include_pad": "false", "channels": "gray"},
        lambda x: F.avg_pool2d(x, (2, 3), padding=1, count_include_pad=False),
        "L",
    ),
    (
        "avg_pool2d",
        {"kernel_size": "4", "stride": "3", "divisor_override": "5"},
        lambda x: F.avg_pool2d(x, 4, stride=3, divisor_override=5),
        "RGB",
    ),
]


@pytest.mark.parametrize(("op", "fields", "reference", "mode"), CASES)
async def test_the_numbers_match_torch(client, op, fields, reference, mode):
    response = await post(client, op, PICTURE, fields)
    assert response.status_code == 200, response.text
    body = response.json()
    x = torch.tensor(body["input"]["values"], dtype=torch.float32)
    # the input is to_tensor of the upload, exactly
    assert torch.equal(x, to_tensor(PICTURE, mode))
    out = np.asarray(body["output"]["values"], dtype=np.float32)
    expected = reference(x).numpy()
    assert out.shape == expected.shape == tuple(body["output"]["shape"])
    assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert body["range"] == [pytest.approx(float(out.min())), pytest.approx(float(out.max()))]


async def test_a_large_picture_is_shrunk_and_still_matches_torch(client):
    big = files.encode(files.noise(700, 900, seed=1), "JPEG", quality=80)
    response = await post(client, "conv2d", big, {"kernel": "gaussian", "padding": "1"})
    body = response.json()
    x = torch.tensor(body["input"]["values"], dtype=torch.float32)
    assert tuple(x.shape) == (3, 398, 512)  # 900×700 → 512 wide, 700·512/900 = 398 tall
    assert body["source"] == {"format": "JPEG", "width": 900, "height": 700}
    kernel = torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16
    expected = F.conv2d(x[None], per_channel(kernel), padding=1, groups=3)[0].numpy()
    assert_allclose(np.asarray(body["output"]["values"]), expected, rtol=1e-5, atol=1e-6)


async def test_a_sample_needs_no_upload(client):
    response = await post(
        client, "max_pool2d", None, {"sample": "checkerboard", "kernel_size": "2"}
    )
    assert response.status_code == 200
    assert response.json()["output"]["shape"] == [3, 128, 128]


async def test_the_png_of_an_identity_kernel_is_the_picture_itself(client):
    pixels = files.noise(20, 30, seed=9)
    response = await post(
        client, "conv2d", files.encode(pixels), {"kernel": "identity", "padding": "1"}, headers={}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-output-shape"] == "3,20,30"
    assert response.headers["x-display"] == "clip"
    drawn = np.asarray(Image.open(BytesIO(response.content)))
    assert np.array_equal(drawn, pixels)


async def test_signed_outputs_are_drawn_white_at_zero_and_dark_red_at_the_top(client):
    pixels = np.zeros((8, 8), dtype=np.uint8)
    pixels[:, 4:] = 255  # an edge: Sobel x is +4 on it; −4 at the right border (zero padding)
    response = await post(
        client,
        "conv2d",
        files.encode(pixels),
        {"kernel": "sobel_x", "channels": "gray"},
        headers={},
    )
    assert response.headers["x-display"] == "signed"
    low, high = map(float, response.headers["x-output-range"].split(","))
    assert (low, high) == (-4.0, 4.0)
    drawn = np.asarray(Image.open(BytesIO(response.content)).convert("RGB"))
    assert drawn[4, 0].tolist() == [247, 247, 247]  # y = 0
    assert drawn[4, 3].tolist() == [103, 0, 31]  # y = +4 = max |y|: dark red
    assert drawn[4, 7].tolist() == [5, 48, 97]  # y = −4: dark blue


BAD_FILES = {
    "text": (b"this is not a picture\n" * 20, "not a PNG, JPEG or WebP"),
    "bomb": (files.bomb_png(100_000, 100_000), "decompression bomb"),
    "bomb under Pillow's own limit": (files.bomb_png(8000, 8000), "decompression bomb"),
    "truncated PNG": (files.truncated(files.encode(files.noise(96, 96))), "truncated"),
    "truncated JPEG": (
        files.truncated(files.encode(files.noise(96, 96), "JPEG")),
        "truncated",
    ),
    "animated GIF": (files.animated("GIF"), "GIF"),
    "animated WebP": (files.animated("WEBP"), "animated (120 frames)"),
    "animated PNG": (files.animated("PNG"), "animated (120 frames)"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
async def test_a_bad_file_is_a_422_at_the_image_field(client, name):
    data, words = BAD_FILES[name]
    response = await post(client, "conv2d", data, {"kernel": "sobel_x"})
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "image"]
    assert words in error["msg"]


async def test_a_file_over_the_limit_is_a_413(make_client):
    data = files.encode(files.noise(64, 64))
    async with make_client(Settings(image_max_bytes=len(data) - 100)) as client:
        response = await post(client, "conv2d", data, {})
    assert response.status_code == 413
    assert "image_max_bytes" in response.text


async def test_a_body_far_over_the_limit_is_refused_before_it_is_read(make_client):
    async with make_client(Settings(image_max_bytes=4096)) as client:
        response = await post(client, "conv2d", b"\0" * 1_000_000, {})
    assert response.status_code == 413
    assert "image_max_bytes" in response.json()["detail"]


async def test_no_image_and_no_sample_is_a_422(client):
    response = await post(client, "conv2d", None, {"kernel": "sobel_x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "image"]


async def test_an_empty_file_is_said_to_be_empty_even_beside_a_sample(client):
    """An empty file part that has a file name was sent on purpose: it is not replaced by the
    sample, and the answer says what is wrong with it."""
    response = await post(client, "conv2d", b"", {"sample": "photo"})
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "image"]
    assert "empty" in error["msg"]


async def test_a_json_body_is_a_415(client):
    response = await client.post("/api/v1/image/conv2d", json={"kernel": "sobel_x"})
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "loc", "words"),
    [
        ({"stride": "0"}, "stride", "stride"),
        ({"kernel": "1 2; 3"}, "kernel", "row 2"),
        ({"kernel": "blurry"}, "kernel", "must be one of"),
        ({"kernel": "[" * 1000 + "]" * 1000}, "kernel", "nested too deeply"),  # was a 500
        ({"padding_mode": "mirror"}, "padding_mode", "zeros"),
        ({"channels": "cmyk"}, "channels", "gray"),
        ({"frobnicate": "1"}, "frobnicate", "Extra"),
    ],
)
async def test_a_bad_field_is_a_422_naming_it(client, fields, loc, words):
    response = await post(client, "conv2d", PICTURE, fields)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(e["loc"][:2] == ["body", loc] and words in e["msg"] for e in detail), detail


async def test_convcore_refusals_are_422s_naming_the_argument(client):
    response = await post(client, "conv2d", PICTURE, {"padding": "same", "stride": "2"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "convcore_error"
    assert error["loc"][1] in ("padding", "stride")
    response = await post(client, "max_pool2d", PICTURE, {"kernel_size": "4", "padding": "3"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][1] == "padding"


async def test_an_output_over_the_image_limits_is_a_422_naming_the_setting(client):
    response = await post(
        client, "conv_transpose2d", files.encode(files.noise(300, 300)), {"stride": "5"}
    )
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["type"] == "limit_exceeded"
    assert error["ctx"]["setting"] == "image_max_output_side"


async def test_the_schema_documents_the_multipart_body_and_both_answers(client):
    schema = (await client.get("/openapi.json")).json()
    for op in ("conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d"):
        post_ = schema["paths"][f"/api/v1/image/{op}"]["post"]
        body = post_["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert body["properties"]["image"]["format"] == "binary"
        assert "channels" in body["properties"]
        assert "groups" not in body["properties"]
        answers = post_["responses"]["200"]["content"]
        assert set(answers) == {"image/png", "application/json"}
        assert {"413", "422"} <= set(post_["responses"])
    conv = schema["paths"]["/api/v1/image/conv2d"]["post"]["requestBody"]["content"]
    stride = conv["multipart/form-data"]["schema"]["properties"]["stride"]
    assert stride["anyOf"][0]["maximum"] == Settings().max_side


async def test_a_json_answer_over_a_pictures_worth_of_values_is_refused(client):
    # 300×300 upsampled ×3: (300 − 1)·3 − 2 + 2 + 1 + 1 = 899 a side, 3 × 899² values, more
    # than 3 × 512²; the PNG is fine
    fields = {"stride": "3", "padding": "1", "output_padding": "1"}
    big = files.encode(files.noise(300, 300))
    response = await post(client, "conv_transpose2d", big, fields)
    assert response.status_code == 422
    assert response.json()["detail"][0]["ctx"]["setting"] == "image_max_side"
    response = await post(client, "conv_transpose2d", big, fields, headers={})
    assert response.status_code == 200
    assert response.headers["x-output-shape"] == "3,899,899"


def readme_image_examples() -> list[tuple[str, list[tuple[str, str]], dict[str, str]]]:
    """The README's curl examples of the image endpoints: (op, form fields, headers)."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text().replace("\\\n", " ")
    examples = []
    for line in text.splitlines():
        if not line.startswith("curl ") or "$API/image/" not in line:
            continue
        words = shlex.split(line)
        op = next(w for w in words if w.startswith("$API/image/")).rsplit("/", 1)[1]
        fields = [tuple(w.split("=", 1)) for prev, w in pairwise(words) if prev == "-F"]
        headers = dict(
            tuple(part.strip() for part in w.split(":", 1))
            for prev, w in pairwise(words)
            if prev == "-H"
        )
        examples.append((op, fields, headers))
    assert len(examples) >= 3, "the README shows the image endpoints"
    return examples


@pytest.mark.parametrize(("op", "fields", "headers"), readme_image_examples())
async def test_the_readme_image_examples_answer(client, op, fields, headers):
    photo = files.encode(files.noise(60, 80), "JPEG")
    parts = [
        (name, ("photo.jpg", photo, "image/jpeg") if value.startswith("@") else (None, value))
        for name, value in fields
    ]
    response = await client.post(f"/api/v1/image/{op}", files=parts, headers=headers)
    assert response.status_code == 200, response.text
