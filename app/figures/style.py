"""The figures' colours: flat squares, a blue window over the input, the output in teal.

Every colour a figure uses is in :func:`palette`, with the shades antialiased text makes
over each fill, so that a frame becomes a GIF frame by a fixed palette (no quantising per
frame, and the same colour in every frame).
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from PIL import Image

RGB = tuple[int, int, int]

WHITE: RGB = (255, 255, 255)
INK: RGB = (33, 37, 41)
MUTED: RGB = (108, 116, 126)
RULE: RGB = (206, 211, 217)


class CellStyle(NamedTuple):
    """How a cell is drawn: fill, edge (dashed or not), text colour, hatching (or None)."""

    fill: RGB
    edge: RGB
    text: RGB
    dashed: bool = False
    hatch: RGB | None = None
    thick: bool = False


#: The window (its taps) and the kernel share one colour: the window *is* the kernel.
WINDOW: RGB = (38, 102, 176)
CURRENT: RGB = (16, 132, 106)
WIN: RGB = (255, 196, 60)
WIN_EDGE: RGB = (190, 104, 0)
ADDED: RGB = (138, 79, 176)  # rows and columns output_padding adds

#: By (kind, state): the cells before any mark.
BASE: dict[tuple[str, str], CellStyle] = {
    ("in", ""): CellStyle((205, 225, 244), (140, 172, 206), INK),
    ("in", "off"): CellStyle((236, 241, 247), (196, 208, 222), MUTED),  # another group's
    ("pad", ""): CellStyle((250, 250, 250), (150, 156, 164), MUTED, dashed=True),
    ("over", ""): CellStyle((236, 236, 236), (170, 174, 180), MUTED, dashed=True),
    ("ins", ""): CellStyle((247, 243, 230), (186, 176, 140), MUTED, dashed=True),
    ("ker", "on"): CellStyle(WINDOW, (22, 70, 130), WHITE),
    ("ker", "off"): CellStyle((224, 230, 238), (176, 186, 198), INK),
    ("out", "done"): CellStyle((178, 226, 212), (98, 168, 148), INK),
    ("out", "todo"): CellStyle(WHITE, RULE, MUTED),
    ("crop", "done"): CellStyle((214, 218, 222), (150, 156, 164), MUTED, hatch=(170, 176, 182)),
    ("crop", "todo"): CellStyle(WHITE, RULE, MUTED, hatch=(214, 218, 222)),
}

#: A mark of the step replaces the cell's look (a tap on padding stays paler).
MARKS: dict[str, CellStyle] = {
    "tap": CellStyle(WINDOW, (22, 70, 130), WHITE, thick=True),
    "tap-pad": CellStyle((118, 158, 208), (22, 70, 130), WHITE, dashed=True, thick=True),
    "cur": CellStyle(CURRENT, (8, 90, 72), WHITE, thick=True),
    "win": CellStyle(WIN, WIN_EDGE, INK, thick=True),
    "tie": CellStyle(WINDOW, WIN_EDGE, WHITE, dashed=True, thick=True),
}

#: Text colours blended over fills by antialiasing, in this many shades between.
SHADES = 5

#: The palette index a GIF frame uses for "unchanged" (no colour maps to it).
TRANSPARENT = 255
#: What the unused palette entries hold: a colour far from every figure colour, so that no
#: pixel is ever mapped to them.
UNUSED: RGB = (255, 0, 255)


def style(kind: str, state: str, mark: str) -> CellStyle:
    """The style of a cell of ``kind`` in ``state`` with the step's ``mark`` ('' for none)."""
    base = BASE.get((kind, state)) or BASE.get((kind, "")) or BASE[("in", "")]
    if mark == "gap":
        return base._replace(hatch=WINDOW)
    if mark == "tap" and kind in ("pad", "over", "ins"):
        return MARKS["tap-pad"]
    if mark in MARKS:
        return MARKS[mark]
    return base


def _colours() -> list[RGB]:
    """Every colour drawn, then the shades of each text colour over each fill."""
    styles = [*BASE.values(), *MARKS.values()]
    solid = {WHITE, INK, MUTED, RULE, ADDED, WINDOW}
    for s in styles:
        solid |= {s.fill, s.edge, s.text}
        if s.hatch:
            solid.add(s.hatch)
    fills = {s.fill for s in styles} | {WHITE}
    texts = {s.text for s in styles} | {INK, MUTED}
    shades: set[RGB] = set()
    for fill in fills:
        for text in texts:
            for k in range(1, SHADES + 1):
                a = k / (SHADES + 1)
                shades.add(
                    (
                        round(fill[0] + (text[0] - fill[0]) * a),
                        round(fill[1] + (text[1] - fill[1]) * a),
                        round(fill[2] + (text[2] - fill[2]) * a),
                    )
                )
    return sorted(solid) + sorted(shades - solid)


@cache
def palette() -> Image.Image:
    """A ``P`` image holding the figures' palette (for ``Image.quantize(palette=…)``)."""
    colours = _colours()
    if len(colours) > TRANSPARENT:
        raise ValueError(f"the figure palette needs {len(colours)} colours, it has 255")
    flat = [channel for colour in colours for channel in colour]
    flat += list(UNUSED) * (256 - len(colours))
    image = Image.new("P", (1, 1))
    image.putpalette(flat)
    return image


def to_palette(image: Image.Image) -> Image.Image:
    """``image`` (RGB) in the figures' palette, without dithering (flat colours stay flat)."""
    return image.quantize(palette=palette(), dither=Image.Dither.NONE)
