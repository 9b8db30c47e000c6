"""Image mode's speed: a 512×512 RGB picture through a 7×7 kernel, as the server answers it.

Run (unset the OpenBLAS overrides this machine sets, which slow numpy's GEMM):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench.image

In one process, with numpy's BLAS and torch on the server's thread count (one), round after
round so that everything sees the same background load, best of N and median:

- the whole request ``POST /api/v1/image/conv2d`` through the app, in process over ASGI (no
  network): reading the multipart body, decoding the PNG, the convolution, drawing the
  output and encoding the PNG answer (or the JSON of every number);
- its parts: decoding, the convolution by the method image mode picks, drawing + encoding;
- the reference, measured in the same rounds: ``torch.nn.functional.conv2d`` on the same
  float32 tensor and weight. The ratio is torch's time / ours (above 1: faster than torch).

The design's budget (DESIGN §7) is the whole request: ≤ 50 ms server-side.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from io import BytesIO

import httpx
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from app.image.compute import prepare_job
from app.image.decode import decode_image
from app.image.params import image_models
from app.image.render import colourise, png_bytes
from app.main import create_app
from app.settings import Settings
from bench.common import describe_machine, pin_threads
from bench.common import table as markdown_table

SIDE = 512
#: A 7×7 kernel typed as rows: a binomial blur minus its centre (signed, so the PNG is drawn
#: with the diverging map, the costlier one).
KERNEL = np.outer([1, 6, 15, 20, 15, 6, 1], [1, 6, 15, 20, 15, 6, 1]) / 4096.0
KERNEL[3, 3] -= 1.0


def picture(seed: int = 0) -> bytes:
    """A 512×512 RGB PNG: smooth gradients plus noise (a photo's cost to decode, roughly)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.indices((SIDE, SIDE))
    base = np.stack([rows / 2, cols / 2, (rows + cols) / 4], axis=-1)
    pixels = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buffer = BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def kernel_text() -> str:
    return "; ".join(" ".join(repr(float(v)) for v in row) for row in KERNEL)


Timed = Callable[[], Awaitable[object] | object]


async def _time(fn: Timed) -> float:
    start = time.perf_counter()
    result = fn()
    if asyncio.iscoroutine(result):
        await result
    return time.perf_counter() - start


async def measure(fns: dict[str, Timed], repeats: int) -> dict[str, list[float]]:
    """Every function ``repeats`` times, in turn, after one warm-up round."""
    for fn in fns.values():
        await _time(fn)
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else reversed(names):
            times[name].append(await _time(fns[name]))
    return times


async def run(repeats: int) -> None:
    keep = pin_threads(1)  # the server's default (compute_threads)
    settings = Settings()
    app = create_app(settings)
    data = picture()
    transport = httpx.ASGITransport(app=app)
    # the server's startup (threads, the garbage collector's frozen objects, the switch
    # interval): without it, each job's closing collection walks torch's objects, ~0.1 s
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):

        def request(combine: str, accept: str) -> Callable[[], Awaitable[object]]:
            async def post() -> object:
                response = await client.post(
                    "/api/v1/image/conv2d",
                    files={"image": ("p.png", data, "image/png")},
                    data={"kernel": kernel_text(), "padding": "3", "combine": combine},
                    headers={"accept": accept},
                )
                assert response.status_code == 200, response.text[:300]
                return response

            return post

        model = image_models(settings)["conv2d"]
        params = model.model_validate({"kernel": kernel_text(), "padding": 3})
        mixed = model.model_validate({"kernel": kernel_text(), "padding": 3, "combine": "mix"})
        decoded = decode_image(data, settings.image_max_bytes, settings.image_max_pixels, SIDE)
        job = prepare_job(params, decoded, settings)
        job_mix = prepare_job(mixed, decoded, settings)
        out = job.run()
        x = torch.from_numpy(job.x)[None]
        w = torch.from_numpy(job.weight)
        w_mix = torch.from_numpy(job_mix.weight)
        reference = F.conv2d(x, w, padding=3, groups=3)[0].numpy()
        assert np.allclose(out, reference, atol=1e-5), "convcore and torch disagree"
        fns: dict[str, Timed] = {
            "request: RGB per channel (groups 3), PNG answer": request("per_channel", "image/png"),
            "request: RGB mixed (groups 1), PNG answer": request("mix", "image/png"),
            "request: RGB per channel, JSON answer": request("per_channel", "application/json"),
            "decode the PNG": lambda: decode_image(
                data, settings.image_max_bytes, settings.image_max_pixels, SIDE
            ),
            f"convolution, per channel ({job.method})": job.run,
            f"convolution, mixed ({job_mix.method})": job_mix.run,
            "draw + encode the PNG answer": lambda: png_bytes(colourise(out, "auto")[0]),
            "torch F.conv2d, per channel": lambda: F.conv2d(x, w, padding=3, groups=3),
            "torch F.conv2d, mixed": lambda: F.conv2d(x, w_mix, padding=3),
        }
        times = await measure(fns, repeats)
    del keep
    best = {name: min(t) for name, t in times.items()}
    torch_of = {
        f"convolution, per channel ({job.method})": best["torch F.conv2d, per channel"],
        f"convolution, mixed ({job_mix.method})": best["torch F.conv2d, mixed"],
    }
    rows = []
    for name, samples in times.items():
        ratio = f"{torch_of[name] / best[name]:.2f}" if name in torch_of else ""
        rows.append(
            [name, f"{1000 * best[name]:.1f}", f"{1000 * statistics.median(samples):.1f}", ratio]
        )
    print(f"512×512 RGB PNG ({len(data)} bytes), 7×7 kernel, padding 3; best of {repeats}")
    print(markdown_table(rows, ["what", "best ms", "median ms", "torch / ours"]))
    print(describe_machine(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="rounds (best of N)")
    asyncio.run(run(parser.parse_args().repeats))


if __name__ == "__main__":
    main()
