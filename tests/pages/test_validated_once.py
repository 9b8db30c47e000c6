"""A page validates its configuration once per request: the tracer's prepared call (its
geometry) serves the step, the board's output and the output-size formulas (issue 9).

Geometries of other configurations (a link's target: the transpose of this conv2d, a preset)
are other questions and are not counted.
"""

from __future__ import annotations

import pytest

import convcore as cc

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}
STEP = {"HX-Request": "true", "X-Part": "step"}

PAGES = [
    ("/conv2d?h=5&w=5&kp=sobel_x&sh=2&sw=2&ph=1&pw=1&t=3", cc.Conv2dGeometry),
    ("/conv2d?h=6&w=6&ci=2&co=2&groups=2&pad=same&mode=reflect&tab=im2col&t=5", cc.Conv2dGeometry),
    ("/conv_transpose2d?h=3&w=3&sh=2&sw=2&t=2", cc.ConvTranspose2dGeometry),
    ("/max_pool2d?h=4&w=4&kh=3&kw=3&sh=2&sw=2&ph=1&pw=1&ri=1&t=1", cc.Pool2dGeometry),
    ("/avg_pool2d?h=5&w=5&kh=2&kw=2&tab=window&t=2", cc.Pool2dGeometry),
]


@pytest.fixture
def built(monkeypatch):
    """Every geometry built while a request is served, in order."""
    made: list[object] = []
    for cls in (cc.Conv2dGeometry, cc.ConvTranspose2dGeometry, cc.Pool2dGeometry):
        original = cls.__init__

        def recording(self, *args, __original=original, **kwargs):
            __original(self, *args, **kwargs)
            made.append(self)

        monkeypatch.setattr(cls, "__init__", recording)
    return made


@pytest.mark.parametrize(("url", "kind"), PAGES)
@pytest.mark.parametrize("headers", [{}, HX, STEP], ids=["page", "board", "step"])
async def test_one_geometry_per_request(client, built, url, kind, headers):
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text[:500]
    own = next(g for g in built if isinstance(g, kind))  # the page's setup builds it first
    again = sum(1 for g in built if g == own)
    assert again == 1, f"the page's {kind.__name__} was built {again} times for {url}"
