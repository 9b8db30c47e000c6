"""From a pooling page query to the input, the op's arguments and the canonical URL.

Both pools read the same fields (input, window, stride, padding, ceil_mode); max pooling adds
dilation and return_indices, average pooling count_include_pad and divisor_override. A
stride left empty is torch's default, the window size: both fields empty pass no stride at
all (the PyTorch tab writes none), one field empty takes the window's size on that axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from numpy.typing import NDArray

from app.pages.address import Address, query_defaults
from app.pages.format import number_text
from app.pages.inputs import BadCells, CountProblems, resolve_input
from app.pages.params import op_args, option_url_fields, put
from app.pages.problems import Message
from app.pages.query import PageQuery
from convcore.spec import OPS

#: The two pages, and which is the other's switch.
POOLS = ("max_pool2d", "avg_pool2d")


@dataclass(frozen=True)
class PoolConfig(Address):
    """A pooling query resolved into its input ``(C, H, W)``, for ``op``.

    ``bad_cells`` lists the typed input cells that are empty, ``count_problems`` a typed
    input whose number of values does not fit its shape.
    """

    query: Any  # the page's query: a PageQuery with the pool's options (derived fields)
    op: str
    x: NDArray[np.float64]
    bad_cells: BadCells = field(default_factory=dict)
    count_problems: list[tuple[str, Message]] = field(default_factory=list)

    @property
    def is_max(self) -> bool:
        """Max pooling (else average)."""
        return self.op == "max_pool2d"

    def args(self) -> dict[str, Any]:
        """The op's arguments as convcore and torch take them, ``return_indices`` left out.

        >>> from app.pages.pool import max_pool2d_page
        >>> q = max_pool2d_page().query.model_validate({"kh": "3", "sw": "1"})
        >>> resolve(q, "max_pool2d").args()["stride"]
        (3, 1)
        """
        args = op_args(self.query, OPS[self.op])
        args.pop("return_indices", None)
        rows, cols = self.query.sh, self.query.sw
        if (rows is None) != (cols is None):  # one field empty: the window's size there
            kernel = args["kernel_size"]
            args["stride"] = (
                kernel[0] if rows is None else rows,
                kernel[1] if cols is None else cols,
            )
        return args

    def fields(self, **changes: Any) -> dict[str, str]:
        """The canonical query: values that differ from the defaults, in a fixed order."""
        q = self.query.model_copy(update=changes)
        defaults = query_defaults(type(q))
        out: dict[str, str] = {}
        for name in ("lang", "h", "w", "ci", "xp"):
            put(out, name, getattr(q, name), getattr(defaults, name))
        if q.xp == "random":
            out["seed"] = str(q.seed)
        if q.xp == "custom":
            out["x"] = ",".join(number_text(v) for v in self.x.ravel())
        out |= option_url_fields(q, defaults, OPS[self.op])
        for name in ("present", "tab", "t"):
            put(out, name, getattr(q, name), getattr(defaults, name))
        return out

    def switch_url(self, other: type[PageQuery], base: str) -> str:
        """The view of the other pool at ``base`` (its page, with model ``other``).

        Everything both pools share carries over (input, window, stride, padding,
        ceil_mode, tab, step, language, mode); what only one has stays behind.
        """
        shared = {k: v for k, v in self.query.model_dump().items() if k in other.model_fields}
        q = other.model_validate(shared)
        fields = PoolConfig(q, next(op for op in POOLS if op != self.op), self.x).fields()
        return base + ("?" + urlencode(fields, safe=",") if fields else "")


def resolve(q: Any, op: str) -> PoolConfig:
    """Build the input a query describes."""
    bad: BadCells = {}
    counts: CountProblems = []
    x = resolve_input(q, bad, counts)
    return PoolConfig(q, op, x, bad, counts)
