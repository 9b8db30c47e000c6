"""Server-side time to render one stepper step, in process (no network, no browser).

Run:

    .venv/bin/python -m bench.stepper

For each configuration and method tab, the median time of

- *render*: the page's route handler called directly, as for an htmx request: query
  parsing, convcore's trace of the step and the full output, the tab's matrices, the view
  model and the Jinja render of the partial;
- *request*: the same ``GET /`` through the whole ASGI app (middleware, the thread the
  handler runs in, httpx's in-process transport), whose fixed cost the last line gives
  as the time of ``GET /healthz`` through the same client;

and the size of the HTML sent.
"""

from __future__ import annotations

import argparse
import asyncio

import httpx
from starlette.requests import Request

from app.main import create_app
from app.routers.pages import stepper
from bench.common import describe_machine, median_seconds, pin_threads, table

CASES = {
    "tutorial 3×3 · 2×2": "/?t=2",
    "7×7 · 3×3, stride 2, pad 1": "/?h=7&w=7&kp=sobel_x&sh=2&sw=2&ph=1&pw=1&t=5",
    "16×16 · 7×7": "/?h=16&w=16&xp=random&kp=random&kh=7&kw=7&t=37",
    "16×16 · 7×7, 4→4 channels, groups 2, same, reflect": (
        "/?h=16&w=16&ci=4&co=4&groups=2&xp=random&kp=random&kh=7&kw=7&pad=same&mode=reflect&t=300"
    ),
}
TABS = ("loop", "im2col", "kmatrix", "torch")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    limiter = pin_threads(1)
    app = create_app()
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    def fetch(url: str) -> httpx.Response:
        response = loop.run_until_complete(client.get(url, headers={"HX-Request": "true"}))
        response.raise_for_status()
        return response

    def render(url: str) -> bytes:
        query = url.partition("?")[2].encode()
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "query_string": query,
            "headers": [(b"hx-request", b"true")],
            "app": app,
            "root_path": "",
        }
        return bytes(stepper(Request(scope)).body)

    rows = []
    for name, url in CASES.items():
        for tab in TABS:
            full = f"{url}&tab={tab}"
            size = len(fetch(full).content)
            if render(full) != fetch(full).content:
                raise RuntimeError(f"the handler and the app disagree on {full}")
            direct = median_seconds(lambda full=full: render(full), args.repeats, warmup=3)
            seconds = median_seconds(lambda full=full: fetch(full), args.repeats, warmup=3)
            rows.append(
                [name, tab, f"{direct * 1e3:.1f}", f"{seconds * 1e3:.1f}", f"{size / 1024:.0f}"]
            )
    floor = median_seconds(lambda: fetch("/healthz"), args.repeats, warmup=3)
    loop.run_until_complete(client.aclose())
    loop.close()
    print(table(rows, ["configuration", "tab", "render ms", "request ms", "HTML KiB"]))
    print()
    print(f"GET /healthz through the same client: {floor * 1e3:.1f} ms")
    print(describe_machine(1))
    del limiter


if __name__ == "__main__":
    main()
