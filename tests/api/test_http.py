"""HTTP manners: HEAD, security headers on every kind of response, offline docs, how a body
may arrive (encoding, UTF-8, in time)."""

from __future__ import annotations

import gzip
import json
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
from bs4 import BeautifulSoup

from app.main import create_app
from app.routers import api_ops
from app.security import DEFAULT_POLICY
from app.settings import Settings

pytestmark = pytest.mark.anyio

CONV = {"input": [[0, 1, 2], [3, 4, 5], [6, 7, 8]], "weight": [[0, 1], [2, 3]]}
GET_PATHS = [
    "/",
    "/?h=4&w=4&t=2",
    "/healthz",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/api/v1/methods",
    "/api/v1/presets",
    "/static/app.css",
    "/static/htmx-2.0.11.min.js",
]


def test_the_get_paths_above_are_every_get_route():
    """A GET route added later must be added to GET_PATHS (and so get its HEAD test)."""
    app = create_app()
    schema_gets = {p for p, ops in app.openapi()["paths"].items() if "get" in ops}
    listed = {urlsplit(p).path for p in GET_PATHS}
    assert schema_gets <= listed
    assert {"/", "/docs", "/redoc", "/openapi.json"} <= listed


@pytest.mark.parametrize("path", GET_PATHS)
async def test_head_answers_like_get_without_a_body(client, path):
    get = await client.get(path)
    head = await client.head(path)
    assert get.status_code == 200
    assert head.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers.get("content-length") == get.headers.get("content-length")


async def test_head_on_a_post_route_is_still_405(client):
    response = await client.head("/api/v1/conv2d")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


def assert_secure(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == DEFAULT_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


async def test_security_headers_on_every_kind_of_response(client):
    responses = {
        "page": await client.get("/"),
        "partial": await client.get("/", headers={"HX-Request": "true"}),
        "static": await client.get("/static/app.css"),
        "docs": await client.get("/docs"),
        "api": await client.post("/api/v1/conv2d", json=CONV),
        "422": await client.post("/api/v1/conv2d", json={"input": [[1]]}),
        "404": await client.get("/nothing/here"),
        "405": await client.get("/api/v1/conv2d"),
        "413": await client.post(
            "/api/v1/conv2d", content=b" " * 3_000_000, headers={"content-type": "text/json"}
        ),
        "415": await client.post(
            "/api/v1/conv2d", content=b"{}", headers={"content-encoding": "gzip"}
        ),
        "head": await client.head("/healthz"),
    }
    expected = {"page": 200, "partial": 200, "static": 200, "docs": 200, "api": 200}
    expected |= {"head": 200, "422": 422, "404": 404, "405": 405, "413": 413, "415": 415}
    assert {k: r.status_code for k, r in responses.items()} == expected
    for response in responses.values():
        assert_secure(response)


async def test_security_headers_on_a_500(monkeypatch):
    def broken(body, plan):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api_ops, "_convolution", broken)
    transport = httpx.ASGITransport(app=create_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/api/v1/conv2d", json=CONV)
    assert response.status_code == 500
    assert_secure(response)


async def test_redoc_alone_may_start_a_blob_worker(client):
    policy = (await client.get("/redoc")).headers["content-security-policy"]
    assert policy == DEFAULT_POLICY + "; worker-src 'self' blob:"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_load_nothing_from_outside(client, path):
    page = await client.get(path)
    soup = BeautifulSoup(page.text, "html.parser")
    urls = [
        tag.get(attr)
        for tag in soup.find_all(True)
        for attr in ("src", "href", "spec-url", "data-openapi")
        if tag.get(attr)
    ]
    assert urls
    assert "http" not in page.text.replace("http-equiv", "")
    for url in urls:
        assert not urlsplit(url).netloc, url  # same server: a path, or a data: URL
        if url.startswith("/"):
            assert (await client.get(url)).status_code == 200, url
    assert not soup.find_all("script", src=False)  # no inline script (CSP)


async def test_docs_follow_the_root_path():
    transport = httpx.ASGITransport(app=create_app(), root_path="/convplay")
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        page = await client.get("/convplay/docs")
    assert 'data-openapi="/convplay/openapi.json"' in page.text
    assert 'src="/convplay/static/swagger-ui-bundle-' in page.text


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "GZIP"])
async def test_a_compressed_body_is_415_saying_so(client, encoding):
    body = gzip.compress(json.dumps(CONV).encode())
    response = await client.post(
        "/api/v1/conv2d",
        content=body,
        headers={"content-type": "application/json", "content-encoding": encoding},
    )
    assert response.status_code == 415
    assert response.headers["accept-encoding"] == "identity"
    assert response.headers["connection"] == "close"
    assert "compressed" in response.json()["detail"]
    assert encoding.lower() in response.json()["detail"]


async def test_identity_encoding_is_fine(client):
    response = await client.post(
        "/api/v1/conv2d", json=CONV, headers={"content-encoding": "identity"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b'{"input": [[1, 2]], "weight": [[1]], "method": "\xff"}',  # invalid UTF-8
        json.dumps(CONV).encode("utf-16"),  # json.loads would read it; JSON is UTF-8
        b"\x1f\x8b\x08\x00" + b"\x00" * 20,  # gzip bytes sent without saying so
    ],
)
async def test_a_body_that_is_not_utf8_gets_a_message_saying_so(client, body):
    response = await client.post(
        "/api/v1/conv2d", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["type"] == "json_invalid"
    assert "not UTF-8" in error["msg"] or "JSON decode error" in error["msg"]
    if b"\x1f\x8b" not in body:
        assert "not UTF-8" in error["msg"]


async def test_a_body_cut_short_gets_408_and_a_closed_connection():
    """ASGI-level: half a body, then nothing; the app answers 408 once body_timeout passes."""
    app = create_app(Settings(body_timeout=0.2))
    stall = anyio.Event()
    parts = [
        {"type": "http.request", "body": b'{"input": [[1,', "more_body": True},
    ]

    async def receive():
        if parts:
            return parts.pop(0)
        await stall.wait()  # the client never sends the rest
        return {"type": "http.disconnect"}

    sent = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/conv2d",
        "raw_path": b"/api/v1/conv2d",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    with anyio.fail_after(10):
        await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = dict(start["headers"])
    assert start["status"] == 408
    assert headers[b"connection"] == b"close"
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert "body_timeout" in json.loads(body)["detail"]
