"""What every tracer shares: numbering steps, checking step numbers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from convcore.errors import ConvcoreError
from convcore.params import as_int
from convcore.trace.model import TraceInfo

StepT = TypeVar("StepT")


class Tracer(ABC, Generic[StepT]):
    """Steps of one operation on one configuration, each computed on demand in O(taps).

    Subclasses validate their configuration in the constructor (as the operation does) and
    implement :meth:`_step`; steps are numbered row-major over ``info.step_shape``.
    """

    def __init__(self, info: TraceInfo) -> None:
        self._info = info

    @property
    def info(self) -> TraceInfo:
        """The configuration: op, view, shapes, what the steps run over."""
        return self._info

    @property
    def count(self) -> int:
        """Number of steps."""
        return self._info.count

    def __len__(self) -> int:
        return self._info.count

    def __iter__(self) -> Iterator[StepT]:
        return (self._step(t, self._unravel(t)) for t in range(self.count))

    def step(self, t: int) -> StepT:
        """Step ``t``, for ``0 <= t < count``; raise ``ConvcoreError`` otherwise."""
        t = as_int(t, "step")
        if not self.count:
            raise ConvcoreError(
                "step must be in none: this trace has no steps, got step={step}", "step", step=t
            )
        if not 0 <= t < self.count:
            raise ConvcoreError(
                "step must be in 0..{last}, got step={step}", "step", last=self.count - 1, step=t
            )
        return self._step(t, self._unravel(t))

    def step_number(self, index: Sequence[int]) -> int:
        """The step that explains ``index`` (a tuple over ``info.step_axes``)."""
        shape = self._info.step_shape
        coords = [as_int(i, "index") for i in index]
        if len(coords) != len(shape) or any(
            not 0 <= c < s for c, s in zip(coords, shape, strict=True)
        ):
            raise ConvcoreError(
                "index must be {n} integers {axes} within {shape}, got index={index}",
                "index",
                n=len(shape),
                axes=self._info.step_axes,
                shape=tuple(shape),
                index=tuple(index),
            )
        t = 0
        for c, s in zip(coords, shape, strict=True):
            t = t * s + c
        return t

    def _unravel(self, t: int) -> tuple[int, ...]:
        """Row-major coordinates of step ``t`` over ``info.step_shape``."""
        coords = []
        for size in reversed(self._info.step_shape):
            t, c = divmod(t, size)
            coords.append(c)
        return tuple(reversed(coords))

    @abstractmethod
    def _step(self, t: int, index: tuple[int, ...]) -> StepT:
        """Build step ``t`` explaining ``index``."""


def bias_tuple(bias: NDArray[np.floating] | None) -> tuple[float, ...] | None:
    """A bias array as plain floats, for ``TraceInfo``."""
    return None if bias is None else tuple(float(b) for b in bias.tolist())


def shape4(shape: Sequence[Any]) -> tuple[int, int, int, int]:
    """A 4-D shape as a tuple of Python ints."""
    n, c, h, w = (int(s) for s in shape)
    return (n, c, h, w)
