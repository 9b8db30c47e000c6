"""Page tests: the app in process (no server), the HTML parsed, torch as the oracle."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from bs4 import BeautifulSoup

from app.main import create_app


@pytest.fixture(scope="session")
def app():
    return create_app()


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def soup(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:2000]
    return BeautifulSoup(response.text, "html.parser")


def shown(text: str) -> float:
    """A number as the page prints it (U+2212 minus, parentheses around negatives)."""
    return float(text.strip().strip("()").replace("−", "-"))


def torch_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, mode="zeros"):
    """The oracle, written with torch alone: (C_out, Ho, Wo) for x (C, H, W)."""
    xt = torch.tensor(np.asarray(x, dtype=np.float64))[None]
    wt = torch.tensor(np.asarray(w, dtype=np.float64))
    bt = None if b is None else torch.tensor(np.asarray(b, dtype=np.float64))
    if mode != "zeros" and padding not in ("same", "valid"):
        ph, pw = padding
        xt = F.pad(xt, (pw, pw, ph, ph), mode=mode)
        padding = 0
    return F.conv2d(xt, wt, bt, stride, padding, dilation, groups)[0].numpy()


def torch_pad(x, ph, pw, mode):
    """The padded input (C, Hp, Wp) as torch builds it."""
    xt = torch.tensor(np.asarray(x, dtype=np.float64))[None]
    mode = "constant" if mode == "zeros" else mode
    return F.pad(xt, (pw, pw, ph, ph), mode=mode)[0].numpy()
