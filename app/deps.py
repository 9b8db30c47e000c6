"""Dependencies the routes declare with ``Annotated``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.settings import Settings


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with (``create_app(settings=...)``).

    ``async`` so that FastAPI calls it on the event loop, not through a worker thread.
    """
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
