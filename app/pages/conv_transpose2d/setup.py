"""A conv_transpose2d page query, validated: a prepared call and its steps, or the problems.

convcore decides what is valid (:func:`convcore.prepare_conv_transpose2d` checks exactly as
the op does); when it refuses, its message goes next to the control of the argument it
names, with the advice of :func:`convcore.advice.conv_transpose2d_advice` (what to change)
next to the control each problem is about. One limit is the page's own: the grids it draws
(the output, the canvas before cropping, the zero-inserted input) stay readable.

What a step is depends on the tab: an input value for *Scatter* (its stamp), an input
position for *col2im* (a column of the GEMM), an output value for the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import convcore as cc
from app.i18n import N_
from app.pages.conv_transpose2d.config import TransposedConfig, resolve, weight_shape
from app.pages.inputs import cell_problems
from app.pages.problems import Gettext, Message, Problems, place_convcore_error
from convcore.advice import conv_transpose2d_advice
from convcore.formulas import conv_transpose2d_shape
from convcore.geometry import ConvTranspose2dGeometry
from convcore.prepare import PreparedConv
from convcore.views.transposed import order_steps

#: What a step of each tab is: an input value ('scatter'), an input position ('col2im'),
#: or an output value ('output').
STEP_KINDS = {
    "scatter": "scatter",
    "zero_insert": "output",
    "kt": "output",
    "col2im": "col2im",
    "torch": "output",
}

#: The largest grid the page draws, cells per side (the output, the canvas before cropping,
#: the zero-inserted, padded input): larger ones are unreadable, and slow to draw.
MAX_GRID = 40

#: The control each advice code is about.
ADVICE_CONTROLS: dict[str, str] = {
    "groups_in": "groups",
    "groups_out": "groups",
    "output_padding_too_big": "output_padding",
    "output_too_small": "padding",
}


@dataclass(frozen=True)
class TransposedSetup:
    """A valid configuration: its arrays, the prepared call, and what the tab steps over."""

    config: TransposedConfig
    call: PreparedConv[ConvTranspose2dGeometry]
    kind: str  # a value of STEP_KINDS

    @property
    def geometry(self) -> ConvTranspose2dGeometry:
        """The validated geometry."""
        return self.call.geometry

    @property
    def query(self) -> Any:
        """The page query."""
        return self.config.query

    @property
    def x(self) -> Any:
        """The input, (C_in, H, W)."""
        return self.call.x[0]

    @property
    def weight(self) -> Any:
        """The weight, (C_in, C_out/groups, kH, kW)."""
        return self.call.weight

    @property
    def count(self) -> int:
        """Number of steps of the current tab."""
        g = self.geometry
        if self.kind == "output":
            return g.out_channels * g.out_size[0] * g.out_size[1]
        return order_steps(g, self.kind)

    def url(self, base: str, **changes: Any) -> str:
        """The canonical URL of this view (or of it with ``changes``)."""
        return self.config.url(base, **changes)


def grid_sides(g: ConvTranspose2dGeometry) -> tuple[int, int]:
    """The largest height and width among the grids the page draws."""
    zero_inserted = (
        g.out_size[0] + cc.dilated_extent(g.kernel[0], g.dilation[0]) - 1,
        g.out_size[1] + cc.dilated_extent(g.kernel[1], g.dilation[1]) - 1,
    )
    return (
        max(g.out_size[0], g.canvas_size[0], zero_inserted[0]),
        max(g.out_size[1], g.canvas_size[1], zero_inserted[1]),
    )


def prepare(
    query: Any, gettext: Gettext, control_of: Callable[[str], str | None]
) -> tuple[TransposedConfig, TransposedSetup | Problems]:
    """The query's arrays, and the setup, or the problems that stop it."""
    config = resolve(query)
    problems = cell_problems(config.bad_cells, config.count_problems)
    if problems:
        return config, problems
    weight = config.weight
    if weight is None:  # groups does not divide C_out: ask convcore about the nearest shape
        weight = np.zeros(weight_shape(query, config.kernel_size))
    try:
        call = cc.prepare_conv_transpose2d(config.x, weight, config.bias, **config.args())
    except cc.ConvcoreError as err:
        return config, _refused(config, err, gettext, control_of)
    if config.weight is None:
        return config, _refused(config, None, gettext, control_of)
    sides = grid_sides(call.geometry)
    if max(sides) > MAX_GRID:
        problems = Problems()
        problems.add(
            None,
            Message(
                N_(
                    "This configuration needs grids of %(h)s×%(w)s cells (the canvas before "
                    "cropping, or the zero-inserted input); the page draws at most "
                    "%(max)s×%(max)s. Lower the input size, the stride, the kernel size or "
                    "the dilation."
                ),
                {"h": sides[0], "w": sides[1], "max": MAX_GRID},
            ),
        )
        problems.axes = _axes(config)
        return config, problems
    return config, TransposedSetup(config, call, STEP_KINDS[query.tab])


def _axes(config: TransposedConfig) -> tuple[Any, ...]:
    """The output-size formulas with the numbers in, per axis."""
    q = config.query
    return conv_transpose2d_shape(
        (q.ci, q.h, q.w), weight_shape(q, config.kernel_size), groups=q.groups, **_sizes(config)
    ).axes


def _sizes(config: TransposedConfig) -> dict[str, Any]:
    """The size arguments (all but groups), by their spec names."""
    return {k: v for k, v in config.args().items() if k != "groups"}


def _refused(
    config: TransposedConfig,
    err: cc.ConvcoreError | None,
    gettext: Gettext,
    control_of: Callable[[str], str | None],
) -> Problems:
    """convcore's refusal (if any), with the advice for each problem and the formulas."""
    q = config.query
    sizes = _sizes(config)
    problems = Problems()
    for advice in conv_transpose2d_advice(
        q.ci, q.co, q.groups, (q.h, q.w), config.kernel_size, **sizes
    ):
        problems.add(ADVICE_CONTROLS.get(advice.code), Message(advice=advice))
    if err is not None:
        place_convcore_error(problems, err, gettext, control_of)
    problems.axes = _axes(config)
    return problems
