"""An animated GIF written frame by frame, each frame only the box that changed.

Pillow's ``save(save_all=True)`` keeps every frame until the end and compares whole frames
to find what changed; a figure knows which box it redrew, so each frame is written as it
is made (memory: one frame), cropped to that box and mapped to the figures' fixed palette
(:func:`app.figures.style.palette`), with Pillow's GIF encoder (``getheader`` /
``getdata``). Every frame but the first is drawn over the previous one (disposal 1), as
GIF viewers compose them.
"""

from __future__ import annotations

from io import BytesIO

from PIL import GifImagePlugin, Image

from app.figures.style import palette

Box = tuple[int, int, int, int]


def to_palette(image: Image.Image) -> Image.Image:
    """``image`` (RGB) in the figures' palette, without dithering (flat colours stay flat)."""
    return image.quantize(palette=palette(), dither=Image.Dither.NONE)


class GifWriter:
    """Frames in, the bytes of a looping GIF out (:meth:`finish`)."""

    def __init__(self) -> None:
        self._out = BytesIO()
        self._started = False
        self.frames = 0

    def add(self, image: Image.Image, box: Box, duration: int) -> None:
        """Frame ``image`` (the whole figure, RGB), of which only ``box`` changed since the
        last frame, shown for ``duration`` milliseconds."""
        if not self._started:
            first = to_palette(image)
            header, _ = GifImagePlugin.getheader(first, info={"loop": 0, "duration": duration})
            for chunk in header:
                self._out.write(chunk)
            part, offset = first, (0, 0)
            self._started = True
        else:
            part, offset = to_palette(image.crop(box)), (box[0], box[1])
        chunks = GifImagePlugin.getdata(
            part, offset=offset, duration=duration, disposal=1, interlace=False
        )
        for chunk in chunks:
            self._out.write(chunk)
        self.frames += 1

    def finish(self) -> bytes:
        """The GIF's bytes (with its trailer)."""
        self._out.write(b";")
        return self._out.getvalue()
