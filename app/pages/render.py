"""The one route every page is served by: the whole page, the board, a step, or the problems.

The same URL answers four ways:

- a plain GET (a link, a reload, the back button after a history miss): the whole page;
- htmx, after a change of configuration: the board (``#stepper``, swapped out of band so the
  page's script can keep the field being typed in) and ``HX-Push-Url`` with the canonical
  URL, so a change of configuration is a history entry;
- htmx with ``X-Part: step``: only what a step changes (``templates/partials/step.html``):
  the step style, the counter, the arithmetic, the tab's row or column;
- htmx for a query that cannot be shown: only the messages, next to their controls, and no
  new URL when a field or a cell was unusable (a half-typed cell must not become a link).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from app.i18n import plain_gettext
from app.pages.form import Form
from app.pages.grids import CellTexts
from app.pages.labels import (
    ARG_LABELS,
    AXIS_LABELS,
    CHOICE_LABELS,
    CONTROL_LABELS,
    EMPTY_NOTES,
    INPUT_LABELS,
    KERNEL_LABELS,
)
from app.pages.page import Page
from app.pages.params import EMPTY_MEANS, URL_NAMES
from app.pages.problems import CELL_CONTROLS, Problems, control_for, field_problems
from app.pages.query import INPUT_CHOICES, PageQuery, kernel_choices, query_dict
from convcore.spec import OPS

#: The request header the page's script sends for a step.
PART = "X-Part"

#: The vendored htmx, its version in the name (see static/).
HTMX = "htmx-2.0.11.min.js"


def validate(
    model: type[PageQuery],
    fields: Mapping[str, object],
    control_of: Callable[[str], str | None],
    cell_name: Callable[[str, int], str],
) -> tuple[PageQuery, Problems]:
    """The query, with its rejected fields at their defaults, and what was wrong with them."""
    try:
        return model.model_validate(fields), Problems()
    except ValidationError as err:
        problems = field_problems(err, model, fields, control_of, cell_name)
        bad = {str(e["loc"][0]) for e in err.errors(include_url=False) if e["loc"]}
        query = model.model_validate({k: v for k, v in fields.items() if k not in bad})
        return query, problems


@dataclass(frozen=True)
class Configured:
    """A page's query read and validated: the arrays, and the setup or what stops it."""

    query: PageQuery
    env: jinja2.Environment  # the templates in the query's language
    control_of: Callable[[str], str | None]
    config: Any
    setup: Any | None  # the page's Setup, None when there are problems
    problems: Problems

    @property
    def gettext(self) -> Callable[[str], str]:
        """The catalogue of the query's language (no formatting, no escaping)."""
        return plain_gettext(self.env)


def configure(
    page: Page, items: Iterable[tuple[str, str]], templates: Mapping[str, jinja2.Environment]
) -> Configured:
    """Read a query string's ``items`` as ``page`` does: its model, then the page's prepare."""
    spec = OPS[page.op]
    control_of = control_for(tuple(arg.name for arg in spec.options), page.controls)
    fields = query_dict(items)
    query, problems = validate(page.query, fields, control_of, page.cell_name)
    env = templates[query.lang]
    config, outcome = page.prepare(query, plain_gettext(env), control_of)
    if isinstance(outcome, Problems):
        problems = _merged(problems, outcome)
    setup = None if problems else outcome
    return Configured(query, env, control_of, config, setup, problems)


def page_context(
    page: Page, pages: Mapping[str, Page], done: Configured, root: str, htmx: bool
) -> dict[str, Any]:
    """What every template of the page core reads (see the templates under ``partials/``)."""
    base = f"{root}/{page.op}"
    config, query, problems = done.config, done.query, done.problems
    return {
        "page": page,
        "pages": pages,
        "spec": OPS[page.op],
        "q": query,
        "config": config,
        "form": Form(query, problems, done.control_of),
        "problems": problems,
        "setup": done.setup,
        "base": base,
        "root": root,
        "url": lambda **changes: config.url(base, **changes),
        # the page's figures (app.figures): the same query under /<op>/<last>, never
        # in presentation mode
        "export_url": lambda last, **changes: config.url(
            f"{base}/{last}", present=False, **changes
        ),
        "static": lambda path: f"{root}/static/{path}",
        "htmx_file": HTMX,
        "htmx": htmx,
        "options": _options(done.gettext),
        "arg_labels": ARG_LABELS,
        "control_labels": CONTROL_LABELS,
        "axis_labels": AXIS_LABELS,
        "url_names": URL_NAMES,
        "empty_means": EMPTY_MEANS,
        "empty_notes": EMPTY_NOTES,
        "cell_controls": CELL_CONTROLS,
    }


def serve(request: Request, page: Page, pages: Mapping[str, Page]) -> HTMLResponse:
    """Answer a GET of ``page`` (see the module docstring for the four answers)."""
    headers = request.headers
    htmx = (
        headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"
    )
    part = headers.get(PART) if htmx else None
    done = configure(page, request.query_params.multi_items(), request.app.state.templates)
    query, env, config, setup, problems = (
        done.query,
        done.env,
        done.config,
        done.setup,
        done.problems,
    )
    root = request.scope.get("root_path", "")
    base = f"{root}/{page.op}"
    texts = CellTexts.translated(done.gettext)
    context = page_context(page, pages, done, root, htmx)
    vary = {"Vary": f"HX-Request, {PART}"}
    if part == "step" and setup is not None:
        context["step"] = page.step(setup, query.t, texts)
        return _render(env, "partials/step.html", context, vary)
    context["links"] = page.links(config, setup, root, pages)
    if htmx and setup is None:
        push = "false" if problems.url_fields_rejected else config.url(base)
        answer = {**vary, "HX-Reswap": "none", "HX-Push-Url": push}
        return _render(env, "partials/problems.html", context, answer)
    if setup is not None:
        context["step"] = page.step(setup, query.t, texts)
        context["board"] = page.board(setup, texts, context["step"].highlight)
    if htmx:
        answer = {**vary, "HX-Push-Url": config.url(base)}
        return _render(env, "partials/main_oob.html", context, answer)
    return _render(env, "page.html", context, vary)


def _merged(first: Problems, second: Problems) -> Problems:
    """The problems of the fields, then those of the configuration."""
    for control, messages in second.inline.items():
        first.inline.setdefault(control, []).extend(messages)
    for control, cells in second.cells.items():
        first.cells.setdefault(control, []).extend(cells)
    first.general += second.general
    first.detail = first.detail or second.detail
    first.axes = first.axes or second.axes
    return first


def _options(gettext: Callable[[str], str]) -> dict[str, list[tuple[str, str]]]:
    """The choices of the form's menus with their labels translated: (value, label)."""
    options = {
        "xp": [(name, gettext(INPUT_LABELS[name])) for name in INPUT_CHOICES],
        "kp": [(name, gettext(KERNEL_LABELS[name])) for name in kernel_choices()],
    }
    for arg, labels in CHOICE_LABELS.items():
        options[arg] = [(value, gettext(label)) for value, label in labels.items()]
    return options


def _render(
    env: jinja2.Environment, template: str, context: dict[str, Any], headers: dict[str, str]
) -> HTMLResponse:
    return HTMLResponse(env.get_template(template).render(context), headers=headers)
