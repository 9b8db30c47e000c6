"""Accept the three input layouts (batched, unbatched, the tutorial's 2-D) and undo them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.params import as_float_array, common_dtype, shape_str

Restore = Callable[[NDArray[np.floating]], NDArray[np.floating]]


@dataclass(frozen=True)
class Batched:
    """Arrays in ``(N, C, H, W)`` / 4-D weight layout and the function that undoes it."""

    x: NDArray[np.floating]
    weight: NDArray[np.floating]
    bias: NDArray[np.floating] | None
    restore: Restore


def batch_conv_args(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, op: str
) -> Batched:
    """Bring input, weight and bias to the 4-D layout torch computes in.

    ``(N, C, H, W)`` with a 4-D weight is used as is; ``(C, H, W)`` gains a batch axis that
    the result loses again; ``(H, W)`` with a 2-D kernel is one channel, no batch, and the
    result is 2-D. Bias is checked against the weight's output channels later.
    """
    x = as_float_array(input, "input")
    w = as_float_array(weight, "weight")
    b = None if bias is None else as_float_array(bias, "bias")
    dtype = common_dtype(x, w, b)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    if b is not None:
        b = b.astype(dtype, copy=False)
    if x.ndim == 2 and w.ndim == 2:
        if b is not None and b.ndim == 0:
            b = b.reshape(1)
        return Batched(x[None, None], w[None, None], b, lambda out: out[0, 0])
    if x.ndim not in (3, 4):
        raise ConvcoreError(
            "{op} expects input (N, C, H, W), (C, H, W), or (H, W) with a 2-D kernel; "
            "got input of shape {input_shape} and weight of shape {weight_shape}",
            ("input", "weight"),
            op=op,
            input_shape=shape_str(x.shape),
            weight_shape=shape_str(w.shape),
        )
    if w.ndim != 4:
        raise ConvcoreError(
            "{op} expects a 4-D weight for a {ndim}-D input, got weight of shape {shape}",
            ("weight", "input"),
            op=op,
            ndim=x.ndim,
            shape=shape_str(w.shape),
        )
    if x.ndim == 3:
        return Batched(x[None], w, b, lambda out: out[0])
    return Batched(x, w, b, lambda out: out)


def check_bias(
    bias: NDArray[np.floating] | None, channels: int, weight_shape: tuple[int, ...]
) -> None:
    """Bias must be 1-D with one value per output channel."""
    if bias is not None and bias.shape != (channels,):
        raise ConvcoreError(
            "bias must be 1-D with {channels} values (one per output channel of weight "
            "{weight_shape}), got bias of shape {shape}",
            ("bias", "weight"),
            channels=channels,
            weight_shape=shape_str(weight_shape),
            shape=shape_str(bias.shape),
        )


def batch_pool_input(input: ArrayLike, op: str) -> tuple[NDArray[np.floating], Restore]:
    """Bring the input to ``(N, C, H, W)``; return it with the function that undoes that."""
    x = as_float_array(input, "input")
    if x.ndim not in (2, 3, 4):
        raise ConvcoreError(
            "{op} expects input (N, C, H, W), (C, H, W) or (H, W), got input of shape {shape}",
            "input",
            op=op,
            shape=shape_str(x.shape),
        )
    if 0 in x.shape[-3:]:
        raise ConvcoreError(
            "{op} needs a non-empty input (only the batch may be empty), "
            "got input of shape {shape}",
            "input",
            op=op,
            shape=shape_str(x.shape),
        )
    if x.ndim == 2:
        return x[None, None], lambda out: out[0, 0]
    if x.ndim == 3:
        return x[None], lambda out: out[0]
    return x, lambda out: out
