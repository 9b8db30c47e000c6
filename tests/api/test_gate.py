"""The work gate: a bounded number of large computations, a short queue, then 503.

The app-level tests hold the one slot with a computation that waits on an event (so that
nothing depends on timing), then look at what the next requests get.
"""

from __future__ import annotations

import json
import threading

import anyio
import numpy as np
import pytest

from app.gate import ClientGoneError, ServerBusyError, WorkGate
from app.routers import api_ops
from app.settings import Settings
from tests.api.helpers import wait_until

pytestmark = pytest.mark.anyio

CONV = {"input": [[0, 1, 2], [3, 4, 5], [6, 7, 8]], "weight": [[0, 1], [2, 3]]}


def gated(**override) -> Settings:
    """Every operation goes through the gate (inline_work=0): one slot, no queue."""
    return Settings(**{"inline_work": 0, "max_running": 1, "max_queued": 0, **override})


@pytest.fixture
def held(monkeypatch):
    """conv2d computations block until ``held.set()``; ``held.started`` counts them."""
    release = threading.Event()
    release.started = 0  # type: ignore[attr-defined]
    original = api_ops._convolution

    def blocking(body, plan):
        if threading.current_thread() is threading.main_thread():
            return original(body, plan)  # inline, on the event loop: never block that
        release.started += 1  # type: ignore[attr-defined]
        assert release.wait(30), "the test never released the computation"
        return original(body, plan)

    monkeypatch.setattr(api_ops, "_convolution", blocking)
    yield release
    release.set()


async def test_a_full_gate_answers_503_with_retry_after(make_client, held):
    async with make_client(gated()) as client:
        gate = client._transport.app.state.gate
        results = {}
        async with anyio.create_task_group() as tasks:

            async def first():
                results["first"] = await client.post("/api/v1/conv2d", json=CONV)

            tasks.start_soon(first)
            await wait_until(lambda: gate.running == 1)
            busy = await client.post("/api/v1/conv2d", json=CONV)
            held.set()
    assert results["first"].status_code == 200
    assert results["first"].json()["output"] == [[19, 25], [37, 43]]
    assert busy.status_code == 503, busy.text
    assert int(busy.headers["retry-after"]) >= 1
    detail = busy.json()["detail"]
    assert "busy" in detail
    assert "max_running" in detail
    assert held.started == 1  # the refused request never computed


async def test_queued_requests_wait_their_turn(make_client, held):
    async with make_client(gated(max_queued=1)) as client:
        gate = client._transport.app.state.gate
        results = []
        async with anyio.create_task_group() as tasks:

            async def post():
                results.append(await client.post("/api/v1/conv2d", json=CONV))

            tasks.start_soon(post)
            await wait_until(lambda: gate.running == 1)
            tasks.start_soon(post)
            await wait_until(lambda: gate.queued == 1)
            busy = await client.post("/api/v1/conv2d", json=CONV)
            held.set()
        assert (gate.running, gate.queued) == (0, 0)
    assert [r.status_code for r in results] == [200, 200]
    assert busy.status_code == 503


async def test_small_requests_are_not_held_up(make_client, held):
    """Small plans and small bodies skip the gate: they answer while the slot is taken."""
    big_body = {"input": np.zeros((40, 40)).tolist(), "weight": np.zeros((7, 7)).tolist()}
    async with make_client(gated(inline_work=10_000, offload_body_bytes=10_000)) as client:
        gate = client._transport.app.state.gate
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lambda: client.post("/api/v1/conv2d", json=big_body))
            await wait_until(lambda: gate.running == 1)
            small = await client.post("/api/v1/conv2d", json=CONV)
            # a long body needs the gate to be decoded, even for a small computation
            padded = json.dumps(CONV) + " " * 20_000
            long_body = await client.post(
                "/api/v1/conv2d", content=padded, headers={"content-type": "application/json"}
            )
            held.set()
    assert small.status_code == 200, small.text
    assert long_body.status_code == 503, long_body.text


async def test_few_multiply_adds_but_many_python_steps_wait_for_the_gate(make_client, held):
    """A loop method's Python-level steps are work too: max pooling's loop visits every tap
    in Python, so 100 windows of 99 taps (9,900 comparisons, 10,000 steps) would hold the
    event loop ~100 times as long as numpy would take for them."""
    big_body = {"input": np.zeros((40, 40)).tolist(), "weight": np.zeros((7, 7)).tolist()}
    pool = {"input": np.zeros((1, 18, 20)).tolist(), "kernel_size": [9, 11], "stride": 1}
    async with make_client(gated(inline_work=10_000)) as client:
        gate = client._transport.app.state.gate
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lambda: client.post("/api/v1/conv2d", json=big_body))
            await wait_until(lambda: gate.running == 1)
            window = await client.post("/api/v1/max_pool2d", json={**pool, "method": "window"})
            loop = await client.post("/api/v1/max_pool2d", json={**pool, "method": "loop"})
            held.set()
    assert window.status_code == 200, window.text  # 99 steps: on the event loop
    assert loop.status_code == 503, loop.text  # 10,000 steps: needs the gate, which is full


async def test_small_trace_windows_skip_the_gate_and_large_ones_wait(make_client, held):
    big_input = {"input": np.zeros((40, 40)).tolist(), "weight": np.zeros((7, 7)).tolist()}
    async with make_client(gated(inline_trace_taps=49)) as client:
        gate = client._transport.app.state.gate
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lambda: client.post("/api/v1/conv2d", json=big_input))
            await wait_until(lambda: gate.running == 1)
            one_step = await client.post("/api/v1/conv2d/trace", json={**big_input, "count": 1})
            two_steps = await client.post("/api/v1/conv2d/trace", json={**big_input, "count": 2})
            held.set()
    assert one_step.status_code == 200, one_step.text  # 49 taps: on the loop
    assert len(one_step.json()["steps"]) == 1
    assert two_steps.status_code == 503  # 98 taps: needs the gate, which is full


async def test_the_bodies_held_at_once_are_capped_too(make_client, held):
    """A body is held until its request is answered; past max_body_memory in all, 503."""
    rng = np.random.default_rng(0)
    body = {"input": rng.random((60, 60)).tolist(), "weight": [[1.0, 2.0], [3.0, 4.0]]}
    size = len(json.dumps(body))
    limits = gated(
        max_body_memory=size + size // 2,
        max_body_bytes=size + 100,
        max_queued=4,
        offload_body_bytes=10**7,
        inline_work=1000,
    )
    async with make_client(limits) as client:
        gate = client._transport.app.state.gate
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lambda: client.post("/api/v1/conv2d", json=body))
            await wait_until(lambda: gate.running == 1)  # its body is held while it computes
            second = await client.post("/api/v1/conv2d", json=body)
            small = await client.post("/api/v1/conv2d", json=CONV)
            held.set()
    assert second.status_code == 503, second.text
    assert second.headers["retry-after"] == "1"
    assert "max_body_memory" in second.json()["detail"]
    assert small.status_code == 200  # a small body still fits


RAGGED = {"input": [[1.0, 2.0]] * 20_000 + [[1.0]], "weight": [[1.0]]}
VALID = {"input": np.arange(6400.0).reshape(80, 80).tolist(), "weight": [[1, 2], [3, 4]]}


@pytest.mark.parametrize("body", [RAGGED, VALID, {**VALID, "stride": 0}, {**VALID, "x": 1}])
async def test_bodies_decoded_in_the_gate_answer_as_on_the_loop(make_client, body):
    """Decoding and validating in a worker thread changes nothing a client can see."""
    answers = []
    for threshold in (0, 10_000_000):  # every body in the gate, then none
        async with make_client(Settings(offload_body_bytes=threshold)) as client:
            response = await client.post("/api/v1/conv2d", json=body)
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] in (200, 422)


async def fake_receive_until(event: anyio.Event):
    """An ASGI receive whose client disconnects when ``event`` is set."""

    async def receive():
        await event.wait()
        return {"type": "http.disconnect"}

    return receive


async def test_a_client_that_leaves_the_queue_never_starts():
    gate = WorkGate(max_running=1, max_queued=4)
    release, started = threading.Event(), []
    stay, leave = anyio.Event(), anyio.Event()

    def job(name):
        started.append(name)
        release.wait(30)
        return name

    results = {}
    async with anyio.create_task_group() as tasks:

        async def run(name, receive):
            try:
                results[name] = await gate.run(receive, job, name)
            except ClientGoneError:
                results[name] = "gone"

        tasks.start_soon(run, "first", await fake_receive_until(stay))
        await wait_until(lambda: started == ["first"])
        tasks.start_soon(run, "leaver", await fake_receive_until(leave))
        tasks.start_soon(run, "third", await fake_receive_until(stay))
        await wait_until(lambda: gate.queued == 2)
        leave.set()
        await wait_until(lambda: gate.queued == 1)
        release.set()
    assert results == {"first": "first", "leaver": "gone", "third": "third"}
    assert started == ["first", "third"]
    assert (gate.running, gate.queued) == (0, 0)


async def test_a_full_queue_refuses_at_once():
    gate = WorkGate(max_running=1, max_queued=0)
    release = threading.Event()
    stay = anyio.Event()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(gate.run, await fake_receive_until(stay), release.wait, 30)
        await wait_until(lambda: gate.running == 1)
        with pytest.raises(ServerBusyError) as busy:
            await gate.run(await fake_receive_until(stay), print)
        release.set()
    assert busy.value.status_code == 503
    assert 1 <= int(busy.value.headers["Retry-After"]) <= 30
