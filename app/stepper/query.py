"""The stepper's query string as a pydantic model: every control and the step, with limits.

Every state of the page is a URL. The form submits all of its fields (one ``k`` per kernel
cell, one ``x`` per input cell); a shared link may carry them comma-joined instead
(``k=0,1,2,3``). Out-of-range values never reach convcore: they fail here, and the page shows
the failures next to the form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from convcore.patterns import INPUT_PATTERNS
from convcore.presets import kernel_presets

#: Largest magnitude of a typed cell value: plenty for teaching, far from float overflow.
CELL_BOUND = 1e6

Cell = Annotated[float, Field(ge=-CELL_BOUND, le=CELL_BOUND, allow_inf_nan=False)]
Shape = Annotated[list[Annotated[int, Field(ge=1, le=16)]], Field(min_length=3, max_length=4)]

PadKind = Literal["explicit", "same", "valid"]
PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]
Tab = Literal["loop", "im2col", "kmatrix", "torch"]
Lang = Literal["en", "zh"]

#: Fields a query string may repeat (or comma-join); all others take one value.
LIST_FIELDS = ("x", "xs", "k", "ks", "b")

#: Input patterns the form offers; 'custom' means the typed cells ``x``.
INPUT_CHOICES = (*INPUT_PATTERNS, "custom")


def kernel_choices() -> tuple[str, ...]:
    """The kernel presets, then 'random' (seeded) and 'custom' (the typed cells ``k``)."""
    return (*kernel_presets(), "random", "custom")


class StepperQuery(BaseModel):
    """Everything the stepper shows, as the query string spells it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    lang: Lang = "en"
    h: int = Field(default=3, ge=1, le=16, description="input height")
    w: int = Field(default=3, ge=1, le=16, description="input width")
    ci: int = Field(default=1, ge=1, le=4, description="input channels")
    co: int = Field(default=1, ge=1, le=4, description="output channels")
    groups: int = Field(default=1, ge=1, le=4)
    xp: str = Field(default="arange", description="input pattern, or 'custom' for the cells x")
    seed: int = Field(default=0, ge=0, le=9999)
    x: list[Cell] = Field(default_factory=list, max_length=4 * 16 * 16)
    xs: Shape | None = Field(default=None, description="shape (C, H, W) the cells x were typed in")
    kp: str = Field(default="tutorial_2x2", description="kernel preset, 'random' or 'custom'")
    kp0: str | None = Field(default=None, description="the kernel preset the form was showing")
    kh: int | None = Field(default=None, ge=1, le=7, description="kernel height")
    kw: int | None = Field(default=None, ge=1, le=7, description="kernel width")
    k: list[Cell] = Field(default_factory=list, max_length=4 * 4 * 7 * 7)
    ks: Shape | None = Field(default=None, description="shape (C_out, C_in/groups, kH, kW) of k")
    sh: int = Field(default=1, ge=1, le=8)
    sw: int = Field(default=1, ge=1, le=8)
    pad: PadKind = "explicit"
    ph: int = Field(default=0, ge=0, le=8)
    pw: int = Field(default=0, ge=0, le=8)
    dh: int = Field(default=1, ge=1, le=4)
    dw: int = Field(default=1, ge=1, le=4)
    mode: PaddingMode = "zeros"
    bias: bool = False
    b: list[Cell] = Field(default_factory=list, max_length=4)
    flip: bool = False
    tab: Tab = "loop"
    t: int = Field(default=0, ge=0, le=1_000_000)

    @field_validator("xp")
    @classmethod
    def _known_input(cls, value: str) -> str:
        if value not in INPUT_CHOICES:
            raise ValueError(f"must be one of {', '.join(INPUT_CHOICES)}, got {value!r}")
        return value

    @field_validator("kp", "kp0")
    @classmethod
    def _known_kernel(cls, value: str | None) -> str | None:
        choices = kernel_choices()
        if value is not None and value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        return value


def query_dict(items: Iterable[tuple[str, str]]) -> dict[str, object]:
    """Query items → the dict :class:`StepperQuery` validates.

    List fields collect every value (each split at commas, blanks dropped); other fields
    keep the last value, so an ``hx-vals`` override appended after the form's value wins.

    >>> query_dict([("k", "0,1"), ("k", "2"), ("h", "3"), ("h", "4"), ("b", "")])
    {'h': '4', 'k': ['0', '1', '2'], 'b': []}
    """
    scalars: dict[str, object] = {}
    lists: dict[str, list[str]] = {}
    for name, value in items:
        if name in LIST_FIELDS:
            parts = (part.strip() for part in value.split(","))
            lists.setdefault(name, []).extend(part for part in parts if part)
        else:
            scalars[name] = value
    # a shape is one field: an empty one means "none", not an empty shape
    return {
        **scalars,
        **{name: values for name, values in lists.items() if values or name not in ("xs", "ks")},
    }
