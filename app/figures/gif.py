"""An animated GIF written frame by frame, each frame only what changed.

Pillow's ``save(save_all=True)`` keeps every frame until the end and compares whole frames
to find what changed; a figure knows which box it redrew, so each frame is written as it
is made (memory: two frames), cropped to that box, with Pillow's GIF encoder
(``getheader`` / ``getdata``). Inside the box, the pixels that did not change are written
as the transparent index: the box of a step spans from its line at the top to the cells it
changed, and long runs of one index cost LZW almost nothing (a frame of the heaviest figure
went from about 100 KB to a few). Every frame is drawn over the previous one (disposal 1).
Frames come in the figures' fixed palette (:func:`app.figures.style.palette`), so they
share the first frame's colour table.
"""

from __future__ import annotations

from io import BytesIO

import numpy as np
from PIL import GifImagePlugin, Image

from app.figures.style import TRANSPARENT

Box = tuple[int, int, int, int]


class GifWriter:
    """Frames in, the bytes of a looping GIF out (:meth:`finish`)."""

    def __init__(self) -> None:
        self._out = BytesIO()
        self._last: Image.Image | None = None
        self.frames = 0

    def add(self, image: Image.Image, box: Box, duration: int) -> None:
        """Frame ``image`` (the whole figure, in the figures' palette), of which only ``box``
        changed since the last frame, shown for ``duration`` milliseconds."""
        if self._last is None:
            header, _ = GifImagePlugin.getheader(
                image.copy(), info={"loop": 0, "duration": duration}
            )
            for chunk in header:
                self._out.write(chunk)
            part, offset, params = image, (0, 0), {}
        else:
            now = np.asarray(image.crop(box))
            before = np.asarray(self._last.crop(box))
            same = np.where(now == before, np.uint8(TRANSPARENT), now)
            part, offset = Image.frombytes("P", same.shape[::-1], same.tobytes()), box[:2]
            params = {"transparency": TRANSPARENT}
        for chunk in GifImagePlugin.getdata(
            part, offset=offset, duration=duration, disposal=1, **params
        ):
            self._out.write(chunk)
        self._last = image.copy()
        self.frames += 1

    def finish(self) -> bytes:
        """The GIF's bytes (with its trailer)."""
        self._out.write(b";")
        return self._out.getvalue()
