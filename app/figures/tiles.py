"""One cell of a figure, drawn once per look and size and pasted wherever it appears.

A frame changes a few dozen cells; the same looks (a padding zero, a tap of weight 1)
recur, so each is drawn once (:class:`Tiles`) and pasted, a few microseconds each.
"""

from __future__ import annotations

from typing import NamedTuple

from PIL import Image, ImageDraw

from app.figures import fonts
from app.figures.style import ADDED, MUTED, CellStyle, style, to_palette

#: Cells smaller than this show no numbers; badges need this much.
MIN_TEXT_CELL = 14
MIN_BADGE_CELL = 30


class Look(NamedTuple):
    """What a cell shows: its kind and state, the step's mark on it, its text and badge.

    ``kind``: ``in``, ``pad``, ``over`` (past the padding, a ceil_mode window's), ``ins``
    (an inserted zero), ``ker``, ``out``, ``crop`` (cropped by a transposed convolution's
    padding); ``state``: ``on`` / ``off`` (a kernel the step uses or not), ``done`` /
    ``todo`` (an output); ``mark``: ``tap``, ``gap``, ``cur``, ``win``, ``tie`` or ''.
    ``added``: a row or column ``output_padding`` adds.
    """

    kind: str
    state: str
    mark: str
    text: str
    badge: str = ""
    added: bool = False


class Tiles:
    """Cell images of side ``size`` by look, drawn on first use: RGB, or in the figures'
    palette (``indexed``, for a GIF: mapped once per look, not once per frame)."""

    def __init__(self, size: int, indexed: bool = False) -> None:
        self.size, self.indexed = size, indexed
        self._made: dict[Look, Image.Image] = {}

    def get(self, look: Look) -> Image.Image:
        """The tile of ``look``."""
        tile = self._made.get(look)
        if tile is None:
            tile = draw_cell(look, self.size)
            if self.indexed:
                tile = to_palette(tile)
            self._made[look] = tile
        return tile


def draw_cell(look: Look, size: int) -> Image.Image:
    """A ``size``-pixel square for ``look``: fill, hatching, edge, number, badge."""
    s = style(look.kind, look.state, look.mark)
    tile = Image.new("RGB", (size, size), s.fill)
    draw = ImageDraw.Draw(tile)
    if s.hatch is not None:
        step = max(4, size // 5)
        for k in range(-size, size, step):
            draw.line([(k, size), (k + size, 0)], fill=s.hatch, width=1)
    _edge(draw, s, size)
    if look.added:
        draw.rectangle([1, size - max(3, size // 10), size - 2, size - 2], fill=ADDED)
    if size < MIN_TEXT_CELL:
        return tile
    text = "·" if look.state == "todo" and look.kind in ("out", "crop") else look.text
    badge = look.badge if size >= MIN_BADGE_CELL else ""
    centre_y = size * (0.58 if badge else 0.5)
    _text(draw, text, size, (size / 2, centre_y), s.text, round(size * 0.36))
    if badge:
        colour = s.text if look.mark else MUTED
        _text(draw, badge, size, (size * 0.70, size * 0.2), colour, round(size * 0.24), 0.55)
    return tile


def _edge(draw: ImageDraw.ImageDraw, s: CellStyle, size: int) -> None:
    """The cell's outline: solid or dashed, 1 or 2 pixels, inside the tile."""
    width = 2 if s.thick else 1
    last = size - 1
    if not s.dashed:
        draw.rectangle([0, 0, last, last], outline=s.edge, width=width)
        return
    dash = max(2, size // 8)
    for start in range(0, size, 2 * dash):
        end = min(last, start + dash - 1)
        for w in range(width):
            draw.line([(start, w), (end, w)], fill=s.edge)
            draw.line([(start, last - w), (end, last - w)], fill=s.edge)
            draw.line([(w, start), (w, end)], fill=s.edge)
            draw.line([(last - w, start), (last - w, end)], fill=s.edge)


def _text(
    draw: ImageDraw.ImageDraw,
    text: str,
    size: int,
    centre: tuple[float, float],
    colour: tuple[int, int, int],
    font_size: int,
    room: float = 0.9,
) -> None:
    """``text`` centred at ``centre``, smaller when it is too wide, left out when even the
    smallest size (8 px) does not fit ``room`` of the cell."""
    if not text:
        return
    points = max(8, font_size)
    while points > 8 and fonts.text_width(text, points) > size * room:
        points -= 1
    if fonts.text_width(text, points) > size * room:
        return
    draw.text(centre, text, fill=colour, font=fonts.font(points), anchor="mm")
