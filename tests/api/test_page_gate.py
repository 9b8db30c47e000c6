"""Pages render in gates of their own, one per lane: steps and whole boards.

A render that waits on an event holds a lane's one slot (nothing depends on timing); the
test then looks at what the other requests get.
"""

from __future__ import annotations

import threading

import anyio
import pytest

from app.pages import render
from app.settings import Settings
from tests.api.helpers import wait_until

pytestmark = pytest.mark.anyio

STEP = {"HX-Request": "true", "X-Part": "step"}
BOARD = {"HX-Request": "true"}


@pytest.fixture
def held_boards(monkeypatch):
    """Board renders (not steps) block until ``held_boards.set()``."""
    release = threading.Event()
    original = render.serve

    def blocking(request, page, pages):
        if request.headers.get("X-Part") != "step":
            assert release.wait(30), "the test never released the render"
        return original(request, page, pages)

    monkeypatch.setattr("app.routers.pages.serve", blocking)
    yield release
    release.set()


async def test_boards_queue_in_their_lane_and_steps_pass(make_client, held_boards):
    settings = Settings(max_page_renders=1, max_page_queue=1)
    async with make_client(settings) as client:
        gates = client._transport.app.state.page_gates
        api_gate = client._transport.app.state.gate
        results = []
        async with anyio.create_task_group() as tasks:

            async def board():
                results.append(await client.get("/conv2d?t=1", headers=BOARD))

            tasks.start_soon(board)
            await wait_until(lambda: gates["board"].running == 1)
            assert api_gate.running == 0  # the API's gate is not the pages'
            tasks.start_soon(board)
            await wait_until(lambda: gates["board"].queued == 1)
            busy = await client.get("/max_pool2d", headers=BOARD)
            step = await client.get("/conv2d?t=2", headers=STEP)
            full_page = await client.get("/conv_transpose2d")  # a whole page is a board too
            api = await client.post("/api/v1/conv2d", json={"input": [[1]], "weight": [[2]]})
            held_boards.set()
        assert (gates["board"].running, gates["board"].queued) == (0, 0)
    assert [r.status_code for r in results] == [200, 200]
    assert step.status_code == 200, step.text  # a step never waits behind boards
    assert 'id="step-count"' in step.text  # the step's own pieces, not a board
    assert api.status_code == 200
    for refused in (busy, full_page):
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["retry-after"]) >= 1
        assert "max_page_queue" in refused.json()["detail"]


async def test_the_step_lane_is_bounded_too(make_client, monkeypatch):
    """Steps run one at a time in their lane (max_page_renders), whatever the client sends."""
    inside, most = 0, 0
    lock = threading.Lock()
    original = render.serve

    def counting(request, page, pages):
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            threading.Event().wait(0.02)
            return original(request, page, pages)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr("app.routers.pages.serve", counting)
    async with make_client(Settings(max_page_renders=1, max_page_queue=16)) as client:
        statuses = []
        async with anyio.create_task_group() as tasks:
            for t in range(1, 7):

                async def step(t=t):
                    statuses.append((await client.get(f"/conv2d?t={t}", headers=STEP)).status_code)

                tasks.start_soon(step)
    assert statuses == [200] * 6
    assert most == 1
