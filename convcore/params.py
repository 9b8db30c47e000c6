"""Normalise the loosely typed arguments of the public API (ints, pairs, arrays)."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.spec import PADDING_MODES, Arg

Pair = tuple[int, int]
IntOrPair = int | Sequence[int]
#: conv2d's padding: sizes, or 'same' / 'valid'.
Padding = IntOrPair | str


def as_int(value: Any, name: str) -> int:
    """Return ``value`` as a Python int, or raise naming ``name``."""
    if isinstance(value, bool | np.bool_):
        raise ConvcoreError(
            "{name} must be an integer, got {value!r}", name, name=name, value=value
        )
    try:
        return operator.index(value)
    except TypeError:
        raise ConvcoreError(
            "{name} must be an integer, got {value!r}", name, name=name, value=value
        ) from None


def as_bool(value: Any, name: str) -> bool:
    """Accept only Python booleans (not 1, None or numpy.bool_), as torch's parser does."""
    if not isinstance(value, bool):
        raise ConvcoreError(
            "{name} must be True or False, got {value!r}", name, name=name, value=value
        )
    return value


def as_pair(value: IntOrPair, name: str, *, single: bool = True) -> Pair:
    """Expand an int or a 1- or 2-sequence of ints into a pair, as torch does.

    ``single=False`` refuses a 1-sequence, as ``F.unfold`` and ``F.fold`` do.

    Examples
    --------
    >>> as_pair(3, "stride"), as_pair([2], "stride"), as_pair((1, 2), "stride")
    ((3, 3), (2, 2), (1, 2))
    >>> as_pair((2,), "kernel_size", single=False)
    Traceback (most recent call last):
    ...
    convcore.errors.ConvcoreError: kernel_size must be an integer or a pair of integers, got (2,)
    """
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = [as_int(v, name) for v in value]
        if len(items) == 1 and single:
            return (items[0], items[0])
        if len(items) != 2:
            raise ConvcoreError(
                "{name} must be an integer or a pair of integers, got {value!r}",
                name,
                name=name,
                value=tuple(value),
            )
        return (items[0], items[1])
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return as_pair(value.tolist(), name, single=single)
    number = as_int(value, name)
    return (number, number)


def positive_pair(value: IntOrPair, name: str, *, single: bool = True) -> Pair:
    """A pair whose entries must be at least 1 (stride, dilation, kernel size)."""
    pair = as_pair(value, name, single=single)
    if min(pair) < 1:
        raise ConvcoreError(
            "{name} must be positive, got {name}={value}", name, name=name, value=_show(value)
        )
    return pair


def nonnegative_pair(value: IntOrPair, name: str, *, single: bool = True) -> Pair:
    """A pair whose entries must be at least 0 (padding, output_padding)."""
    pair = as_pair(value, name, single=single)
    if min(pair) < 0:
        raise ConvcoreError(
            "{name} must not be negative, got {name}={value}", name, name=name, value=_show(value)
        )
    return pair


def check_padding_mode(mode: str) -> str:
    """Return ``mode`` if it is one of torch's four padding modes."""
    return check_choice(mode, "padding_mode", PADDING_MODES)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, or raise listing them.

    >>> check_choice("same", "padding", ("same", "valid"))
    'same'
    """
    if not isinstance(value, str) or value not in choices:
        raise ConvcoreError(
            "{name} must be one of {choices}, got {value!r}",
            name,
            name=name,
            choices=", ".join(map(repr, choices)),
            value=value,
        )
    return value


def positive_int(value: Any, name: str) -> int:
    """An integer that must be at least 1 (groups)."""
    number = as_int(value, name)
    if number < 1:
        raise ConvcoreError(
            "{name} must be a positive integer, got {name}={value}", name, name=name, value=number
        )
    return number


def nonzero_int(value: Any, name: str) -> int:
    """An integer that must not be 0 (divisor_override)."""
    number = as_int(value, name)
    if number == 0:
        raise ConvcoreError(
            "{name} must not be zero, got {name}={value}", name, name=name, value=number
        )
    return number


def check_arg(arg: Arg, value: Any) -> None:
    """Check ``value`` against its description in :mod:`convcore.spec`: kind, bound, choices.

    This is the one place a single argument's own rules are enforced (a stride at least 1,
    a padding mode among torch's four, …): the operations run the same checks, and a
    server can run this one on each field before it builds anything. Rules between
    arguments (a kernel that must fit its input) belong to the geometry. Tensors are not
    checked here.

    Examples
    --------
    >>> from convcore.spec import OPS
    >>> check_arg(OPS["conv2d"].arg("stride"), (1, 2))
    >>> check_arg(OPS["conv2d"].arg("stride"), 0)
    Traceback (most recent call last):
    ...
    convcore.errors.ConvcoreError: stride must be positive, got stride=0
    >>> check_arg(OPS["avg_pool2d"].arg("divisor_override"), 0)
    Traceback (most recent call last):
    ...
    convcore.errors.ConvcoreError: divisor_override must not be zero, got divisor_override=0
    """
    name = arg.name
    if value is None and arg.optional:
        return
    if arg.kind == "pair":
        check = {1: positive_pair, 0: nonnegative_pair}.get(arg.minimum or -1, as_pair)
        check(value, name, single=arg.single)
    elif arg.kind == "padding":
        if isinstance(value, str):
            check_padding_word(value, name, arg.choices)
        else:
            as_pair(value, name, single=arg.single)
    elif arg.kind == "int":
        if arg.minimum == 1:
            positive_int(value, name)
        elif arg.nonzero:
            nonzero_int(value, name)
        else:
            as_int(value, name)
    elif arg.kind == "flag":
        as_bool(value, name)
    elif arg.kind == "choice":
        check_choice(value, name, arg.choices)
    else:
        raise TypeError(f"check_arg does not check {arg.kind} arguments ({name})")


def check_padding_word(value: str, name: str, words: Sequence[str]) -> str:
    """A padding given as a word must be one of ``words`` ('same', 'valid')."""
    if value not in words:
        raise ConvcoreError(
            "padding must be an int, a pair, 'same' or 'valid', got {padding!r}",
            name,
            padding=value,
        )
    return value


def as_float_array(value: ArrayLike, name: str) -> NDArray[np.floating]:
    """Convert to a float32 or float64 array: float32 stays, everything real becomes float64."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as err:
        raise ConvcoreError(
            "{name} is not a rectangular array of numbers: {reason}",
            name,
            name=name,
            reason=str(err),
        ) from None
    if array.dtype == np.float32:
        return array
    if array.dtype.kind not in "biuf":
        raise ConvcoreError(
            "{name} must hold real numbers, got dtype {dtype}",
            name,
            name=name,
            dtype=str(array.dtype),
        )
    return array.astype(np.float64)


def common_dtype(*arrays: NDArray[np.floating] | None) -> np.dtype[Any]:
    """float32 when every given array is float32, float64 otherwise (numpy's promotion)."""
    return np.result_type(*[a.dtype for a in arrays if a is not None])


def shape_str(shape: Sequence[int]) -> str:
    """Format a shape the way messages quote it: ``(1, 3, 5, 5)``."""
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return repr(tuple(value.tolist()))
    if isinstance(value, Sequence) and not isinstance(value, str):
        return repr(tuple(value))
    return repr(value)
