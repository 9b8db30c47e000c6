"""HTML pages. ``GET /`` is the conv2d stepper: the whole page, or for htmx only its partial.

Every state is a URL: the form's controls, the typed cells and the step are query
parameters. An htmx request gets the ``#stepper`` partial and an ``HX-Push-Url`` header with
the canonical URL, so the address bar always holds a short link that restores the view.
An invalid configuration answers htmx with only the message (retargeted to ``#message``):
the last good views stay on screen while the student fixes the form.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from app.i18n import plain_gettext, template_environments
from app.stepper import format as fmt
from app.stepper.config import StepperConfig, number_text, resolve
from app.stepper.grids import CellTexts
from app.stepper.labels import (
    AXIS_LABELS,
    FIELD_LABELS,
    INPUT_LABELS,
    KERNEL_LABELS,
    MODE_LABELS,
    TAB_LABELS,
)
from app.stepper.query import INPUT_CHOICES, StepperQuery, kernel_choices, query_dict
from app.stepper.view import Problem, build_view, check

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The vendored htmx, its version in the name (see static/).
HTMX = "htmx-2.0.11.min.js"

ROOT = Path(__file__).resolve().parents[2]
FILTERS: dict[str, Callable[..., Any]] = {
    "num": fmt.num,
    "term": fmt.term,
    "tone": fmt.tone,
    "numtext": number_text,
}


def install_pages(app: FastAPI) -> None:
    """Mount the pages, their static files and one Jinja environment per language."""
    app.state.templates = template_environments(ROOT / "templates", FILTERS)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    app.include_router(router)


@router.get("/", response_class=HTMLResponse, summary="The conv2d stepper")
def stepper(request: Request) -> HTMLResponse:
    """Render the stepper for the query string (full page, or the partial for htmx)."""
    items = request.query_params.multi_items()
    fields = query_dict(items)
    # a history restore wants the whole page back, even though htmx sends it
    htmx = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    try:
        query = StepperQuery.model_validate(fields)
        field_errors: list[tuple[str, str]] = []
    except ValidationError as err:
        query, field_errors = _salvage(fields, err)
    config = resolve(query)
    problem = check(config)
    if field_errors:
        problem = Problem("", problem.advice if problem else (), field_errors)
    base = request.scope.get("root_path", "") + "/"
    env = request.app.state.templates[query.lang]
    gettext = plain_gettext(env)
    context = _context(
        config, base, problem, CellTexts.translated(gettext), request.scope.get("root_path", "")
    ) | {"htmx": htmx, "options": _options(gettext)}
    headers = {"Vary": "HX-Request"}
    if htmx and problem is not None:
        # keep the last good views on screen: only the message changes
        headers |= {
            "HX-Retarget": "#message",
            "HX-Reswap": "innerHTML",
            "HX-Push-Url": "false" if field_errors else config.url(base),
        }
        return _render(env, "partials/stepper_message.html", context, headers)
    if htmx:
        headers["HX-Push-Url"] = config.url(base)
        return _render(env, "partials/stepper_main.html", context, headers)
    return _render(env, "stepper.html", context, headers)


def _salvage(
    fields: dict[str, object], err: ValidationError
) -> tuple[StepperQuery, list[tuple[str, str]]]:
    """The query without its invalid fields (they take their defaults), and what was wrong."""
    errors = err.errors(include_url=False)
    bad = {str(e["loc"][0]) for e in errors if e["loc"]}
    query = StepperQuery.model_validate({k: v for k, v in fields.items() if k not in bad})
    described = [(str(e["loc"][0]) if e["loc"] else "", _describe(e)) for e in errors]
    return query, described


def _describe(error: Any) -> str:
    """Pydantic's message with the value received."""
    value = error.get("input")
    shown = value if not isinstance(value, list) else f"{len(value)} values"
    return f"{error['msg']} (got {shown!r})" if value is not None else str(error["msg"])


def _context(
    config: StepperConfig, base: str, problem: Problem | None, texts: CellTexts, root: str
) -> dict[str, Any]:
    """Everything the templates read."""
    view = None if problem is not None else build_view(config, texts)
    return {
        "q": config.query,
        "config": config,
        "view": view,
        "problem": problem,
        "url": lambda **changes: config.url(base, **changes),
        "base": base,
        "static": lambda path: f"{root}/static/{path}",
        "htmx_file": HTMX,
        "field_labels": FIELD_LABELS,
        "axis_labels": AXIS_LABELS,
        "tab_labels": TAB_LABELS,
    }


def _options(gettext: Callable[[str], str]) -> dict[str, list[tuple[str, str]]]:
    """The choices of the form's menus with their labels translated: (value, label)."""
    return {
        "input": [(name, gettext(INPUT_LABELS[name])) for name in INPUT_CHOICES],
        "kernel": [(name, gettext(KERNEL_LABELS[name])) for name in kernel_choices()],
        "mode": [(name, gettext(label)) for name, label in MODE_LABELS.items()],
    }


def _render(
    env: jinja2.Environment, template: str, context: dict[str, Any], headers: dict[str, str]
) -> HTMLResponse:
    return HTMLResponse(env.get_template(template).render(context), headers=headers)
