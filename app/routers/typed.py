"""Routes whose body model is built per app: give a handler its model as FastAPI reads it.

The request models come from :func:`app.schemas.spec_models.api_models`, one set per app's
settings, so a route cannot name its model in a module-level signature. A handler is
written once, ``handler(body, settings)``, with the model's base class as its type; this
wraps it in an endpoint whose signature carries the app's model (and the worked examples),
which is what FastAPI validates against and documents.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body

from app.deps import SettingsDep
from app.schemas.examples import Examples


def with_body(
    handler: Callable[..., Any], model: Any, examples: Examples | None = None
) -> Callable[..., Any]:
    """An endpoint calling ``handler(body=…, settings=…)`` with ``body`` parsed as ``model``.

    The endpoint keeps the handler's name (the OpenAPI operation id), docstring (the
    description) and kind: a coroutine stays on the event loop, a plain function runs in
    FastAPI's thread pool.
    """
    wants_settings = "settings" in inspect.signature(handler).parameters
    worked: Any = examples  # FastAPI's Example is a TypedDict of these same keys
    body = Annotated[model, Body(openapi_examples=worked)] if examples else model
    parameters = [inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body)]
    if wants_settings:
        parameters.append(
            inspect.Parameter("settings", inspect.Parameter.KEYWORD_ONLY, annotation=SettingsDep)
        )

    async def on_loop(**kwargs: Any) -> Any:
        return await handler(**kwargs)

    def in_thread(**kwargs: Any) -> Any:
        return handler(**kwargs)

    endpoint: Callable[..., Any] = on_loop if inspect.iscoroutinefunction(handler) else in_thread
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint
