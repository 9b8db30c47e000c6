"""A conv2d page query, validated: a ready tracer, or the problems and what to change.

convcore decides what is valid: the page builds the tracer (which validates exactly as
``convcore.conv2d`` does) and, when convcore refuses, shows its message next to the control
of the argument it names, with the advice of :func:`convcore.advice.conv2d_advice` (what to
change, in the page's language) next to the control it is about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import convcore as cc
from app.pages.conv2d.config import Conv2dConfig, resolve, weight_shape
from app.pages.inputs import cell_problems
from app.pages.problems import Gettext, Message, Problems, place_convcore_error
from convcore.advice import conv2d_advice
from convcore.formulas import conv2d_shape
from convcore.trace import Conv2dTracer

#: The control each advice code is about (None: the message box).
ADVICE_CONTROLS: dict[str, str | None] = {
    "groups_in": "groups",
    "groups_out": "groups",
    "same_stride": "padding",
    "reflect_too_wide": "padding",
    "circular_too_wide": "padding",
    "kernel_too_big": None,
}


@dataclass(frozen=True)
class Conv2dSetup:
    """A valid conv2d configuration: its arrays and the tracer (with its geometry)."""

    config: Conv2dConfig
    tracer: Conv2dTracer

    @property
    def geometry(self) -> cc.Conv2dGeometry:
        """The validated geometry."""
        return self.tracer.geometry

    @property
    def count(self) -> int:
        """Number of steps."""
        return self.tracer.count

    @property
    def query(self) -> Any:
        """The page query."""
        return self.config.query

    def url(self, base: str, **changes: Any) -> str:
        """The canonical URL of this view (or of it with ``changes``)."""
        return self.config.url(base, **changes)


def prepare(
    query: Any, gettext: Gettext, control_of: Callable[[str], str | None]
) -> tuple[Conv2dConfig, Conv2dSetup | Problems]:
    """The query's arrays, and the setup, or the problems that stop it."""
    config = resolve(query)
    problems = cell_problems(config.bad_cells, config.count_problems)
    if problems:
        return config, problems
    args = config.args()
    weight = config.weight
    if weight is None:  # groups does not divide C_in: ask convcore about the nearest shape
        weight = np.zeros(weight_shape(query, config.kernel_size))
    try:
        tracer = cc.trace_conv2d(config.x, weight, config.bias, **args)
    except cc.ConvcoreError as err:
        return config, _refused(config, err, gettext, control_of)
    return config, Conv2dSetup(config, tracer)


def _refused(
    config: Conv2dConfig,
    err: cc.ConvcoreError,
    gettext: Gettext,
    control_of: Callable[[str], str | None],
) -> Problems:
    """convcore's refusal, with the advice for each problem and the output-size formulas."""
    q = config.query
    args = config.args()
    problems = Problems()
    for advice in conv2d_advice(
        q.ci,
        q.co,
        q.groups,
        (q.h, q.w),
        config.kernel_size,
        args["stride"],
        args["padding"],
        args["dilation"],
        args["padding_mode"],
    ):
        problems.add(ADVICE_CONTROLS.get(advice.code), Message(advice=advice))
    place_convcore_error(problems, err, gettext, control_of)
    report = conv2d_shape(
        (q.ci, q.h, q.w),
        weight_shape(q, config.kernel_size),
        args["stride"],
        args["padding"],
        args["dilation"],
        q.groups,
        args["padding_mode"],
    )
    problems.axes = report.axes
    return problems
