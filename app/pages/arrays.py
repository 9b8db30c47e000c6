"""From the query of a page whose op has a weight to its arrays and its canonical URL.

Every such page resolves its query the same way; only the weight's layout differs (conv2d's
``(C_out, C_in/groups, kH, kW)``, conv_transpose2d's ``(C_in, C_out/groups, kH, kW)``), which
a page gives as a ``weight_shape`` function. The input and typed cells are the core's
(:mod:`app.pages.inputs`), and so is the way a config becomes a URL
(:class:`app.pages.address.Address`): the canonical URL holds only what differs from the
defaults, so a preset's cells are never spelled out, while typed cells always are.
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
from convcore.patterns import fit_array, kernel_pattern
from convcore.presets import kernel_presets
from convcore.spec import OpSpec

#: Kernel size a 'random' or 'custom' kernel starts from when the query does not say.
DEFAULT_KERNEL = (3, 3)

#: ``weight_shape(query, (kH, kW))``: the weight's shape, or None when the channel counts
#: leave it undefined (groups not dividing the channels the layout splits).
WeightShape = Callable[[Any, tuple[int, int]], tuple[int, int, int, int] | None]

#: What a typed cell is called in messages, by its URL name.
_CELL_NAMES = {"x": "x", "k": "w", "b": "b"}


def cell_name(name: str, index: int) -> str:
    """``w.flat[3]``: a typed cell's place in the array as typed (for messages)."""
    return f"{_CELL_NAMES.get(name, name)}.flat[{index}]"


def join_cells(values: NDArray[np.floating]) -> str:
    """Typed cells as the URL spells them: ``0,1,-2.5``."""
    return ",".join(number_text(float(v)) for v in values.ravel())


@dataclass(frozen=True)
class WeightConfig(Address):
    """A query resolved into arrays, for a page whose op has a weight.

    ``kernel`` is ``None`` when the channel counts leave the weight's shape undefined.
    ``bad_cells`` lists the typed cells that are empty, by control (``input``, ``weight``,
    ``bias``), and ``count_problems`` the typed arrays whose number of values does not fit
    their shape. A page subclasses it to name its op (``spec``), may widen ``OUTER`` (see
    :class:`~app.pages.address.Address`) and adds its own fields (:meth:`own_fields`).
    """

    spec: ClassVar[OpSpec]

    # the page's query: a WeightQuery with the op's options (derived fields, so typed Any)
    query: Any
    x: NDArray[np.float64]
    kernel: NDArray[np.float64] | None
    bias: NDArray[np.float64] | None
    kp: str
    kernel_size: tuple[int, int]
    bad_cells: dict[str, list[int]] = field(default_factory=dict)
    count_problems: list[tuple[str, Message]] = field(default_factory=list)

    @property
    def weight(self) -> NDArray[np.float64] | None:
        """The weight the op uses (a page may derive it from the kernel as drawn)."""
        return self.kernel

    def args(self) -> dict[str, Any]:
        """The op's keyword arguments, by their spec names, as convcore and torch take them."""
        return op_args(self.query, self.spec)

    def own_fields(self, q: Any, defaults: Any) -> dict[str, str]:  # noqa: ARG002
        """The page's own URL fields of query ``q`` that differ from ``defaults`` (they go
        after the op's options, before the outer fields)."""
        return {}

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
            out["x"] = join_cells(self.x)
        put(out, "kp", self.kp, defaults.kp)
        if self.kp == "random" and "seed" not in out:
            out["seed"] = str(q.seed)
        if self.kp in ("random", "custom"):
            out["kh"], out["kw"] = (str(s) for s in self.kernel_size)
        if self.kp == "custom" and self.kernel is not None:
            out["k"] = join_cells(self.kernel)
        out |= option_url_fields(q, defaults, self.spec)
        if self.bias is not None:
            out["bias"] = "1"
            out["b"] = join_cells(self.bias)
        out |= self.own_fields(q, defaults)
        keep(*self.OUTER[1:])
        return out


def resolve(q: Any, config: type[WeightConfig], weight_shape: WeightShape) -> Any:
    """Build the arrays a query describes, as a ``config``."""
    bad: BadCells = {}
    counts: CountProblems = []
    x = resolve_input(q, bad, counts)
    kp, size, kernel = _kernel(q, weight_shape, bad, counts)
    bias = None
    if q.bias:
        bias = typed_cells(q.b, None, (q.co,), "bias", bad, counts) if q.b else np.zeros(q.co)
    return config(q, x, kernel, bias, kp, size, bad, counts)


def _kernel(
    q: Any, weight_shape: WeightShape, bad: BadCells, counts: CountProblems
) -> tuple[str, tuple[int, int], NDArray[np.float64] | None]:
    """(effective preset, kernel size, kernel) for the query."""
    kp = q.kp
    presets = kernel_presets()

    def build(
        size: tuple[int, int], make: Callable[[tuple[int, ...]], NDArray[np.float64]]
    ) -> NDArray[np.float64] | None:
        shape = weight_shape(q, size)
        return None if shape is None else make(shape)

    if kp in presets:
        own = (int(presets[kp].values.shape[0]), int(presets[kp].values.shape[1]))
        if q.kp0 != kp or q.kh is None or q.kw is None or (q.kh, q.kw) == own:
            return kp, own, build(own, lambda shape: kernel_pattern(kp, shape))
        # the student resized a preset kernel: from now on it is an edited kernel
        size = (q.kh, q.kw)
        return (
            "custom",
            size,
            build(size, lambda shape: fit_array(kernel_pattern(kp, (*shape[:2], *own)), shape)),
        )
    # without a size, a custom kernel keeps the size it was typed in
    typed = q.ks[-2:] if kp == "custom" and q.ks and len(q.ks) == 4 else DEFAULT_KERNEL
    size = (q.kh or typed[0], q.kw or typed[1])
    if kp == "random":
        return kp, size, build(size, lambda shape: kernel_pattern("random", shape, q.seed))
    return (
        kp,
        size,
        build(size, lambda shape: typed_cells(q.k, q.ks, shape, "weight", bad, counts)),
    )
