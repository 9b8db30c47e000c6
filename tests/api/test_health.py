"""GET /healthz and the OpenAPI document."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.mark.anyio
async def test_healthz_reports_versions(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["numpy"] == np.__version__
    assert body["torch"] == torch.__version__
    assert body["convplay"] == "0.1.0"


@pytest.mark.anyio
async def test_openapi_lists_healthz(client):
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert "/healthz" in response.json()["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
