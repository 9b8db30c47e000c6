"""The parsing the API's schemas share: arrays as nested lists, ints or pairs, their schemas.

Arrays arrive as nested JSON lists. One validator checks them (depth, rectangular, numbers
only, finite) so that every failure is one readable message with the position of the bad
item, and hands the route a float64 ndarray. Which fields an operation has, and their
bounds, come from :mod:`convcore.spec` (see :mod:`app.schemas.spec_models`).
"""

from __future__ import annotations

import math
from itertools import chain
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, WithJsonSchema

#: Largest magnitude of any integer parameter: far above every limit, small enough that
#: no arithmetic on it can overflow.
INT_BOUND = 1_000_000

_NUMBER = {"type": "number"}
#: The Python types a JSON number parses to (``bool`` is not one of them, though a subclass).
_NUMBER_TYPES = {int, float}


def _nested(
    depth: int, max_items: tuple[int | None, ...] = (), leaf: dict[str, Any] = _NUMBER
) -> dict[str, Any]:
    """``depth`` levels of non-empty lists of ``leaf`` (numbers); ``max_items`` caps each
    level (outer first), None for no cap."""
    schema: dict[str, Any] = leaf
    caps = (*((None,) * (depth - len(max_items))), *max_items[-depth:]) if depth else ()
    for level in reversed(range(depth)):
        schema = {"type": "array", "items": schema, "minItems": 1}
        if caps[level] is not None:
            schema["maxItems"] = caps[level]
    return schema


def tensor_schema(
    min_ndim: int,
    max_ndim: int,
    description: str,
    ndims: tuple[int, ...] = (),
    max_items: tuple[int | None, ...] = (),
    leaf: dict[str, Any] = _NUMBER,
) -> dict[str, Any]:
    """JSON schema of a nested list of numbers with ``min_ndim`` to ``max_ndim`` levels.

    ``ndims`` narrows the level counts (a conv weight is 2-D or 4-D); ``max_items`` caps the
    length of each axis, aligned to the last axis (the same caps the server checks);
    ``leaf`` replaces the number schema of the entries.
    """
    depths = ndims or tuple(range(min_ndim, max_ndim + 1))
    return {
        "anyOf": [_nested(d, max_items, leaf) for d in depths],
        "description": description,
    }


def parse_tensor(
    value: Any, min_ndim: int = 1, max_ndim: int = 4, ndims: tuple[int, ...] = ()
) -> NDArray[np.float64]:
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
    if ndims and len(shape) not in ndims:
        levels = " or ".join(map(str, ndims))
        raise ValueError(
            f"expected {levels} levels of nesting, got {len(shape)} (shape {tuple(shape)})"
        )
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


def parse_bias(value: Any) -> NDArray[np.float64]:
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


def integral(value: Any) -> Any:
    """A float with no fractional part as the int it is (JSON Schema counts ``2.0`` as an
    integer, so the API must too); anything else unchanged, for the type check to judge.

    >>> integral(461.0), integral(1.5), integral(True)
    (461, 1.5, True)
    """
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def parse_int_or_pair(value: Any, single: bool = True) -> int | tuple[int, ...]:
    """An int, or a list of one (when ``single``) or two ints, within ±INT_BOUND; else ValueError.

    Integral floats (``2.0``) count as ints.

    >>> parse_int_or_pair(2.0), parse_int_or_pair([1, 2])
    (2, (1, 2))
    """
    items = [integral(v) for v in value] if isinstance(value, list) else [integral(value)]
    fewest = 1 if single or not isinstance(value, list) else 2
    if not fewest <= len(items) <= 2 or any(type(v) is not int for v in items):
        shown = repr(value)[:60] if isinstance(value, list) else _kind(value)
        expected = "a list of 1 or 2 integers" if single else "a list of 2 integers"
        raise ValueError(f"expected an integer or {expected}, got {shown}")
    if any(abs(v) > INT_BOUND for v in items):
        raise ValueError(f"integers must lie within ±{INT_BOUND}, got {value!r}")
    return items[0] if not isinstance(value, list) else tuple(items)


def int_schema(low: int | None, high: int | None, nonzero: bool = False) -> dict[str, Any]:
    """JSON schema of one integer in ``[low, high]`` (``None``: ±INT_BOUND), 0 excluded."""
    schema: dict[str, Any] = {
        "type": "integer",
        "minimum": -INT_BOUND if low is None else low,
        "maximum": INT_BOUND if high is None else high,
    }
    if nonzero:
        schema["not"] = {"const": 0}
    return schema


def pair_schema(low: int | None, high: int | None, single: bool = True) -> list[dict[str, Any]]:
    """The two spellings of a size: an integer, or [height, width] (or [both])."""
    item = int_schema(low, high)
    return [
        item,
        {"type": "array", "minItems": 1 if single else 2, "maxItems": 2, "items": item},
    ]


Flag = Annotated[bool, Field(strict=True)]

#: How arrays appear in responses: plain nested lists.
TensorOut = Annotated[list[Any], WithJsonSchema(tensor_schema(1, 4, "Nested lists of numbers."))]

#: An operation's result: numbers, and for a value JSON has no number for (a max-pooling
#: window that reads only −∞ padding) the string the step traces write, "-inf".
ResultOut = Annotated[
    list[Any],
    WithJsonSchema(
        tensor_schema(
            1,
            4,
            'Nested lists of numbers; "inf", "-inf" or "nan" where the value is not finite.',
            leaf={"anyOf": [_NUMBER, {"enum": ["inf", "-inf", "nan"]}]},
        )
    ),
]
