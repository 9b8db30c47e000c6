"""A figure of one configuration, frame by frame: the grids, the titles, a legend, and two
lines on top (what the figure computes, and what the current step does, in numbers).

:meth:`Drawing.show` moves the figure to a step and redraws only the cells whose look
changed (and the step's line), returning the box that changed: a GIF frame is that box.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from app.figures import fonts
from app.figures.layout import HEADER, MARGIN, TITLE_FONT, Layout
from app.figures.scene import Key, Scene
from app.figures.style import INK, MUTED, RULE, WHITE, to_palette
from app.figures.tiles import Look, Tiles
from app.pages.highlight import Highlight

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive)

HEAD_FONT = 18
LINE_FONT = 17
MIN_FONT = 11
LEGEND_SWATCH = 22


@dataclass(frozen=True)
class FigureTexts:
    """The words of a figure, in its language: the first line, group titles, legend."""

    heading: str
    titles: list[str]
    legend: list[tuple[Look, str]]


def fitted(text: str, size: int, width: float) -> tuple[str, int]:
    """``text`` at the largest size down from ``size`` (to :data:`MIN_FONT`) that fits
    ``width``, shortened with “…” when even that does not."""
    while size > MIN_FONT and fonts.text_width(text, size) > width:
        size -= 1
    if fonts.text_width(text, size) <= width:
        return text, size
    while len(text) > 1 and fonts.text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…", size


class Drawing:
    """The figure of a scene with its layout, drawn once, then step by step.

    ``indexed``: the image is kept in the figures' palette (a GIF's frames), each tile and
    the step's line mapped to it once, so that no frame is quantised as a whole.
    """

    def __init__(
        self, scene: Scene, layout: Layout, texts: FigureTexts, indexed: bool = False
    ) -> None:
        self.scene, self.layout, self.indexed = scene, layout, indexed
        static = Image.new("RGB", (layout.width, layout.height), WHITE)
        self._draw_static(static, texts)
        self.image = to_palette(static) if indexed else static
        self.tiles = Tiles(layout.cell, indexed)
        self._drawn: dict[Key, Look] = {}

    def _draw_static(self, image: Image.Image, texts: FigureTexts) -> None:
        draw = ImageDraw.Draw(image)
        lay = self.layout
        room = lay.width - 2 * MARGIN
        heading, size = fitted(texts.heading, HEAD_FONT, room)
        draw.text((MARGIN, MARGIN), heading, fill=INK, font=fonts.font(size))
        rule_y = MARGIN + HEADER - 8
        draw.line([(MARGIN, rule_y), (lay.width - MARGIN, rule_y)], fill=RULE, width=1)
        for x, y, title in lay.titles:
            draw.text((x, y), title, fill=INK, font=fonts.font(TITLE_FONT))
        for x, y, label, size in lay.labels:
            draw.text((x, y), label, fill=MUTED, font=fonts.font(size))
        x, y = MARGIN, lay.legend_top
        swatches = Tiles(LEGEND_SWATCH)
        for look, words in texts.legend:
            width = LEGEND_SWATCH + 6 + round(fonts.text_width(words, 14))
            if x > MARGIN and x + width > lay.width - MARGIN:  # on to the second row
                x, y = MARGIN, y + LEGEND_SWATCH + 8
            if y > lay.legend_top + LEGEND_SWATCH + 8:
                break  # no room for a third
            image.paste(swatches.get(look), (x, y))
            draw.text(
                (x + LEGEND_SWATCH + 6, y + LEGEND_SWATCH / 2),
                words,
                fill=INK,
                font=fonts.font(14),
                anchor="lm",
            )
            x += width + 18

    @property
    def line_box(self) -> Box:
        """Where the step's line goes."""
        top = MARGIN + HEAD_FONT + 10
        return (MARGIN, top, self.layout.width - MARGIN, top + LINE_FONT + 10)

    def show(self, marks: Highlight, line: str) -> Box:
        """Move to the step of ``marks``, with ``line`` saying what it computes; the box of
        the image that changed."""
        boxes = [self._write_line(line)]
        cell = self.layout.cell
        for key in self.scene.advance(marks):
            look = self.scene.look(key)
            if self._drawn.get(key) == look:
                continue
            self._drawn[key] = look
            grid, r, c = key
            gx, gy = self.layout.origins[grid]
            x, y = gx + c * cell, gy + r * cell
            # the core's paste: Image.paste's checks cost more than the copy of a tile,
            # and a frame pastes a few hundred
            self.image.im.paste(self.tiles.get(look).im, (x, y, x + cell, y + cell))
            boxes.append((x, y, x + cell, y + cell))
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def _write_line(self, line: str) -> Box:
        box = self.line_box
        strip = Image.new("RGB", (box[2] - box[0], box[3] - box[1]), WHITE)
        text, size = fitted(line, LINE_FONT, box[2] - box[0])
        ImageDraw.Draw(strip).text((0, 0), text, fill=INK, font=fonts.font(size))
        self.image.paste(to_palette(strip) if self.indexed else strip, box[:2])
        return box
