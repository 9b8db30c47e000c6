"""Hold every request to the server's limits before the engine allocates anything.

Sizes come from convcore's own geometry checks (so an invalid configuration is a
ConvcoreError first); this module only compares counts with :class:`app.settings.Settings`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from app.errors import LimitExceededError
from app.settings import Settings

_IMAGE_AXES = ("batch size", "channels", "height", "width")


def check(field: str, what: str, value: int, limit: int, setting: str) -> None:
    """Raise :class:`LimitExceededError` when ``value`` is over ``limit``."""
    if value > limit:
        what = " ".join(filter(None, (field, what)))
        raise LimitExceededError(field, value, limit, setting, what)


def check_image(field: str, shape: Sequence[int], settings: Settings) -> None:
    """An (N, C, H, W), (C, H, W) or (H, W) array: batch, channels, sides, element count."""
    limits = {
        "batch size": (settings.max_batch, "max_batch"),
        "channels": (settings.max_channels, "max_channels"),
        "height": (settings.max_side, "max_side"),
        "width": (settings.max_side, "max_side"),
    }
    for axis, size in zip(_IMAGE_AXES[-len(shape) :], shape, strict=True):
        check(field, axis, size, *limits[axis])
    check_elements(field, shape, settings)


def check_weight(field: str, shape: Sequence[int], settings: Settings) -> None:
    """A 4-D weight (channels, channels, kH, kW) or a 2-D kernel."""
    names = ("weight.shape[0]", "weight.shape[1]")
    for name, size in zip(names, shape[:-2], strict=False):
        check(field, f"channels ({name})", size, settings.max_channels, "max_channels")
    check(field, "kernel height", shape[-2], settings.max_kernel_side, "max_kernel_side")
    check(field, "kernel width", shape[-1], settings.max_kernel_side, "max_kernel_side")
    check_elements(field, shape, settings)


def check_elements(field: str, shape: Sequence[int], settings: Settings) -> None:
    """The number of values in one array."""
    check(field, "element count", math.prod(shape), settings.max_elements, "max_elements")


def check_work(multiplies: int, settings: Settings) -> None:
    """Multiply-adds (or intermediate values) one operation needs."""
    check("", "multiply-adds", multiplies, settings.max_multiplies, "max_multiplies")


def check_steps(method: str, steps: int, settings: Settings) -> None:
    """The Python-level steps a method takes (see :mod:`convcore.registry`)."""
    if steps > settings.max_python_steps:
        what = f"Python-level step count of method {method!r}"
        raise LimitExceededError(
            "method", steps, settings.max_python_steps, "max_python_steps", what
        )


def check_matrix(field: str, rows: int, cols: int, settings: Settings) -> None:
    """An unrolled kernel matrix of rows × cols entries."""
    check(
        field,
        f"kernel matrix entries ({rows}×{cols})",
        rows * cols,
        settings.max_matrix_elements,
        "max_matrix_elements",
    )
