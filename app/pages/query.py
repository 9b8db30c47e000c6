"""The pages' query strings as pydantic models: the fields every page shares, and the builder.

Every state of a page is a URL. A page's model is :class:`PageQuery` (language, step, input)
or :class:`WeightQuery` (plus a kernel and a bias), extended by :func:`page_query` with the
operation's options derived from :data:`convcore.spec.OPS` (see :mod:`app.pages.params`)
and the page's method tabs. The form submits one value per field (one ``k`` per kernel
cell, one ``x`` per input cell, in order); a shared link may carry cells comma-joined
(``k=0,1,2,3``). A cell left empty stays in its place as ``None``, so that a half-typed
cell is reported where it is instead of shifting the others or turning into a zero.
Out-of-range values never reach convcore: they fail here, and the page says so next to
the control.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, field_validator

from app.pages.params import PAGE_LIMITS, option_fields
from convcore.patterns import INPUT_PATTERNS
from convcore.presets import kernel_presets
from convcore.spec import OPS

#: Largest magnitude of a typed cell value: plenty for teaching, far from float overflow.
CELL_BOUND = 1e6

SIDE = PAGE_LIMITS["side"]
CHANNELS = PAGE_LIMITS["channels"]
KERNEL = PAGE_LIMITS["kernel"]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Cell = Annotated[float, Field(ge=-CELL_BOUND, le=CELL_BOUND, allow_inf_nan=False)]
#: A typed cell: a number, or None where the field was left empty.
MaybeCell = Annotated[Cell | None, BeforeValidator(_blank_is_none)]
Shape = Annotated[list[Annotated[int, Field(ge=1, le=SIDE)]], Field(min_length=3, max_length=4)]
Lang = Literal["en", "zh"]

#: Fields a query string may repeat (or comma-join); all others take one value.
LIST_FIELDS = ("x", "xs", "k", "ks", "b")
#: List fields that hold a shape: an empty one means "none".
SHAPE_FIELDS = ("xs", "ks")

#: Input patterns the form offers; 'custom' means the typed cells ``x``.
INPUT_CHOICES = (*INPUT_PATTERNS, "custom")


def kernel_choices() -> tuple[str, ...]:
    """The kernel presets, then 'random' (seeded) and 'custom' (the typed cells ``k``)."""
    return (*kernel_presets(), "random", "custom")


class PageQuery(BaseModel):
    """What every page's URL holds besides the operation's options: language, step, input."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    lang: Lang = "en"
    tab: str = ""  # each page narrows it to its tabs (see page_query)
    t: int = Field(default=0, ge=0, le=1_000_000, description="step")
    present: bool = Field(default=False, description="presentation mode")
    h: int = Field(default=3, ge=1, le=SIDE, description="input height")
    w: int = Field(default=3, ge=1, le=SIDE, description="input width")
    ci: int = Field(default=1, ge=1, le=CHANNELS, description="input channels")
    xp: str = Field(default="arange", description="input pattern, or 'custom' for the cells x")
    seed: int = Field(default=0, ge=0, le=9999)
    x: list[MaybeCell] = Field(default_factory=list, max_length=CHANNELS * SIDE * SIDE)
    xs: Shape | None = Field(default=None, description="shape (C, H, W) the cells x were typed in")

    @field_validator("xp")
    @classmethod
    def _known_input(cls, value: str) -> str:
        if value not in INPUT_CHOICES:
            raise ValueError(f"must be one of {', '.join(INPUT_CHOICES)}, got {value!r}")
        return value


class WeightQuery(PageQuery):
    """A page whose operation has a weight: its size, values, output channels and bias."""

    co: int = Field(default=1, ge=1, le=CHANNELS, description="output channels")
    kp: str = Field(default="tutorial_2x2", description="kernel preset, 'random' or 'custom'")
    kp0: str | None = Field(default=None, description="the kernel preset the form was showing")
    kh: int | None = Field(default=None, ge=1, le=KERNEL, description="kernel height")
    kw: int | None = Field(default=None, ge=1, le=KERNEL, description="kernel width")
    k: list[MaybeCell] = Field(default_factory=list, max_length=CHANNELS**2 * KERNEL**2)
    ks: Shape | None = Field(default=None, description="shape of the typed cells k")
    bias: bool = False
    b: list[MaybeCell] = Field(default_factory=list, max_length=CHANNELS)
    flip: bool = Field(default=False, description="true convolution: rotate the kernel")

    @field_validator("kp", "kp0")
    @classmethod
    def _known_kernel(cls, value: str | None) -> str | None:
        choices = kernel_choices()
        if value is not None and value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        return value


def page_query(
    op: str,
    tabs: Iterable[str],
    *,
    base: type[PageQuery] = PageQuery,
    fields: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> type[PageQuery]:
    """The query model of the page of ``op``: ``base``, its tabs, the op's options, ``fields``.

    ``defaults`` overrides the starting value of an option (see
    :func:`app.pages.params.option_fields`).

    >>> Q = page_query("conv2d", ["loop", "im2col"], base=WeightQuery)
    >>> q = Q.model_validate({"sh": "2", "tab": "im2col"})
    >>> q.sh, q.sw, q.tab, q.pad
    (2, 1, 'im2col', 'explicit')
    """
    names = tuple(tabs)
    model: type[PageQuery] = create_model(  # type: ignore[call-overload]
        "".join(part.title() for part in op.split("_")) + "Query",
        __base__=base,
        tab=(Literal.__getitem__(names), Field(default=names[0], description="method tab")),
        **option_fields(OPS[op], PAGE_LIMITS, defaults),
        **(fields or {}),
    )
    return model


def query_dict(items: Iterable[tuple[str, str]]) -> dict[str, object]:
    """Query items → the dict a page query validates.

    List fields collect every value in order, each split at commas; an empty entry stays
    (a cell left empty). Other fields keep the last value, so an ``hx-vals`` override
    appended after the form's value wins. A shape field that is empty means none.

    >>> query_dict([("k", "0,1"), ("k", ""), ("k", "2"), ("h", "3"), ("h", "4"), ("xs", "")])
    {'h': '4', 'k': ['0', '1', '', '2']}
    """
    scalars: dict[str, object] = {}
    lists: dict[str, list[str]] = {}
    for name, value in items:
        if name in LIST_FIELDS:
            lists.setdefault(name, []).extend(part.strip() for part in value.split(","))
        else:
            scalars[name] = value
    for name in SHAPE_FIELDS:
        if name in lists:
            lists[name] = [part for part in lists[name] if part]
            if not lists[name]:
                del lists[name]
    return {**scalars, **lists}
