"""A page's configuration → its figure: one step as a PNG, or every step as an animated GIF.

The query is read exactly as the page reads it (:func:`app.pages.render.configure`: the
page's model, its prepare, convcore's checks), so the same URL query gives the same
configuration, and what the page would refuse is refused here with the page's own messages.
The board and the steps are the page's (``page.board``, ``page.step``); what the figure
draws of them is the page's :class:`~app.figures.spec.FigureSpec`.

Limits (:class:`app.settings.Settings`): ``max_export_frames`` steps per animation, and
``max_figure_pixels`` per image (cells shrink to fit, down to 6 pixels).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from app.figures import fonts
from app.figures.draw import Drawing, FigureTexts
from app.figures.gif import GifWriter
from app.figures.layout import MAX_HEIGHT, MAX_WIDTH, MIN_CELL, fit
from app.figures.scene import Scene
from app.figures.spec import FigureGroup
from app.figures.tiles import Look
from app.i18n import N_
from app.pages.grids import CellTexts
from app.pages.highlight import Highlight
from app.pages.page import Page
from app.pages.problems import Message, Problems
from app.pages.render import Configured
from app.settings import Settings
from convcore.codegen import pytorch_code
from convcore.errors import ConvcoreError

#: How long a frame shows, and the last one (a pause before the animation starts again).
FRAME_MS, LAST_FRAME_MS = 900, 2700

#: The URL fields a file name leaves out: the cells, and what is not the configuration.
_UNNAMED = {"x", "xs", "k", "ks", "b", "lang", "present", "tab", "t", "shown", "tap", "kp0"}


@dataclass(frozen=True)
class Export:
    """A figure's bytes, media type and file name."""

    body: bytes
    media_type: str
    filename: str


def export(page: Page, done: Configured, kind: str, settings: Settings) -> Export | Problems:
    """The figure of a valid configuration (``done.setup``): ``kind`` 'png' (step
    ``done.query.t``) or 'gif' (every step); the problems when a limit stops it."""
    setup = done.setup
    if setup is None:  # the caller answers the problems instead
        return done.problems
    gettext = done.gettext
    count = setup.count
    if kind == "gif" and count > settings.max_export_frames:
        return _too_many_frames(count, settings.max_export_frames)
    labels = gettext if done.query.lang == "en" or fonts.has_cjk() else _english
    texts = CellTexts.translated(gettext)
    start = min(max(done.query.t, 0), count - 1) if kind == "png" else 0
    first = page.step(setup, start, texts)
    board = page.board(setup, texts, first.highlight)
    groups = page.figure.groups(board)
    scene = Scene(groups)
    titles = [_title(group, labels) for group in groups]
    layout, smallest = fit(scene, titles, settings.max_figure_pixels)
    if layout is None:
        return _too_large(smallest.width, smallest.height, settings.max_figure_pixels)
    heading = f"{labels(page.label)} · {_code(page.op, setup)}"
    legend = _legend(scene, groups, first.highlight, labels)
    drawing = Drawing(scene, layout, FigureTexts(heading, titles, legend), kind == "gif")
    name = _filename(page.op, done.config)

    def line(view: Any) -> str:
        step = labels("Step %(n)s of %(total)s") % {"n": view.t + 1, "total": count}
        caption = page.figure.caption(view)
        return f"{step}  ·  {caption}" if caption else step

    if kind == "png":
        drawing.show(first.highlight, line(first))
        out = BytesIO()
        drawing.image.save(out, format="PNG", compress_level=6)
        return Export(out.getvalue(), "image/png", f"{name}_step-{start + 1}.png")
    writer = GifWriter()
    for t in range(count):
        view = first if t == 0 else page.step(page.figure.after(setup, t - 1), t, texts)
        box = drawing.show(view.highlight, line(view))
        writer.add(drawing.image, box, LAST_FRAME_MS if t == count - 1 else FRAME_MS)
    return Export(writer.finish(), "image/gif", f"{name}.gif")


def _english(message: str) -> str:
    """Labels in English: a Chinese figure without a CJK font (see :mod:`.fonts`)."""
    return message


def _title(group: FigureGroup, labels: Callable[[str], str]) -> str:
    """A group's title with its grids' size: ``Padded input 7×7``."""
    first = group.grids[0]
    rows = len(first.rows)
    cols = len(first.rows[0]) if rows else 0
    return f"{labels(group.title)}  {rows}×{cols}"


def _code(op: str, setup: Any) -> str:
    """The PyTorch call the figure computes (``F.conv2d(x, w, stride=2)``)."""
    config = setup.config
    kernel = getattr(config, "kernel", None)
    try:
        code = pytorch_code(
            op,
            config.args(),
            input_ndim=3,
            kernel_shape=kernel.shape if kernel is not None else (),
            has_bias=getattr(config, "bias", None) is not None,
        )
    except ConvcoreError:
        return op
    return code.removeprefix("out = ").splitlines()[0].removeprefix("out, indices = ")


def _legend(
    scene: Scene, groups: list[FigureGroup], marks: Highlight, labels: Callable[[str], str]
) -> list[tuple[Look, str]]:
    """Swatches for what the figure shows: the kinds of cell it has, the marks of a step."""
    kinds = scene.kinds
    fills = any(group.fills for group in groups)
    items: list[tuple[Look, str]] = []
    for kind, words in (
        ("pad", N_("padding")),
        ("over", N_("past the padding (ceil_mode)")),
        ("ins", N_("inserted zero")),
        ("crop", N_("cropped by the padding")),
    ):
        if kind in kinds:
            items.append((Look(kind, "done" if kind == "crop" else "", "", ""), labels(words)))
    tap = N_("a tap of the window") if fills else N_("this stamp adds")
    items.append((Look("in", "", "tap", ""), labels(tap)))
    if marks.spans:
        items.append((Look("in", "", "gap", ""), labels(N_("skipped by dilation"))))
    if any(m.cls == "win" for m in marks.marked):
        items.append((Look("in", "", "win", ""), labels(N_("its maximum"))))
    items.append((Look("out", "done", "cur", ""), labels(N_("this step"))))
    items.append((Look("out", "done", "", ""), labels(N_("computed"))))
    todo = N_("not computed yet") if fills else N_("no stamp yet")
    items.append((Look("out", "todo", "", ""), labels(todo)))
    return items


def _filename(op: str, config: Any) -> str:
    """A file name that says what the figure is: the op and the fields that differ from
    the page's defaults (``conv2d_h-5_w-5_sh-2_mode-reflect``)."""
    parts = [op]
    for name, value in config.fields().items():
        if name not in _UNNAMED:
            parts.append(f"{name}-{value}")
    text = "_".join(parts)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text)[:120]


def _too_many_frames(count: int, limit: int) -> Problems:
    problems = Problems()
    problems.add(
        None,
        Message(
            N_(
                "This configuration has %(count)s steps, and an animation has at most "
                "%(max)s frames (the server's max_export_frames, CONVPLAY_MAX_EXPORT_FRAMES). "
                "Make the input smaller, raise the stride or use fewer channels; or download "
                "one step as a PNG."
            ),
            {"count": count, "max": limit},
        ),
    )
    return problems


def _too_large(width: int, height: int, limit: int) -> Problems:
    problems = Problems()
    problems.add(
        None,
        Message(
            N_(
                "Even with %(cell)s-pixel cells this figure would be %(w)s×%(h)s pixels; an "
                "export is at most %(mw)s×%(mh)s and %(max)s pixels (the server's "
                "max_figure_pixels, CONVPLAY_MAX_FIGURE_PIXELS). Use a smaller input, fewer "
                "channels or less padding."
            ),
            {
                "cell": MIN_CELL,
                "w": width,
                "h": height,
                "mw": MAX_WIDTH,
                "mh": MAX_HEIGHT,
                "max": limit,
            },
        ),
    )
    return problems
