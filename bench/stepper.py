"""A step in a real browser: from the → key press until the page has settled, and the bytes.

Run (Playwright drives Debian's Chromium against a live uvicorn on a free port):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench.stepper
    .venv/bin/python -m bench.stepper --compare /tmp/old-tree   # also a tree of another commit

The script opens every page at once and presses → on each in turn, ``--presses`` rounds
(each press waits for the previous step to settle; at the last step it turns back with ←), so
that all pages meet the same background load; per press it records:

- *ms*: from the ``keydown`` event to the frame that paints the new step: the page shows it
  (``#stepper[data-t]`` changes, seen by a MutationObserver), then the next animation frame
  and a task queued from it, so that frame's style, layout and paint are done;
- *bytes*: what the network delivered for that step (CDP ``encodedDataLength``: compressed
  body and headers of every response that finished while the step was on its way).

``--watch`` scrolls each page's output grids into view first (by default the page is at its
top, as it opens). The table gives each page's median and p90, and its median over the
heaviest conv2d page's median in the same rounds (``× conv2d heavy``): the figure a busy
machine does not move.
``--compare DIR`` serves another source tree (for example ``git archive <commit>`` unpacked)
with the same interpreter and measures it in the same run, so the two can be compared on the
same, possibly busy, machine. A tree's app must mark the step on ``#stepper[data-t]``, as
every version of the page has; a page a tree does not have (the pools before their pages) is
left out of its rows.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import describe_machine, table

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CONVPLAY_CHROMIUM", "/usr/bin/chromium")

#: The heaviest pooling a student can make: 16×16, 4 channels, a 7×7 window at stride 1.
HEAVY_POOL = "h=16&w=16&ci=4&xp=random&kh=7&kw=7&sh=1&sw=1&ph=3&pw=3"
#: The heaviest transposed page a student can make: a 16×16 input, 7×7 kernels, 4 → 4
#: channels in one group (each value stamps onto all 4 outputs, each window reads all 4
#: inputs), stride 2, padding 3: its grids near the page's 40-cell limit (a 37×37 canvas, a
#: 37×37 zero-inserted input, a 31×31 output).
TRANSPOSED_HEAVY = (
    "/conv_transpose2d?h=16&w=16&ci=4&co=4&xp=random&kp=random&kh=7&kw=7&sh=2&sw=2&ph=3&pw=3"
)

#: The page every other is compared with, pressed in the same rounds.
REFERENCE = "16×16 · 7×7, 4→4 channels, groups 2, same, reflect"

CASES = {
    "tutorial 3×3 · 2×2": "/",
    "9×9 · 3×3, stride 2, pad 1": "/?h=9&w=9&kp=sobel_x&sh=2&sw=2&ph=1&pw=1",
    "16×16 · 7×7, 4→4 channels, groups 2, same, reflect": (
        "/?h=16&w=16&ci=4&co=4&groups=2&xp=random&kp=random&kh=7&kw=7&pad=same&mode=reflect"
    ),
    "max pool, tutorial 3×3 · 2×2, stride 1": "/max_pool2d?h=3&w=3&sh=1&sw=1",
    "max pool 16×16 · 7×7, 4 channels, pad 3, stride 1, indices": (
        f"/max_pool2d?{HEAVY_POOL}&ri=1"
    ),
    "the same, Window tab (49 shifted planes)": f"/max_pool2d?{HEAVY_POOL}&ri=1&tab=window",
    "avg pool 16×16 · 7×7, 4 channels, pad 3, stride 1, Window tab": (
        f"/avg_pool2d?{HEAVY_POOL}&tab=window"
    ),
    "transposed: the tutorial's Kᵀ, 2×2 → 4×4": (
        "/conv_transpose2d?h=2&w=2&xp=custom&x=35,36,39,40&kp=emboss&tab=kt"
    ),
    "transposed heavy, Scatter (a stamp of 4×49 cells)": TRANSPOSED_HEAVY,
    "transposed heavy, col2im (a column of 4×49 cells)": TRANSPOSED_HEAVY + "&tab=col2im",
    "transposed heavy, Zero insert (a window of 4×49 taps)": TRANSPOSED_HEAVY + "&tab=zero_insert",
}

# record the key press, and wait for the step to be shown and painted
PRESS_CLOCK = """
window.__press = 0;
document.addEventListener('keydown', e => { window.__press = performance.now(); }, true);
"""
SETTLED = """async (target) => {
  const shown = () => {
    const main = document.querySelector('#stepper');
    return main && main.dataset.t === String(target);
  };
  if (!shown()) {
    // the moment the page shows the step (a mutation), not the next frame after it
    await new Promise(resolve => {
      const watch = new MutationObserver(() => {
        if (shown()) { watch.disconnect(); resolve(); }
      });
      watch.observe(document.body, {subtree: true, childList: true, attributes: true});
    });
  }
  // the frame that paints it: its animation callbacks run before its style, layout and
  // paint, and a task queued from them runs after
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - window.__press;
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(tree: Path) -> Iterator[str]:
    """A uvicorn serving the app of ``tree`` on a free port; its base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        cwd=tree,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the server of {tree} did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


class Stepper:
    """One page in the browser, stepped by key presses: → to the last step, then ← back."""

    def __init__(self, browser, url: str, watch: bool = False) -> None:
        self.page = page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script(PRESS_CLOCK)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        self.delivered: list[int] = []
        cdp.on("Network.loadingFinished", self._finished)
        response = page.goto(url)
        self.ok = response is not None and response.ok  # a tree may lack this page
        self.count = self.t = 0
        self.direction = 1
        if self.ok:
            page.wait_for_function("document.querySelector('#stepper').dataset.t === '0'")
            page.wait_for_timeout(500)
            self.count = int(page.eval_on_selector("#stepper", "main => main.dataset.count"))
            if watch:  # the output grids in view, as a student watching them has them
                page.eval_on_selector(".panel-output", "el => el.scrollIntoView()")

    def _finished(self, event: dict) -> None:
        self.delivered.append(int(event["encodedDataLength"]))

    def press(self) -> tuple[float, int]:
        """(ms from the key press to the frame that paints the step, bytes delivered)."""
        if not 0 <= self.t + self.direction < self.count:
            self.direction = -self.direction
        self.t += self.direction
        self.page.bring_to_front()
        self.delivered.clear()
        self.page.keyboard.press("ArrowRight" if self.direction > 0 else "ArrowLeft")
        elapsed = self.page.evaluate(SETTLED, self.t)
        self.page.wait_for_timeout(50)  # let late network events arrive before counting
        return float(elapsed), sum(self.delivered)


def measure(
    browser, urls: dict[str, str], presses: int, watch: bool = False
) -> dict[str, tuple[list[float], list[int]]]:
    """(ms, bytes) of ``presses`` steps per page, after two steps to warm up.

    The pages are open at once and pressed in turn, round after round, so that every page
    meets the same background load and the ratios between them hold on a busy machine.
    """
    steppers = {name: Stepper(browser, url, watch) for name, url in urls.items()}
    found: dict[str, tuple[list[float], list[int]]] = {name: ([], []) for name in urls}
    for press in range(presses + 2):
        for name, stepper in steppers.items():
            if not stepper.ok:
                continue
            elapsed, size = stepper.press()
            if press >= 2:
                found[name][0].append(elapsed)
                found[name][1].append(size)
    for stepper in steppers.values():
        stepper.page.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--compare", type=Path, action="append", default=[])
    parser.add_argument("--only", default="", help="measure the pages whose name has this")
    parser.add_argument(
        "--watch", action="store_true", help="scroll the output grids into view first"
    )
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: make system-deps installs it")
    from playwright.sync_api import sync_playwright

    trees = [("this tree", ROOT)] + [(str(path), path) for path in args.compare]
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for label, tree in trees:
            with serve(tree) as base:
                urls = {name: base + q for name, q in CASES.items() if args.only in name}
                found = measure(browser, urls, args.presses, args.watch)
            reference = found.get(REFERENCE, ([], []))[0]
            for name, (times, sizes) in found.items():
                if not times:
                    rows.append([label, name, "n/a", "n/a", "n/a", "n/a"])
                    continue
                ratio = (
                    f"{statistics.median(times) / statistics.median(reference):.2f}"
                    if reference
                    else "n/a"
                )
                rows.append(
                    [
                        label,
                        name,
                        f"{statistics.median(times):.0f}",
                        f"{sorted(times)[int(0.9 * (len(times) - 1))]:.0f}",
                        ratio,
                        f"{statistics.median(sizes) / 1024:.1f}",
                    ]
                )
        browser.close()
    print(table(rows, ["tree", "page", "median ms", "p90 ms", "× conv2d heavy", "KiB per step"]))
    print()
    where = ", the output grids scrolled into view" if args.watch else ""
    print(f"{args.presses} presses per page, Chromium at {CHROMIUM}, viewport 1280×800{where}")
    print(describe_machine(1))


if __name__ == "__main__":
    main()
