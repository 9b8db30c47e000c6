"""From the query to the arrays: the stepper's input, kernel and bias, and its canonical URL.

Presets and patterns fill the arrays; typed cells override them. Sizes may change after
cells were typed (the form sends the shape it showed, ``xs`` / ``ks``), and the typed values
then keep their place. The canonical URL holds only what differs from the defaults, so a
preset's cells are never spelled out, while typed cells always are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import numpy as np
from numpy.typing import NDArray

from app.stepper.query import StepperQuery
from convcore.patterns import fit_array, flip_kernel, input_pattern, kernel_pattern
from convcore.presets import kernel_presets

#: Kernel size a 'random' or 'custom' kernel starts from when the query does not say.
DEFAULT_KERNEL = (3, 3)

_DEFAULTS = StepperQuery()


@dataclass(frozen=True)
class StepperConfig:
    """A query resolved into arrays; ``problems`` lists cell data the query got wrong.

    ``kernel`` is ``None`` when the channel counts leave the weight's shape undefined
    (groups not dividing the input channels); the page then only gives advice.
    """

    query: StepperQuery
    x: NDArray[np.float64]
    kernel: NDArray[np.float64] | None
    bias: NDArray[np.float64] | None
    kp: str
    kernel_size: tuple[int, int]
    problems: tuple[tuple[str, str], ...]

    @property
    def weight(self) -> NDArray[np.float64] | None:
        """The weight the convolution uses: the kernel, rotated 180° for true convolution."""
        if self.kernel is None or not self.query.flip:
            return self.kernel
        return flip_kernel(self.kernel)

    @property
    def padding(self) -> tuple[int, int] | str:
        """conv2d's ``padding`` argument."""
        q = self.query
        return q.pad if q.pad != "explicit" else (q.ph, q.pw)

    def params(self) -> dict[str, Any]:
        """The conv2d keyword arguments, as convcore and torch take them."""
        q = self.query
        return {
            "stride": (q.sh, q.sw),
            "padding": self.padding,
            "dilation": (q.dh, q.dw),
            "groups": q.groups,
            "padding_mode": q.mode,
        }

    def fields(self, **changes: Any) -> dict[str, str]:
        """The canonical query: values that differ from the defaults, in a fixed order."""
        q = self.query.model_copy(update=changes)
        out: dict[str, str] = {}
        for name in ("lang", "h", "w", "ci", "co", "groups", "xp"):
            _put(out, name, getattr(q, name))
        if q.xp == "random":
            out["seed"] = str(q.seed)
        if q.xp == "custom":
            out["x"] = ",".join(number_text(v) for v in self.x.ravel())
        _put(out, "kp", self.kp)
        if self.kp == "random" and "seed" not in out:
            out["seed"] = str(q.seed)
        if self.kp in ("random", "custom"):
            out["kh"], out["kw"] = (str(s) for s in self.kernel_size)
        if self.kp == "custom" and self.kernel is not None:
            out["k"] = ",".join(number_text(v) for v in self.kernel.ravel())
        for name in ("sh", "sw", "pad", "ph", "pw", "dh", "dw", "mode"):
            _put(out, name, getattr(q, name))
        if self.bias is not None:
            out["bias"] = "1"
            out["b"] = ",".join(number_text(v) for v in self.bias)
        for name in ("flip", "tab", "t"):
            _put(out, name, getattr(q, name))
        return out

    def url(self, base: str = "/", **changes: Any) -> str:
        """The canonical URL of this view, or of the view with ``changes`` applied."""
        if changes.keys() <= set(_OUTER):
            # the page links to many steps, tabs and languages of one view: encode the
            # fields in between once (``fields`` puts lang first, tab and t last)
            q = self.query
            outer: dict[str, str] = {}
            for name in _OUTER:
                _put(outer, name, changes.get(name, getattr(q, name)))
            parts = [urlencode({k: v}) for k, v in outer.items()]
            if self._middle:
                parts.insert(1 if "lang" in outer else 0, self._middle)
            return base + ("?" + "&".join(parts) if parts else "")
        fields = self.fields(**changes)
        return base + ("?" + urlencode(fields, safe=",") if fields else "")

    @cached_property
    def _middle(self) -> str:
        """The encoded canonical fields other than lang, tab and t."""
        fields = {k: v for k, v in self.fields().items() if k not in _OUTER}
        return urlencode(fields, safe=",")


#: The fields the page's links change, and their order in the canonical URL (first, last).
_OUTER = ("lang", "tab", "t")


def _put(out: dict[str, str], name: str, value: Any) -> None:
    """Add ``name`` to the query unless it has its default value."""
    if value != getattr(_DEFAULTS, name):
        out[name] = ("1" if value else "0") if isinstance(value, bool) else str(value)


def number_text(value: float) -> str:
    """The shortest text that reads back as ``value``: ``3``, ``-0.5``, ``0.1111111111111111``.

    >>> number_text(3.0), number_text(-0.5), number_text(1e-7)
    ('3', '-0.5', '1e-07')
    """
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def resolve(q: StepperQuery) -> StepperConfig:
    """Build the arrays a query describes."""
    problems: list[tuple[str, str]] = []
    x = _input(q, problems)
    kp, size, kernel = _kernel(q, problems)
    bias = fit_array(np.asarray(q.b, dtype=np.float64), (q.co,)) if q.bias else None
    return StepperConfig(q, x, kernel, bias, kp, size, tuple(problems))


def _input(q: StepperQuery, problems: list[tuple[str, str]]) -> NDArray[np.float64]:
    """The input (C, H, W): a pattern, or the typed cells resized to the current shape."""
    shape = (q.ci, q.h, q.w)
    if q.xp != "custom":
        return input_pattern(q.xp, shape, q.seed)
    return _typed(q.x, q.xs, shape, "x", problems)


def _kernel(
    q: StepperQuery, problems: list[tuple[str, str]]
) -> tuple[str, tuple[int, int], NDArray[np.float64] | None]:
    """(effective preset, kernel size, kernel) for the query."""
    kp = q.kp
    presets = kernel_presets()
    if kp in presets:
        own = (int(presets[kp].values.shape[0]), int(presets[kp].values.shape[1]))
        if q.kp0 != kp or q.kh is None or q.kw is None or (q.kh, q.kw) == own:
            return kp, own, _build(q, own, lambda shape: kernel_pattern(kp, shape))
        # the student resized a preset kernel: from now on it is an edited kernel
        size = (q.kh, q.kw)
        return (
            "custom",
            size,
            _build(q, size, lambda shape: fit_array(kernel_pattern(kp, (*shape[:2], *own)), shape)),
        )
    # without a size, a custom kernel keeps the size it was typed in
    typed = q.ks[-2:] if kp == "custom" and q.ks and len(q.ks) == 4 else DEFAULT_KERNEL
    size = (q.kh or typed[0], q.kw or typed[1])
    if kp == "random":
        return kp, size, _build(q, size, lambda shape: kernel_pattern("random", shape, q.seed))
    return kp, size, _build(q, size, lambda shape: _typed(q.k, q.ks, shape, "k", problems))


def _build(
    q: StepperQuery, size: tuple[int, int], make: Callable[[tuple[int, ...]], NDArray[np.float64]]
) -> NDArray[np.float64] | None:
    """``make((C_out, C_in/groups, kH, kW))``, or None when groups does not divide C_in."""
    if q.ci % q.groups:
        return None
    return make((q.co, q.ci // q.groups, *size))


def _typed(
    values: list[float],
    typed_shape: list[int] | None,
    shape: tuple[int, ...],
    name: str,
    problems: list[tuple[str, str]],
) -> NDArray[np.float64]:
    """Typed cells, read in the shape they were typed in, resized to ``shape``."""
    source = tuple(typed_shape) if typed_shape else shape
    if not values:
        return np.zeros(shape)
    if len(values) != math.prod(source) or len(source) != len(shape):
        problems.append(
            (
                name,
                f"{len(values)} values for shape "
                f"{'×'.join(map(str, source))}, which needs {math.prod(source)}",
            )
        )
        return np.zeros(shape)
    return fit_array(np.asarray(values, dtype=np.float64).reshape(source), shape)
