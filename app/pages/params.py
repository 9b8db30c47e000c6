"""An operation's arguments in the pages' URLs: limits, short names, and the fields they make.

Every page's query model is derived from :data:`convcore.spec.OPS`: each option of the
operation becomes one or two URL fields (a pair is a row and a column field), bounded by
torch's own minimum and the pages' limits (:data:`PAGE_LIMITS`, read the way
:meth:`convcore.spec.Arg.maximum` reads any limit set). The URL names are short and shared
by every page (:data:`URL_NAMES`: ``stride`` is ``sh``/``sw`` on every op), so that a link
made today keeps opening the same view, and an error convcore raises about ``stride`` lands
next to the same control on every page.

>>> fields = option_fields(OPS["conv2d"])
>>> sorted(fields)
['dh', 'dw', 'groups', 'mode', 'pad', 'ph', 'pw', 'sh', 'sw']
>>> bounds(fields["sh"][1]), bounds(fields["dh"][1])
((1, 8), (1, 4))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic.fields import FieldInfo

from convcore.spec import OPS, Arg, OpSpec

#: The pages' limits, smaller than the API's: a grid a student can read and type into.
#: Keyed as :meth:`convcore.spec.Arg.maximum` reads them: an argument's name first, then
#: its size kind.
PAGE_LIMITS: dict[str, int] = {
    "side": 16,  # input height and width (and the default for spatial arguments)
    "channels": 4,  # input and output channels, groups
    "kernel": 7,  # kernel height and width
    "stride": 8,
    "padding": 8,
    "output_padding": 7,
    "dilation": 4,
    "value": 99,  # any other integer (divisor_override)
}

#: Smallest values the pages allow where torch's own bound is looser: conv2d accepts a
#: negative padding (a crop) under the copying modes, which the page does not offer.
PAGE_MINIMUMS: dict[str, int] = {"padding": 0, "divisor_override": 1}

#: Each argument of any operation → its URL name(s), shared by every page. A pair is
#: (rows, columns). Tensors name their cells; their sizes are page fields (h, w, ci, co).
URL_NAMES: dict[str, tuple[str, ...]] = {
    "input": ("x",),
    "weight": ("k",),
    "bias": ("b",),
    "stride": ("sh", "sw"),
    "padding": ("ph", "pw"),
    "output_padding": ("oph", "opw"),
    "dilation": ("dh", "dw"),
    "groups": ("groups",),
    "padding_mode": ("mode",),
    "kernel_size": ("kh", "kw"),
    "ceil_mode": ("ceil",),
    "return_indices": ("ri",),
    "count_include_pad": ("cip",),
    "divisor_override": ("div",),
}

#: An optional pair left empty takes the value of another argument, as torch does (a pool's
#: stride is its window): the form shows that value in the empty fields.
EMPTY_MEANS: dict[str, str] = {"stride": "kernel_size"}

#: URL name of the word a ``padding``-kind argument may be instead of sizes.
PADDING_WORD = "pad"
#: The padding word that means "the sizes in the row and column fields".
EXPLICIT = "explicit"


def _blank_is_none(value: Any) -> Any:
    """An empty form field means None (an optional argument left empty)."""
    return None if value == "" else value


def _int_field(arg: Arg, default: Any, limits: Mapping[str, int]) -> tuple[Any, Any]:
    """One bounded integer field; optional arguments also take an empty value (None)."""
    lo = PAGE_MINIMUMS.get(arg.name, arg.minimum)
    field = Field(default=default, ge=lo, le=arg.maximum(limits), description=arg.help)
    if arg.optional:
        return Annotated[int | None, BeforeValidator(_blank_is_none)], field
    return int, field


def option_fields(
    spec: OpSpec,
    limits: Mapping[str, int] = PAGE_LIMITS,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """The URL fields of every option of ``spec``, for :func:`pydantic.create_model`.

    ``defaults`` gives the page's starting value of an argument torch requires (a pool's
    ``kernel_size``), or a page default other than torch's.
    """
    fields: dict[str, tuple[Any, Any]] = {}  # name → (type, FieldInfo)
    for arg in spec.options:
        names = URL_NAMES[arg.name]
        default = (defaults or {}).get(arg.name, arg.default)
        if arg.required and default is arg.default:
            raise ValueError(f"{spec.name}: the page needs a default for {arg.name!r}")
        if arg.kind in ("pair", "padding", "int"):
            for name in names:
                fields[name] = _int_field(arg, default, limits)
            if arg.kind == "padding":
                words = Literal.__getitem__((EXPLICIT, *arg.choices))
                fields[PADDING_WORD] = (words, Field(default=EXPLICIT))
        elif arg.kind == "choice":
            fields[names[0]] = (Literal.__getitem__(arg.choices), Field(default=default))
        elif arg.kind == "flag":
            fields[names[0]] = (bool, Field(default=default))
        else:  # a new kind needs a decision here, not a silent omission
            raise ValueError(f"no URL field for argument {arg.name!r} of kind {arg.kind!r}")
    return fields


def bounds(field: FieldInfo) -> tuple[int | None, int | None]:
    """(minimum, maximum) of an integer field, from its constraints.

    >>> from pydantic import Field
    >>> bounds(Field(default=1, ge=1, le=16))
    (1, 16)
    """
    lo = hi = None
    for item in field.metadata:
        lo = getattr(item, "ge", lo)
        hi = getattr(item, "le", hi)
    return lo, hi


def op_args(query: Any, spec: OpSpec) -> dict[str, Any]:
    """The op's keyword arguments, by spec name, as convcore takes them, from a page query.

    A pair with an empty field is None (an optional pair left empty, such as a pool's stride).
    """
    args: dict[str, Any] = {}
    for arg in spec.options:
        names = URL_NAMES[arg.name]
        values = [getattr(query, name) for name in names]
        if arg.kind == "padding" and getattr(query, PADDING_WORD) != EXPLICIT:
            args[arg.name] = getattr(query, PADDING_WORD)
        elif arg.kind in ("pair", "padding"):
            args[arg.name] = None if None in values else tuple(values)
        else:
            args[arg.name] = values[0]
    return args


def option_url_fields(query: Any, defaults: Any, spec: OpSpec) -> dict[str, str]:
    """The URL fields of the options that differ from their defaults, in spec order.

    A padding word other than explicit makes the row and column fields meaningless: they
    are left out, so the URL says ``pad=same`` and nothing else about padding.
    """
    out: dict[str, str] = {}
    for arg in spec.options:
        names = list(URL_NAMES[arg.name])
        if arg.kind == "padding":
            names = [PADDING_WORD] + (names if getattr(query, PADDING_WORD) == EXPLICIT else [])
        for name in names:
            put(out, name, getattr(query, name), getattr(defaults, name))
    return out


def put(out: dict[str, str], name: str, value: Any, default: Any) -> None:
    """Add ``name`` to a URL's fields unless it has its default value."""
    if value != default:
        out[name] = (
            ("1" if value else "0")
            if isinstance(value, bool)
            else ""
            if value is None
            else str(value)
        )


def arg_of(url_name: str) -> str | None:
    """The argument a URL name belongs to (``sh`` → ``stride``), or None for page fields."""
    if url_name == PADDING_WORD:
        return "padding"
    for arg, names in URL_NAMES.items():
        if url_name in names:
            return arg
    return None


__all__ = [
    "EMPTY_MEANS",
    "EXPLICIT",
    "OPS",
    "PADDING_WORD",
    "PAGE_LIMITS",
    "PAGE_MINIMUMS",
    "URL_NAMES",
    "arg_of",
    "bounds",
    "op_args",
    "option_fields",
    "option_url_fields",
    "put",
]
