"""From a conv2d page query to the arrays: the input, the kernel, the bias, and the canonical URL.

The work is the core's (:mod:`app.pages.arrays`, on :mod:`app.pages.inputs` and
:mod:`app.pages.address`); conv2d adds its weight's layout
``(C_out, C_in/groups, kH, kW)``, true convolution (the kernel as drawn, rotated for the
computation) and the shift-add tab's ``tap``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.pages.arrays import WeightConfig
from app.pages.arrays import resolve as resolve_arrays
from app.pages.params import put
from convcore.patterns import flip_kernel
from convcore.spec import OPS

SPEC = OPS["conv2d"]


class Conv2dConfig(WeightConfig):
    """A conv2d query resolved into arrays (see :class:`app.pages.arrays.WeightConfig`)."""

    spec = SPEC
    OUTER = ("lang", "present", "tab", "tap", "t")

    @property
    def weight(self) -> NDArray[np.float64] | None:
        """The weight the convolution uses: the kernel, rotated 180° for true convolution."""
        if self.kernel is None or not self.query.flip:
            return self.kernel
        return flip_kernel(self.kernel)

    def own_fields(self, q: Any, defaults: Any) -> dict[str, str]:
        """True convolution."""
        out: dict[str, str] = {}
        put(out, "flip", q.flip, defaults.flip)
        return out


def weight_shape(q: Any, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(C_out, C_in/groups, kH, kW); C_in/groups rounded down (at least 1) when groups does
    not divide C_in, which is what convcore is then asked about."""
    return (q.co, max(1, q.ci // q.groups), *size)


def _defined_shape(q: Any, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The weight's shape, or None when groups does not divide C_in."""
    return None if q.ci % q.groups else weight_shape(q, size)


def resolve(q: Any) -> Conv2dConfig:
    """Build the arrays a query describes."""
    config: Conv2dConfig = resolve_arrays(q, Conv2dConfig, _defined_shape)
    return config
