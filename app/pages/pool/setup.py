"""A pooling page query, validated: a ready tracer, or the problems and what to change.

convcore decides what is valid: the page builds the op's tracer (which validates exactly as
``convcore.max_pool2d`` / ``avg_pool2d`` do) and, when convcore refuses, shows its message
next to the control of the argument it names, with the advice of
:func:`convcore.advice.pool2d_advice` (what to change, worded here) next to the control it
is about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import convcore as cc
from app.i18n import N_
from app.pages.inputs import cell_problems
from app.pages.labels import AXIS_LABELS
from app.pages.pool.config import PoolConfig, resolve
from app.pages.problems import Gettext, Message, Problems, place_convcore_error
from convcore.advice import Advice, pool2d_advice
from convcore.formulas import pool2d_shape
from convcore.trace import AvgPoolTracer, MaxPoolTracer


@dataclass(frozen=True)
class PoolSetup:
    """A valid pooling configuration: its input and the tracer (with its geometry)."""

    config: PoolConfig
    tracer: MaxPoolTracer | AvgPoolTracer

    @property
    def geometry(self) -> cc.Pool2dGeometry:
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

    @property
    def is_max(self) -> bool:
        """Max pooling (else average)."""
        return self.config.is_max

    @property
    def fill(self) -> float:
        """What a cell off the input holds: −∞ for the maximum, 0 for the sum."""
        return float("-inf") if self.is_max else 0.0

    def url(self, base: str, **changes: Any) -> str:
        """The canonical URL of this view (or of it with ``changes``)."""
        return self.config.url(base, **changes)


def preparer(op: str) -> Callable[..., tuple[PoolConfig, PoolSetup | Problems]]:
    """The ``prepare`` of the page of ``op`` (see :class:`app.pages.page.Page`)."""

    def prepare(
        query: Any, gettext: Gettext, control_of: Callable[[str], str | None]
    ) -> tuple[PoolConfig, PoolSetup | Problems]:
        config = resolve(query, op)
        problems = cell_problems(config.bad_cells, config.count_problems)
        if problems:
            return config, problems
        try:
            tracer = _tracer(config)
        except cc.ConvcoreError as err:
            return config, _refused(config, err, gettext, control_of)
        return config, PoolSetup(config, tracer)

    return prepare


def _tracer(config: PoolConfig) -> MaxPoolTracer | AvgPoolTracer:
    """The op's tracer (validating as the op does)."""
    if config.is_max:
        return cc.trace_max_pool2d(config.x, **config.args())
    return cc.trace_avg_pool2d(config.x, **config.args())


def _refused(
    config: PoolConfig,
    err: cc.ConvcoreError,
    gettext: Gettext,
    control_of: Callable[[str], str | None],
) -> Problems:
    """convcore's refusal, with what to change for each problem and the output sizes."""
    q, args = config.query, config.args()
    problems = Problems()
    advice = pool2d_advice(
        (q.h, q.w), args["kernel_size"], args["padding"], args.get("dilation", 1)
    )
    for item in advice:
        for control, message in _worded(item, config.is_max, gettext):
            problems.add(control, message)
    place_convcore_error(problems, err, gettext, control_of)
    shape = {k: v for k, v in args.items() if k not in ("count_include_pad", "divisor_override")}
    problems.axes = pool2d_shape(config.op, (q.ci, q.h, q.w), **shape).axes
    return problems


def _worded(advice: Advice, is_max: bool, gettext: Gettext) -> list[tuple[str, Message]]:
    """An advice of :func:`convcore.advice.pool2d_advice` as messages next to controls."""
    v = dict(advice.values)
    v["axis"] = gettext(AXIS_LABELS[str(v["axis"])])
    if advice.code == "pool_padding_too_wide":
        return [
            (
                "padding",
                Message(
                    N_(
                        "Padding can be at most half the window: the window is %(kernel)s "
                        "cells in %(axis)s, so use padding of at most %(max_padding)s there."
                    ),
                    v,
                ),
            )
        ]
    found = [
        (
            "kernel_size",
            Message(
                N_(
                    "The window spans %(extent)s cells in %(axis)s, but the padded input has "
                    "only %(padded)s."
                ),
                v,
            ),
        )
    ]
    if v["max_kernel"]:
        found.append(
            ("kernel_size", Message(N_("Use a window of at most %(max_kernel)s in %(axis)s."), v))
        )
    if is_max and v["max_dilation"] and advice.values["dilation"] != 1:
        found.append(
            ("dilation", Message(N_("A dilation of %(max_dilation)s in %(axis)s would fit."), v))
        )
    if v["min_padding"]:
        found.append(
            (
                "padding",
                Message(N_("Padding %(min_padding)s in %(axis)s would fit the window."), v),
            )
        )
    return found
