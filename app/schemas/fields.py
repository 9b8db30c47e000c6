"""Field types shared by the API's schemas: arrays as nested lists, ints or pairs, bounds.

Arrays arrive as nested JSON lists. One validator checks them (depth, rectangular, numbers
only, finite) so that every failure is one readable message with the position of the bad
item, and hands the route a float64 ndarray.
"""

from __future__ import annotations

import math
from itertools import chain
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, PlainValidator, WithJsonSchema

#: Largest magnitude of any integer parameter: far above every limit, small enough that
#: no arithmetic on it can overflow.
INT_BOUND = 1_000_000

_NUMBER = {"type": "number"}
#: The Python types a JSON number parses to (``bool`` is not one of them, though a subclass).
_NUMBER_TYPES = {int, float}


def _nested(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = _NUMBER
    for _ in range(depth):
        schema = {"type": "array", "items": schema, "minItems": 1}
    return schema


def tensor_schema(min_ndim: int, max_ndim: int, description: str) -> dict[str, Any]:
    """JSON schema of a nested list of numbers with ``min_ndim`` to ``max_ndim`` levels."""
    return {
        "anyOf": [_nested(d) for d in range(min_ndim, max_ndim + 1)],
        "description": description,
    }


def parse_tensor(value: Any, min_ndim: int = 1, max_ndim: int = 4) -> NDArray[np.float64]:
    """A nested list of numbers → float64 ndarray, or ValueError saying where it is wrong.

    >>> parse_tensor([[1, 2], [3, 4.5]]).shape
    (2, 2)
    >>> parse_tensor([[1, 2], [3]])
    Traceback (most recent call last):
    ...
    ValueError: ragged array: item [1] has 1 entries, but item [0] has 2
    """
    if not isinstance(value, list):
        raise ValueError(f"expected an array (nested lists of numbers), got {_kind(value)}")
    shape: list[int] = []
    probe: Any = value
    while isinstance(probe, list):
        shape.append(len(probe))
        if not probe:
            raise ValueError(
                f"empty array at depth {len(shape)}: every axis needs at least one entry"
            )
        probe = probe[0]
    if not min_ndim <= len(shape) <= max_ndim:
        raise ValueError(
            f"expected {_ndims(min_ndim, max_ndim)} of nesting, got "
            f"{len(shape)} (shape {tuple(shape)})"
        )
    if not _is_grid(value, shape):
        _check_nested(value, shape, "")  # raises, saying where
    try:
        array = np.array(value, dtype=np.float64)
    except OverflowError:
        raise ValueError("a number is too large for float64 (about 1.8e308)") from None
    if not np.isfinite(array).all():
        where = "".join(f"[{i}]" for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(
            f"item {where} is {array[tuple(np.argwhere(~np.isfinite(array))[0])]}"
            "; only finite numbers are allowed (no NaN or Infinity)"
        )
    return array


def _is_grid(value: list[Any], shape: list[int]) -> bool:
    """True when every list at depth i has shape[i] entries and the leaves are numbers.

    The common case, checked a level at a time with C-level ``map`` (several times faster
    than :func:`_check_nested`'s walk); anything else takes that walk for its message.
    """
    level = value
    for size in shape[1:]:
        if set(map(type, level)) != {list} or set(map(len, level)) != {size}:
            return False
        level = list(chain.from_iterable(level))
    return set(map(type, level)) <= _NUMBER_TYPES


def _check_nested(value: list[Any], shape: list[int], path: str) -> None:
    """Every list at depth i has shape[i] entries; the innermost hold numbers only."""
    if len(shape) == 1:
        for i, item in enumerate(value):
            if type(item) not in (int, float):
                raise ValueError(f"item {path}[{i}] is {_kind(item)}, not a number")
        return
    first = "[0]" * (path.count("[") + 1)  # the item the shape was read from
    for i, item in enumerate(value):
        if not isinstance(item, list):
            raise ValueError(
                f"ragged array: item {path}[{i}] is {_kind(item)}, but item "
                f"{first} is a list of {shape[1]}"
            )
        if len(item) != shape[1]:
            raise ValueError(
                f"ragged array: item {path}[{i}] has {len(item)} entries, but "
                f"item {first} has {shape[1]}"
            )
        _check_nested(item, shape[1:], f"{path}[{i}]")


def _ndims(low: int, high: int) -> str:
    return f"{low} level{'s' * (low > 1)}" if low == high else f"{low} to {high} levels"


def _kind(value: Any) -> str:
    """How a JSON value reads in a message: ``the string 'a'``, ``true``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value[:20]!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return "an object"
    return repr(value)[:40]


def _tensor(min_ndim: int, max_ndim: int, description: str) -> Any:
    return Annotated[
        NDArray[np.float64],
        PlainValidator(lambda v: parse_tensor(v, min_ndim, max_ndim)),
        WithJsonSchema(tensor_schema(min_ndim, max_ndim, description)),
    ]


ConvInput = _tensor(
    2,
    4,
    "(N, C, H, W), unbatched (C, H, W), or the tutorial's (H, W) "
    "with a 2-D kernel; nested lists of finite numbers.",
)
ConvWeight = _tensor(2, 4, "A 4-D weight, or a 2-D (kH, kW) kernel with a 2-D input.")


def _parse_bias(value: Any) -> NDArray[np.float64]:
    """A 1-D list, or one number (the tutorial's scalar bias for a 2-D input)."""
    if type(value) in (int, float):
        try:
            number = float(value)
        except OverflowError:
            raise ValueError("bias is too large for float64 (about 1.8e308)") from None
        if not math.isfinite(number):
            raise ValueError(f"bias is {number}; only finite numbers are allowed")
        return np.array(number)
    return parse_tensor(value, 1, 1)


ConvBias = Annotated[
    NDArray[np.float64],
    PlainValidator(_parse_bias),
    WithJsonSchema(
        {
            "anyOf": [_NUMBER, _nested(1)],
            "description": "One value per output channel, or one number for the "
            "tutorial's 2-D form.",
        }
    ),
]
PoolInput = _tensor(2, 4, "(N, C, H, W), unbatched (C, H, W), or the tutorial's (H, W).")
UnfoldInput = _tensor(3, 4, "(N, C, H, W) or unbatched (C, H, W), as F.unfold takes.")


def parse_int_or_pair(value: Any) -> int | tuple[int, ...]:
    """An int, or a list of one or two ints, within ±INT_BOUND; else ValueError."""
    items = value if isinstance(value, list) else [value]
    if not 1 <= len(items) <= 2 or any(type(v) is not int for v in items):
        shown = repr(value)[:60] if isinstance(value, list) else _kind(value)
        raise ValueError(f"expected an integer or a list of 1 or 2 integers, got {shown}")
    if any(abs(v) > INT_BOUND for v in items):
        raise ValueError(f"integers must lie within ±{INT_BOUND}, got {value!r}")
    return value if isinstance(value, int) else tuple(items)


_PAIR_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "integer", "minimum": -INT_BOUND, "maximum": INT_BOUND},
        {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {"type": "integer", "minimum": -INT_BOUND, "maximum": INT_BOUND},
        },
    ],
    "description": "An integer, or [height, width].",
}

IntOrPair = Annotated[
    int | tuple[int, ...], PlainValidator(parse_int_or_pair), WithJsonSchema(_PAIR_SCHEMA)
]


def _parse_padding(value: Any) -> int | tuple[int, ...] | str:
    if value in ("same", "valid"):
        return str(value)
    if isinstance(value, str):
        raise ValueError(
            f"padding must be an integer, [height, width], 'same' or 'valid', got {value[:20]!r}"
        )
    return parse_int_or_pair(value)


ConvPadding = Annotated[
    int | tuple[int, ...] | str,
    PlainValidator(_parse_padding),
    WithJsonSchema(
        {
            "anyOf": [*_PAIR_SCHEMA["anyOf"], {"enum": ["same", "valid"]}],
            "description": "Cells added on each side: an integer, [height, width], "
            "'same' (stride 1: keep the size) or 'valid' (none).",
        }
    ),
]

Int = Annotated[int, Field(strict=True, ge=-INT_BOUND, le=INT_BOUND)]
Flag = Annotated[bool, Field(strict=True)]
PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]
Op = Literal["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d"]

#: How arrays appear in responses: plain nested lists.
TensorOut = Annotated[list[Any], WithJsonSchema(tensor_schema(1, 4, "Nested lists of numbers."))]
