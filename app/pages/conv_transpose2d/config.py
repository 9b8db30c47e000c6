"""From a conv_transpose2d page query to its arrays and canonical URL.

The work is the core's (:mod:`app.pages.arrays`); the transposed convolution brings its
weight's layout, ``(C_in, C_out/groups, kH, kW)`` as in torch, and the conv2d this view was
reached from (``fxp``, ``fx``: its input's pattern or values), which the link back to the
conv2d page restores.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BeforeValidator, Field

from app.pages.arrays import WeightConfig, join_cells
from app.pages.arrays import resolve as resolve_arrays
from app.pages.params import put
from app.pages.query import CHANNELS, INPUT_CHOICES, SIDE, MaybeCell
from convcore.spec import OPS

SPEC = OPS["conv_transpose2d"]


def _split(value: Any) -> Any:
    """``fx`` travels comma-joined in one field (the form keeps it in one hidden input)."""
    if isinstance(value, str):
        return [] if not value.strip() else [part.strip() for part in value.split(",")]
    return value


#: The page's own query fields, for :func:`app.pages.query.page_query`.
FIELDS: dict[str, Any] = {
    # the step on screen when the page's script asks for a step (the canvas sends only the
    # cells that differ from it); never part of a URL the page makes
    "shown": (int | None, Field(default=None, ge=0, le=1_000_000)),
    # the conv2d this view transposes: its input's pattern, or its values (fxp=custom)
    "fxp": (Literal.__getitem__(INPUT_CHOICES), Field(default="arange")),
    "fx": (
        Annotated[list[MaybeCell], BeforeValidator(_split)],
        Field(default_factory=list, max_length=CHANNELS * 4 * SIDE * SIDE),
    ),
}


class TransposedConfig(WeightConfig):
    """A conv_transpose2d query resolved into arrays (see :class:`WeightConfig`)."""

    spec = SPEC

    def own_fields(self, q: Any, defaults: Any) -> dict[str, str]:
        """The conv2d input the link back restores."""
        out: dict[str, str] = {}
        put(out, "fxp", q.fxp, defaults.fxp)
        if q.fxp == "custom" and q.fx and None not in q.fx:
            out["fx"] = join_cells(np.asarray(q.fx, dtype=np.float64))
        return out

    @property
    def forward_input(self) -> NDArray[np.float64] | None:
        """The conv2d input's typed values (``fx``), flat, or None."""
        q = self.query
        if q.fxp != "custom" or not q.fx or None in q.fx:
            return None
        return np.asarray(q.fx, dtype=np.float64)


def weight_shape(q: Any, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(C_in, C_out/groups, kH, kW); C_out/groups rounded down (at least 1) when groups does
    not divide C_out, which is what convcore is then asked about."""
    return (q.ci, max(1, q.co // q.groups), *size)


def _defined_shape(q: Any, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The weight's shape, or None when groups does not divide C_out."""
    return None if q.co % q.groups else weight_shape(q, size)


def resolve(q: Any) -> TransposedConfig:
    """Build the arrays a query describes."""
    config: TransposedConfig = resolve_arrays(q, TransposedConfig, _defined_shape)
    return config
