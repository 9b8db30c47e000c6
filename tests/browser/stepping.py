"""Stepping a page in the browser: wait for a step, play at the fastest speed."""

from __future__ import annotations

from playwright.sync_api import Page

#: Records every step the page shows, in order, as ``window.__seen``.
_WATCH_STEPS = """() => {
    window.__seen = [];
    const main = document.querySelector('#stepper');
    new MutationObserver(() => {
        const t = +main.dataset.t;
        if (window.__seen[window.__seen.length - 1] !== t) window.__seen.push(t);
    }).observe(main, {attributes: true, attributeFilter: ['data-t']});
}"""


def wait_step(page: Page, t: int) -> None:
    """Wait until the page shows step ``t`` (0-based, as ``data-t`` has it)."""
    page.wait_for_function(f"document.querySelector('#stepper').dataset.t === '{t}'")


def play_fastest(page: Page, last: int) -> list[int]:
    """Press Play at the fastest speed, wait for step ``last``; every step shown meanwhile."""
    page.evaluate(_WATCH_STEPS)
    page.select_option("#speed", "0")
    page.click("#play")
    wait_step(page, last)
    seen: list[int] = page.evaluate("window.__seen")
    return seen
