"""A step in a real browser: from the → key press until the page has settled, and the bytes.

Run (Playwright drives Debian's Chromium against a live uvicorn on a free port):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench.stepper
    .venv/bin/python -m bench.stepper --compare /tmp/old-tree   # also a tree of another commit

For each page, the script opens it, presses → ``--presses`` times (each press waits for the
previous step to settle) and records, per press:

- *ms*: from the ``keydown`` event to the frame that paints the new step: the page shows it
  (``#stepper[data-t]`` changes, seen by a MutationObserver), then the next animation frame
  and a task queued from it, so that frame's style, layout and paint are done;
- *bytes*: what the network delivered for that step (CDP ``encodedDataLength``: compressed
  body and headers of every response that finished while the step was on its way).

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


def has_page(url: str) -> bool:
    """The server answers ``url`` (a tree without the pages of an op answers 404)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def measure(browser, url: str, presses: int) -> tuple[list[float], list[int]]:
    """(ms, bytes) of each of ``presses`` steps, after two steps to warm up.

    The presses go → to the last step, then ← back to the first, and so on.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.add_init_script(PRESS_CLOCK)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    delivered: list[int] = []
    cdp.on("Network.loadingFinished", lambda e: delivered.append(int(e["encodedDataLength"])))
    page.goto(url)
    page.wait_for_function("document.querySelector('#stepper').dataset.t === '0'")
    page.wait_for_timeout(500)
    count = int(page.eval_on_selector("#stepper", "main => main.dataset.count"))
    times, sizes = [], []
    t, direction = 0, 1
    for press in range(presses + 2):
        if not 0 <= t + direction < count:
            direction = -direction
        t += direction
        delivered.clear()
        page.keyboard.press("ArrowRight" if direction > 0 else "ArrowLeft")
        elapsed = page.evaluate(SETTLED, t)
        page.wait_for_timeout(50)  # let late network events arrive before counting
        if press >= 2:
            times.append(float(elapsed))
            sizes.append(sum(delivered))
    page.close()
    return times, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--compare", type=Path, action="append", default=[])
    parser.add_argument("--only", default="", help="measure the pages whose name has this")
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
                for name, query in CASES.items():
                    if args.only not in name or not has_page(base + query):
                        continue
                    times, sizes = measure(browser, base + query, args.presses)
                    rows.append(
                        [
                            label,
                            name,
                            f"{statistics.median(times):.0f}",
                            f"{sorted(times)[int(0.9 * (len(times) - 1))]:.0f}",
                            f"{statistics.median(sizes) / 1024:.1f}",
                        ]
                    )
        browser.close()
    print(table(rows, ["tree", "page", "median ms", "p90 ms", "KiB per step"]))
    print()
    print(f"{args.presses} presses per page, Chromium at {CHROMIUM}, viewport 1280×800")
    print(describe_machine(1))


if __name__ == "__main__":
    main()
