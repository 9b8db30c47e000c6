"""The pooling pages' examples: every pooling example of the tutorial, and a few a teacher uses.

A preset is a link: the URL fields it sets on top of the page's defaults (4×4 input
0, 1, …, 15; a 2×2 window; the stride empty, so torch's default: the window size).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from app.i18n import N_

MAX, AVG = "max_pool2d", "avg_pool2d"
BOTH = (MAX, AVG)

#: The tutorial's two channels: the 4×4 input 0…15, and the same plus 1.
TWO_CHANNELS = ",".join(str(v) for v in [*range(16), *range(1, 17)])
#: Every value negative: the −∞ padding must still never win.
NEGATIVE = ",".join(str(-v) for v in range(1, 17))


@dataclass(frozen=True)
class Preset:
    """One example: its name (N_-marked), the pages it is for, its URL fields."""

    key: str
    label: str
    ops: tuple[str, ...]
    fields: Mapping[str, str]

    def url(self, base: str, extra: Mapping[str, str]) -> str:
        """The link to this example at ``base`` (a page), with ``extra`` fields (lang, …)."""
        fields = {**extra, **self.fields}
        return base + ("?" + urlencode(fields, safe=",") if fields else "")


def presets() -> tuple[Preset, ...]:
    """Every example, in the order the pages list them."""
    return (
        Preset(
            "tutorial_3x3",
            N_("Tutorial: 3×3 input, 2×2 window, stride 1"),
            BOTH,
            {"h": "3", "w": "3", "sh": "1", "sw": "1"},
        ),
        Preset(
            "downsample",
            N_("2×2 window, stride 2: half the size"),
            BOTH,
            {"h": "8", "w": "8", "xp": "patch"},
        ),
        Preset("tutorial_k3", N_("Tutorial: MaxPool2d(3)"), (MAX,), {"kh": "3", "kw": "3"}),
        Preset(
            "tutorial_k3_p1_s2",
            N_("Tutorial: MaxPool2d(3, padding=1, stride=2)"),
            (MAX,),
            {"kh": "3", "kw": "3", "sh": "2", "sw": "2", "ph": "1", "pw": "1"},
        ),
        Preset(
            "tutorial_rect",
            N_("Tutorial: MaxPool2d((2, 3), padding=(1, 1), stride=(2, 3))"),
            (MAX,),
            {"kh": "2", "kw": "3", "sh": "2", "sw": "3", "ph": "1", "pw": "1"},
        ),
        Preset(
            "tutorial_channels",
            N_("Tutorial: two channels, X and X + 1, each pooled on its own"),
            (MAX,),
            {
                "ci": "2",
                "xp": "custom",
                "x": TWO_CHANNELS,
                "kh": "3",
                "kw": "3",
                "sh": "2",
                "sw": "2",
                "ph": "1",
                "pw": "1",
            },
        ),
        Preset(
            "negative",
            N_("Negative values: the −∞ padding never wins"),
            (MAX,),
            {
                "xp": "custom",
                "x": NEGATIVE,
                "kh": "3",
                "kw": "3",
                "sh": "2",
                "sw": "2",
                "ph": "1",
                "pw": "1",
            },
        ),
        Preset("ties", N_("Ties: the first maximum wins"), (MAX,), {"xp": "checkerboard"}),
        Preset(
            "dilation",
            N_("Dilation 2: a window with gaps"),
            (MAX,),
            {"h": "5", "w": "5", "sh": "1", "sw": "1", "dh": "2", "dw": "2"},
        ),
        Preset(
            "padding_counted",
            N_("Padding counted in the divisor (the default)"),
            (AVG,),
            {"kh": "3", "kw": "3", "sh": "2", "sw": "2", "ph": "1", "pw": "1"},
        ),
        Preset(
            "padding_not_counted",
            N_("Padding not counted: count_include_pad=False"),
            (AVG,),
            {"kh": "3", "kw": "3", "sh": "2", "sw": "2", "ph": "1", "pw": "1", "cip": "0"},
        ),
        Preset(
            "ceil_kept",
            N_("ceil_mode: a window hanging over the edge is kept"),
            BOTH,
            {"h": "5", "w": "5", "ceil": "1"},
        ),
        Preset(
            "ceil_dropped",
            N_("ceil_mode: a window that would start in the padding is dropped"),
            BOTH,
            {
                "h": "5",
                "w": "5",
                "kh": "3",
                "kw": "3",
                "sh": "3",
                "sw": "3",
                "ph": "1",
                "pw": "1",
                "ceil": "1",
            },
        ),
        Preset("sum", N_("divisor_override=1: the sum of each window"), (AVG,), {"div": "1"}),
    )


def page_presets(op: str) -> tuple[Preset, ...]:
    """The examples the page of ``op`` lists."""
    return tuple(preset for preset in presets() if op in preset.ops)
