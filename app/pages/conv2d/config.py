"""From a conv2d page query to the arrays: the input, the kernel, the bias, and the canonical URL.

Presets and patterns fill the arrays; typed cells override them (:mod:`app.pages.inputs`).
The canonical URL holds only what differs from the defaults, so a preset's cells are never
spelled out, while typed cells always are. A cell typed empty is reported (``bad_cells``)
rather than read as zero, and a query with one never becomes a URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from app.pages.address import Address, query_defaults
from app.pages.format import number_text
from app.pages.inputs import BadCells, CountProblems, resolve_input, typed_cells
from app.pages.params import op_args, option_url_fields, put
from app.pages.problems import Message
from convcore.patterns import fit_array, flip_kernel, kernel_pattern
from convcore.presets import kernel_presets
from convcore.spec import OPS

SPEC = OPS["conv2d"]

#: Kernel size a 'random' or 'custom' kernel starts from when the query does not say.
DEFAULT_KERNEL = (3, 3)


@dataclass(frozen=True)
class Conv2dConfig(Address):
    """A query resolved into arrays.

    ``kernel`` is ``None`` when the channel counts leave the weight's shape undefined
    (groups not dividing the input channels). ``bad_cells`` lists the typed cells that are
    empty, by control (``input``, ``weight``, ``bias``), and ``count_problems`` the typed
    arrays whose number of values does not fit their shape.
    """

    # the page's query: a WeightQuery with conv2d's options (derived fields, so typed Any)
    query: Any
    x: NDArray[np.float64]
    kernel: NDArray[np.float64] | None
    bias: NDArray[np.float64] | None
    kp: str
    kernel_size: tuple[int, int]
    bad_cells: dict[str, list[int]] = field(default_factory=dict)
    count_problems: list[tuple[str, Message]] = field(default_factory=list)

    #: The fields the page's links change (see :class:`~app.pages.address.Address`).
    OUTER: ClassVar[tuple[str, ...]] = ("lang", "present", "tab", "tap", "t")

    @property
    def weight(self) -> NDArray[np.float64] | None:
        """The weight the convolution uses: the kernel, rotated 180° for true convolution."""
        if self.kernel is None or not self.query.flip:
            return self.kernel
        return flip_kernel(self.kernel)

    def args(self) -> dict[str, Any]:
        """conv2d's keyword arguments, by their spec names, as convcore and torch take them."""
        return op_args(self.query, SPEC)

    def fields(self, **changes: Any) -> dict[str, str]:
        """The canonical query: values that differ from the defaults, in a fixed order."""
        q = self.query.model_copy(update=changes)
        defaults = query_defaults(type(q))
        out: dict[str, str] = {}

        def keep(*names: str) -> None:
            for name in names:
                put(out, name, getattr(q, name), getattr(defaults, name))

        keep("lang", "h", "w", "ci", "co", "xp")
        if q.xp == "random":
            out["seed"] = str(q.seed)
        if q.xp == "custom":
            out["x"] = ",".join(number_text(v) for v in self.x.ravel())
        put(out, "kp", self.kp, defaults.kp)
        if self.kp == "random" and "seed" not in out:
            out["seed"] = str(q.seed)
        if self.kp in ("random", "custom"):
            out["kh"], out["kw"] = (str(s) for s in self.kernel_size)
        if self.kp == "custom" and self.kernel is not None:
            out["k"] = ",".join(number_text(v) for v in self.kernel.ravel())
        out |= option_url_fields(q, defaults, SPEC)
        if self.bias is not None:
            out["bias"] = "1"
            out["b"] = ",".join(number_text(v) for v in self.bias)
        keep("flip", "present", "tab", "tap", "t")
        return out


def resolve(q: Any) -> Conv2dConfig:
    """Build the arrays a query describes."""
    bad: BadCells = {}
    counts: CountProblems = []
    x = resolve_input(q, bad, counts)
    kp, size, kernel = _kernel(q, bad, counts)
    bias = None
    if q.bias:
        bias = typed_cells(q.b, None, (q.co,), "bias", bad, counts) if q.b else np.zeros(q.co)
    return Conv2dConfig(q, x, kernel, bias, kp, size, bad, counts)


def _kernel(
    q: Any, bad: BadCells, counts: CountProblems
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
    return (
        kp,
        size,
        _build(q, size, lambda shape: typed_cells(q.k, q.ks, shape, "weight", bad, counts)),
    )


def weight_shape(q: Any, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(C_out, C_in/groups, kH, kW); C_in/groups rounded down (at least 1) when groups does
    not divide C_in, which is what convcore is then asked about."""
    return (q.co, max(1, q.ci // q.groups), *size)


def _build(
    q: Any, size: tuple[int, int], make: Callable[[tuple[int, ...]], NDArray[np.float64]]
) -> NDArray[np.float64] | None:
    """``make((C_out, C_in/groups, kH, kW))``, or None when groups does not divide C_in."""
    if q.ci % q.groups:
        return None
    return make(weight_shape(q, size))
