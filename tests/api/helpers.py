"""Small helpers for the API tests: torch calls and error assertions."""

from __future__ import annotations

import anyio
import numpy as np
import torch


def t(values) -> torch.Tensor:
    """A float64 tensor."""
    return torch.tensor(np.asarray(values, dtype=np.float64))


def assert_422(response, *fragments: str) -> str:
    """A 422 in FastAPI's format whose messages contain every fragment; returns the text."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    assert detail
    text = " | ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in detail)
    for fragment in fragments:
        assert fragment in text, text
    return text


async def wait_until(condition) -> None:
    """Poll ``condition`` on the event loop until it holds (10 s at most)."""
    with anyio.fail_after(10):
        while not condition():
            await anyio.sleep(0.01)
