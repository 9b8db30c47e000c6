"""Check a result against torch: run the matching call of :mod:`convcore.reference`, compare.

A refusal by torch is reported, not raised, so that a caller (the API) can show it next to
its own result: a disagreement between convcore and torch is information, not a crash.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore import reference

#: The torch call each op is checked against.
CALLS: dict[str, tuple[str, Callable[..., Any]]] = {
    "conv2d": ("torch.nn.functional.conv2d", reference.conv2d),
    "conv_transpose2d": ("torch.nn.functional.conv_transpose2d", reference.conv_transpose2d),
    "max_pool2d": ("torch.nn.functional.max_pool2d", reference.max_pool2d),
    "avg_pool2d": ("torch.nn.functional.avg_pool2d", reference.avg_pool2d),
    "unfold": ("torch.nn.functional.unfold", reference.unfold),
}


_RTOL, _ATOL = 1e-5, 1e-8
#: Up to this many values, results are compared in plain Python (see _compare_floats).
_SMALL = 32


@dataclass(frozen=True)
class Verdict:
    """How our result compares with torch's."""

    torch: str
    call: str
    allclose: bool
    max_abs_diff: float | None
    error: str | None = None


def verify(op: str, ours: Any, *args: Any, **kwargs: Any) -> Verdict:
    """Run torch's version of ``op`` on the same arguments and compare with ``ours``.

    ``ours`` is an array, or a tuple of arrays when the op returns several (max_pool2d
    with ``return_indices``). Arrays must match in shape; values within ``numpy.allclose``
    tolerances (indices exactly).

    Examples
    --------
    >>> x, w = np.arange(9.0).reshape(3, 3), np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> verify("conv2d", np.array([[19.0, 25.0], [37.0, 43.0]]), x, w).allclose
    True
    >>> verdict = verify("conv2d", np.zeros((2, 2)), x, w)
    >>> verdict.allclose, verdict.max_abs_diff
    (False, 43.0)
    """
    name, call = CALLS[op]
    if op == "conv2d" and kwargs.get("padding_mode", "zeros") != "zeros":
        name = f"torch.nn.Conv2d(padding_mode={kwargs['padding_mode']!r})"
    try:
        theirs = call(*args, **kwargs)
    except Exception as err:  # torch raises RuntimeError, ValueError, TypeError, …
        return Verdict(reference.torch_version(), name, False, None, f"torch refused: {err}")
    return compare(ours, theirs, name)


def verify_kernel_matrix(
    matrix: ArrayLike, weight: ArrayLike, input_size: tuple[int, int], **kwargs: Any
) -> Verdict:
    """Check ``K`` by its defining identity: ``K @ x.ravel() == F.conv2d(x).ravel()``.

    ``x`` is a fixed pseudo-random input, so a wrong entry anywhere in ``K`` shows.

    Examples
    --------
    >>> from convcore.kernel_matrix import kernel_matrix
    >>> w = [[0.0, 1.0], [2.0, 3.0]]
    >>> verify_kernel_matrix(kernel_matrix(w, (3, 3)), w, (3, 3)).allclose
    True
    """
    k = np.asarray(matrix, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    channels = 1 if w.ndim == 2 else w.shape[1] * kwargs.get("groups", 1)
    x = np.random.default_rng(0).standard_normal((channels, *input_size))
    name = "K @ x vs torch.nn.functional.conv2d(x) for a random x"
    try:
        theirs = (
            reference.conv2d(x[0], w, **kwargs) if w.ndim == 2 else reference.conv2d(x, w, **kwargs)
        )
    except Exception as err:
        return Verdict(reference.torch_version(), name, False, None, f"torch refused: {err}")
    return compare(k @ x.ravel(), np.ravel(theirs), name)


def compare(ours: Any, theirs: Any, name: str) -> Verdict:
    """Compare one array, or matching tuples of arrays: ``numpy.allclose`` and max |Δ|.

    One pass over the differences serves both (the check is on every API response).
    """
    pairs = list(zip(ours, theirs, strict=True)) if isinstance(ours, tuple) else [(ours, theirs)]
    worst, close = 0.0, True
    for a, b in pairs:
        a, b = _float(np.asarray(a)), _float(np.asarray(b))
        if a.shape != b.shape:
            return Verdict(
                reference.torch_version(),
                name,
                False,
                None,
                f"shapes differ: ours {a.shape}, torch's {b.shape}",
            )
        if a.size <= _SMALL:
            pair_worst, pair_close = _compare_floats(a.ravel().tolist(), b.ravel().tolist())
        else:
            with np.errstate(invalid="ignore", over="ignore"):
                diff = np.abs(a - b)
            if not np.isfinite(diff).all():  # rare: an infinity or NaN, or an overflow
                diff = _differences(a, b)
            pair_worst = float(diff.max())
            # numpy.allclose's test, |a − b| ≤ atol + rtol·|b|, with its default tolerances;
            # an infinite difference (∞ against a number, or an overflow) is never close
            pair_close = pair_worst < math.inf and bool((diff <= _ATOL + _RTOL * np.abs(b)).all())
        worst, close = max(worst, pair_worst), close and pair_close
    return Verdict(reference.torch_version(), name, close, worst)


def _compare_floats(ours: list[float], theirs: list[float]) -> tuple[float, bool]:
    """max |Δ| and allclose of two short lists, as :func:`_differences` defines |Δ|.

    A few dozen values compare faster in Python than through a dozen numpy calls.
    """
    worst, close = 0.0, True
    for a, b in zip(ours, theirs, strict=True):
        diff = 0.0 if a == b or (a != a and b != b) else abs(a - b)
        if diff != diff:  # a lone NaN
            diff = math.inf
        worst = max(worst, diff)
        close = close and diff <= _ATOL + _RTOL * abs(b) and diff < math.inf
    return worst, close


def _differences(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """|a − b|, with equal values (−∞ and −∞, NaN and NaN) at 0 and a lone NaN at +∞."""
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - b)
    return np.where(same, 0.0, np.where(np.isnan(diff), np.inf, diff))


def _float(a: NDArray[Any]) -> NDArray[np.float64]:
    return a.astype(np.float64, copy=False)
