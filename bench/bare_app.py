"""The baseline for bench/api.py: a FastAPI app whose one endpoint returns a constant."""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    """One async POST endpoint that ignores its body and answers a fixed JSON object."""
    app = FastAPI()

    @app.post("/constant")
    async def constant() -> dict[str, bool]:
        return {"ok": True}

    return app
