"""GET and POST /image: a picture through an op, side by side with its output, one pixel zoomed.

GET carries everything in the query (a sample, the op, its arguments: a shareable link);
POST carries an uploaded file as ``multipart/form-data`` with the same fields. The answer is
the whole page, or for the page's script (``X-Part``) the main section (``main``) or the zoom
of one output pixel (``zoom``). Decoding and computing run in the work gate.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from app.i18n import LANGUAGES, N_, plain_gettext
from app.image.page import OP_LABELS, ImageView, build_view, has_kernel, kernel_menu, op_options
from app.image.params import IMAGE_OPS
from app.image.patch import StepperLink
from app.image.samples import SAMPLES
from app.image.upload import read_form
from app.pages.labels import ARG_LABELS, CHOICE_LABELS, KERNEL_LABELS
from app.pages.render import HTMX
from app.settings import Settings
from convcore.presets import kernel_presets
from convcore.spec import OPS

#: The request header the page's script sends for part of the page.
PART = "X-Part"
TEMPLATES = {"main": "image/main.html", "zoom": "image/zoom.html"}


class ImagePageInfo:
    """What the shared layout (``base.html``) reads about the current page."""

    op = "image"
    label = N_("Image")
    title = N_("Image mode: a picture through an operation")


def install_image_page(app: FastAPI) -> None:
    """Mount GET and POST /image."""
    router = APIRouter(tags=["pages"], include_in_schema=False)
    router.add_api_route(
        "/image", image_page, methods=["GET", "POST"], response_class=HTMLResponse, name="image"
    )
    app.include_router(router)


async def image_page(request: Request) -> HTMLResponse:
    """The page, its main section or one pixel's zoom (see the module docstring)."""
    settings: Settings = request.app.state.settings
    upload, upload_name = None, ""
    if request.method == "POST":
        form = read_form(await request.body(), request.headers.get("content-type", ""))
        raw = form.fields
        upload = form.file("image")
        upload_name = form.filenames.get("image", "")
    else:
        raw = {}
        for name, value in request.query_params.multi_items():
            raw.setdefault(name, []).append(value)
    lang = (raw.get("lang") or ["en"])[-1]
    lang = lang if lang in LANGUAGES else "en"
    env = request.app.state.templates[lang]
    gettext = plain_gettext(env)
    root = request.scope.get("root_path", "")
    stepper = StepperLink(request.app.state.pages["conv2d"], root, gettext)
    view = await request.app.state.gate.run(
        request.receive, build_view, raw, upload, upload_name, settings, gettext, stepper
    )
    part = request.headers.get(PART, "")
    template = TEMPLATES.get(part, "image/page.html")
    context = _context(view, lang, root, request, settings, upload is not None)
    return HTMLResponse(env.get_template(template).render(context), headers={"Vary": PART})


def _context(
    view: ImageView, lang: str, root: str, request: Request, settings: Settings, uploaded: bool
) -> dict[str, Any]:
    kp, rows = kernel_menu(view) if has_kernel(view.op) else ("", "")
    return {
        "page": ImagePageInfo,
        "pages": request.app.state.pages,
        "root": root,
        "static": lambda path: f"{root}/static/{path}",
        "htmx_file": HTMX,
        "v": view,
        "spec": OPS[view.op],
        "options": op_options(view.op),
        "ops": [(op, OP_LABELS[op]) for op in IMAGE_OPS],
        "samples": list(SAMPLES.items()),
        "kernels": [(name, KERNEL_LABELS[name]) for name in kernel_presets()],
        "kp": kp,
        "rows": rows,
        "arg_labels": ARG_LABELS,
        "choice_labels": CHOICE_LABELS,
        "settings": settings,
        "uploaded": uploaded,
        "share": None if uploaded else share_url(root, view, lang),
        "lang_url": lambda code: None if uploaded else share_url(root, view, code),
    }


def share_url(root: str, view: ImageView, lang: str) -> str:
    """The GET address of this view (a sample's: an upload has no address)."""
    skip = {"image", "k0", "shown", "lang"}
    items = [(name, v) for name, values in view.fields.items() if name not in skip for v in values]
    if lang != "en":
        items.insert(0, ("lang", lang))
    return f"{root}/image" + ("?" + urlencode(items) if items else "")
