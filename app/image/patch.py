"""One output pixel: its receptive field on the input, the patch's numbers, and its step in the
conv2d stepper.

Where a window sits comes from convcore's window maps (:mod:`convcore.views.fields`, the rule
the steppers draw their links with): conv2d's windows on its padded input, a pooling's, and a
transposed convolution's as the equivalent direct convolution on the zero-inserted input.
Each cell of the patch is an input pixel, a copy of one (reflect, replicate and circular
padding), or a constant (zero padding, an inserted zero, max pooling's −∞).

The stepper link hands the patch to ``/conv2d`` as typed input, with the padding cells
written out as the values they hold, the same kernel, channels, groups and dilation, and
the step of the clicked output: that step's arithmetic is this pixel's. The stepper's own
query model and prepare step judge the link, so it is offered only when the stepper accepts
it (its grids are at most 16 cells a side, its kernels 7).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from app.i18n import N_
from app.image.compute import ImageJob
from app.pages.arrays import join_cells
from app.pages.page import Page
from app.pages.params import PAGE_LIMITS
from app.pages.problems import Problems, control_for
from convcore.presets import kernel_presets
from convcore.spec import OPS
from convcore.views.fields import WindowMap, conv2d_window_map
from convcore.views.pool import pool_window_map
from convcore.views.transposed import zero_insert_window_map

#: A patch wider than this many cells a side shows the window's taps only.
PATCH_SIDE = 16


@dataclass(frozen=True)
class Cell:
    """One cell of the patch: its value, what it is (``in``, ``copy`` or ``pad``), a tap?"""

    value: float
    kind: str
    tap: bool


@dataclass(frozen=True)
class Zoom:
    """An output pixel ``(oy, ox)`` and what it reads.

    Attributes
    ----------
    outputs : list of (int, float)
        Each output channel and its value at the pixel.
    box : (top, left, bottom, right) or None
        The input pixels the window reads, bounds inclusive (None when it reads none).
    grids : list of (int, list of list of Cell)
        Per input channel the window reads, the patch: rows × columns of cells.
    rows, cols : tuple of int
        The patch's rows and columns, in the (padded or zero-inserted) grid the window
        slides over; ``tapped`` says whether every cell is a tap (a patch cut to its taps).
    kernel : 2-D array or None
        The kernel as given (a convolution's).
    links : list of (int, str)
        Per output channel, the stepper's URL at that output's step (conv2d only).
    no_link : (str, dict)
        Why there is no stepper link, when there is none: a catalogue template and its
        values (the page translates it).
    """

    oy: int
    ox: int
    outputs: list[tuple[int, float]]
    box: tuple[int, int, int, int] | None
    grids: list[tuple[int, list[list[Cell]]]]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    tapped: bool
    kernel: NDArray[np.float64] | None
    links: list[tuple[int, str]]
    no_link: tuple[str, dict[str, Any]]


def window_map(job: ImageJob) -> WindowMap:
    """Where the op's windows sit (see the module docstring)."""
    g = job.plan.call.geometry
    if job.op == "conv2d":
        return conv2d_window_map(g)
    if job.op == "conv_transpose2d":
        return zero_insert_window_map(g)
    return pool_window_map(g, job.x.shape[0])


def zoom(
    job: ImageJob, out: NDArray[np.float32], oy: int, ox: int, stepper: StepperLink | None
) -> Zoom:
    """The receptive field and patch of output pixel ``(oy, ox)`` (clamped to the output)."""
    oy = min(max(oy, 0), out.shape[1] - 1)
    ox = min(max(ox, 0), out.shape[2] - 1)
    wmap = window_map(job)
    channels = sorted({c for o in range(out.shape[0]) for c in wmap.receptive_field(o, oy, ox)[0]})
    _, taps_r, taps_c = wmap.receptive_field(0, oy, ox)
    rows, tapped_r = _span(taps_r)
    cols, tapped_c = _span(taps_c)
    grids = [
        (c, [[_cell(job, wmap, c, r, k, taps_r, taps_c) for k in cols] for r in rows])
        for c in channels
    ]
    sources_r = [wmap.row_sources[r] for r in taps_r if wmap.row_sources[r] >= 0]
    sources_c = [wmap.col_sources[k] for k in taps_c if wmap.col_sources[k] >= 0]
    box = None
    if sources_r and sources_c:
        box = (min(sources_r), min(sources_c), max(sources_r), max(sources_c))
    outputs = [(o, float(out[o, oy, ox])) for o in range(out.shape[0])]
    kernel = None if job.weight is None else np.asarray(job.params.kernel, dtype=np.float64)
    links: list[tuple[int, str]] = []
    no_link: tuple[str, dict[str, Any]] = (N_("The stepper link is for conv2d."), {})
    if job.op == "conv2d" and stepper is not None:
        links, no_link = stepper.links(job, wmap, oy, ox, out.shape[0])
    return Zoom(
        oy, ox, outputs, box, grids, rows, cols, tapped_r or tapped_c, kernel, links, no_link
    )


def _span(taps: tuple[int, ...]) -> tuple[tuple[int, ...], bool]:
    """Every grid position from the first tap to the last, or the taps alone when too many."""
    first, last = taps[0], taps[-1]
    if last - first + 1 <= PATCH_SIDE:
        return tuple(range(first, last + 1)), False
    return taps, True


def _cell(
    job: ImageJob, wmap: WindowMap, channel: int, r: int, k: int, taps_r: Any, taps_c: Any
) -> Cell:
    """The value at grid position ``(r, k)`` of ``channel``, and what it is."""
    source_r, source_c = wmap.row_sources[r], wmap.col_sources[k]
    tap = r in taps_r and k in taps_c
    if source_r < 0 or source_c < 0:
        value = -np.inf if job.op == "max_pool2d" else 0.0
        return Cell(value, "pad", tap)
    height, width = job.x.shape[1:]
    inside = job.op == "conv_transpose2d" or (
        0 <= r - wmap.pads[0] < height and 0 <= k - wmap.pads[1] < width
    )
    return Cell(float(job.x[channel, source_r, source_c]), "in" if inside else "copy", tap)


@dataclass(frozen=True)
class StepperLink:
    """The conv2d stepper page, to build and check links into it."""

    page: Page
    root: str
    gettext: Callable[[str], str]

    def links(
        self, job: ImageJob, wmap: WindowMap, oy: int, ox: int, out_channels: int
    ) -> tuple[list[tuple[int, str]], tuple[str, dict[str, Any]]]:
        """Per output channel, the stepper's URL at its step; or no links and why not."""
        _, taps_r, taps_c = wmap.receptive_field(0, oy, ox)
        height, width = taps_r[-1] - taps_r[0] + 1, taps_c[-1] - taps_c[0] + 1
        weight = job.weight
        assert weight is not None  # a convolution's
        side, kernel = PAGE_LIMITS["side"], PAGE_LIMITS["kernel"]
        if height > side or width > side or max(weight.shape[2:]) > kernel:
            return [], (
                N_(
                    "The stepper shows inputs up to %(side)s×%(side)s and kernels up to "
                    "%(kernel)s×%(kernel)s: this window spans %(height)s×%(width)s pixels with "
                    "a %(kh)s×%(kw)s kernel."
                ),
                {
                    "side": side,
                    "kernel": kernel,
                    "height": height,
                    "width": width,
                    "kh": weight.shape[2],
                    "kw": weight.shape[3],
                },
            )
        patch = np.array(
            [
                [
                    [
                        _cell(job, wmap, c, r, k, taps_r, taps_c).value
                        for k in range(taps_c[0], taps_c[-1] + 1)
                    ]
                    for r in range(taps_r[0], taps_r[-1] + 1)
                ]
                for c in range(job.x.shape[0])
            ]
        )
        links = []
        for o in range(out_channels):
            url = self._url(self._query(job, patch, o))
            if url is None:
                return [], (N_("The stepper does not accept this configuration."), {})
            links.append((o, url))
        return links, ("", {})

    def _query(self, job: ImageJob, patch: NDArray[np.float64], t: int) -> dict[str, Any]:
        """The stepper's query: the patch typed in, the weight, groups, dilation, the step."""
        weight = job.weight
        assert weight is not None
        channels, height, width = patch.shape
        dilation = job.plan.call.geometry.dilation
        query: dict[str, Any] = {
            "h": height,
            "w": width,
            "ci": channels,
            "co": weight.shape[0],
            "xp": "custom",
            "x": join_cells(patch).split(","),
            "xs": [channels, height, width],
            "groups": job.kwargs["groups"],
            "dh": dilation[0],
            "dw": dilation[1],
            "t": t,
        }
        kernel = np.asarray(job.params.kernel, dtype=np.float64)
        name = preset_name(kernel)
        if name is not None:
            query["kp"] = name
        else:  # the kernel as typed (float64), in every (output, input) channel pair
            values = np.broadcast_to(kernel, weight.shape)
            query |= {"kp": "custom", "kh": weight.shape[2], "kw": weight.shape[3]}
            query |= {"k": join_cells(values).split(","), "ks": list(weight.shape)}
        return query

    def _url(self, fields: Mapping[str, Any]) -> str | None:
        """The stepper's canonical URL for ``fields``, or None when the stepper refuses them."""
        spec = OPS["conv2d"]
        control_of = control_for(tuple(a.name for a in spec.options), self.page.controls)
        try:
            query = self.page.query.model_validate(fields)
        except ValidationError:
            return None
        config, outcome = self.page.prepare(query, self.gettext, control_of)
        if isinstance(outcome, Problems):
            return None
        url: str = config.url(f"{self.root}/conv2d")
        return url


def preset_name(kernel: NDArray[np.float64]) -> str | None:
    """The catalogue's name of ``kernel``, if it is one of its kernels.

    >>> preset_name(np.array([[0.0, 1.0], [2.0, 3.0]]))
    'tutorial_2x2'
    """
    for name, preset in kernel_presets().items():
        if preset.values.shape == kernel.shape and np.array_equal(preset.values, kernel):
            return name
    return None
