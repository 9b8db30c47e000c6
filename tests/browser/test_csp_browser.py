"""The pages and the API docs work under the Content-Security-Policy, with no outside request.

Chromium reports every blocked script, style, worker or eval as a ``securitypolicyviolation``
event and a console error; a listener added before any page script runs collects both.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

#: Installed before the page's own scripts: every CSP violation lands in window.__csp.
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile
        + ':' + e.lineNumber));
"""


@pytest.fixture
def watched(browser, live_server):
    """A page under the policy (the other tests' pages bypass it), with CSP violations,
    console errors and off-server requests recorded."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(COLLECT)
    seen = {"console": [], "outside": []}
    page.on(
        "console",
        lambda m: seen["console"].append(m.text) if m.type in ("error", "warning") else None,
    )
    server = urlsplit(live_server).netloc

    def request(req):
        url = urlsplit(req.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != server:
            seen["outside"].append(req.url)

    page.on("request", request)

    def problems() -> dict[str, list[str]]:
        csp = page.evaluate("window.__csp")
        policy = [m for m in seen["console"] if "Content Security Policy" in m]
        return {"csp": csp, "console": policy, "outside": seen["outside"]}

    page.problems = problems  # type: ignore[attr-defined]
    yield page
    context.close()


def test_stepping_and_editing_under_the_policy(watched: Page, live_server, shot):
    page = watched
    response = page.goto(live_server + "/?h=5&w=5&kp=sobel_x&sh=2&sw=2&ph=1&pw=1")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.click("#step-next")
    expect(page.locator("#stepper")).to_have_attribute("data-t", "1")
    page.fill("#k-4", "2.5")  # a kernel cell: an htmx request triggered by typing
    expect(page.locator("#f-kp")).to_have_value("custom")
    page.fill("#f-sw", "3")  # a number in the form: the relayed number-input event
    page.wait_for_url(lambda url: "sw=3" in url)
    page.select_option("#f-mode", "reflect")  # a choice: the relayed choice-change event
    page.wait_for_url(lambda url: "mode=reflect" in url)
    page.click("[data-tab=im2col]")
    expect(page.locator("#tabpanel")).to_have_attribute("data-tab", "im2col")
    shot(page, "stepper-under-csp")
    assert page.problems() == {"csp": [], "console": [], "outside": []}


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/docs", ".swagger-ui .opblock-tag"),  # Swagger UI drew the operations
        ("/redoc", "[role=search] input, .api-content h2"),  # Redoc drew the reference
    ],
)
def test_api_docs_render_offline_under_the_policy(watched: Page, live_server, shot, path, ready):
    page = watched
    page.goto(live_server + path)
    page.wait_for_selector(ready, timeout=30_000)
    page.wait_for_load_state("networkidle")
    shot(page, f"docs{path.replace('/', '-')}")
    assert page.problems() == {"csp": [], "console": [], "outside": []}


def test_swagger_try_it_out_calls_the_server(watched: Page, live_server):
    page = watched
    page.goto(live_server + "/docs#/health/healthz_healthz_get")
    page.wait_for_selector("#operations-health-healthz_healthz_get")
    page.click("#operations-health-healthz_healthz_get .try-out__btn")
    page.click("#operations-health-healthz_healthz_get .execute")
    operation = page.locator("#operations-health-healthz_healthz_get")
    status = operation.locator(".live-responses-table .response .response-col_status")
    expect(status.first).to_contain_text("200")
    assert page.problems() == {"csp": [], "console": [], "outside": []}
