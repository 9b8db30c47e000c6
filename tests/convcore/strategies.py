"""Hypothesis strategies shared by the convcore tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

MODES = ("zeros", "reflect", "replicate", "circular")


@dataclass
class Conv2dCase:
    """One conv2d call: arrays plus keyword arguments, in torch's vocabulary."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        bias = None if self.bias is None else self.bias.shape
        return f"Conv2dCase(x{self.x.shape}, weight{self.weight.shape}, bias={bias}, {self.kwargs})"


def arrays(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """A float64 array of the shape: random normals, or small integers so values are legible."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        return rng.integers(-3, 4, size=shape).astype(np.float64)
    return rng.standard_normal(shape)


@st.composite
def valid_conv2d_cases(draw: st.DrawFn) -> Conv2dCase:
    """Configurations torch accepts: sizes are drawn so the dilated kernel fits."""
    groups = draw(st.integers(1, 4))
    in_per_group = draw(st.integers(1, 8 // groups))
    out_per_group = draw(st.integers(1, 8 // groups))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    mode = draw(st.sampled_from(MODES))
    padding_kind = draw(st.sampled_from(["int", "pair", "same", "valid"]))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if padding_kind == "same":
        stride = (1, 1)
    ph, pw = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    if padding_kind == "int":
        pw = ph
    if padding_kind == "same":
        ph, pw = (dh * (kh - 1) + 1) // 2, (dw * (kw - 1) + 1) // 2
    if padding_kind == "valid":
        ph = pw = 0
    # the padded input must hold the dilated kernel; reflect needs padding < size, circular ≤
    extra = {"reflect": 1, "circular": 0}.get(mode)
    least_h = max(1, dh * (kh - 1) + 1 - 2 * ph, 1 if extra is None else ph + extra)
    least_w = max(1, dw * (kw - 1) + 1 - 2 * pw, 1 if extra is None else pw + extra)
    height = draw(st.integers(min(least_h, 12), 12))
    width = draw(st.integers(min(least_w, 12), 12))
    padding: Any = {"int": ph, "pair": (ph, pw), "same": "same", "valid": "valid"}[padding_kind]
    n = draw(st.integers(1, 3))
    x = arrays(draw, (n, groups * in_per_group, max(height, least_h), max(width, least_w)))
    weight = arrays(draw, (groups * out_per_group, in_per_group, kh, kw))
    bias = arrays(draw, (groups * out_per_group,)) if draw(st.booleans()) else None
    layout = draw(st.sampled_from(["batched", "unbatched"]))
    if layout == "unbatched":
        x = x[0]
    kwargs = {
        "stride": stride,
        "padding": padding,
        "dilation": (dh, dw),
        "groups": groups,
        "padding_mode": mode,
    }
    return Conv2dCase(x, weight, bias, kwargs)


@st.composite
def any_conv2d_cases(draw: st.DrawFn) -> Conv2dCase:
    """Configurations near and across torch's limits: about half of them are invalid."""
    small = st.integers(-1, 3)
    groups = draw(st.integers(0, 3))
    channels_in = draw(st.integers(1, 6))
    in_per_group = draw(st.integers(1, 3))
    out_channels = draw(st.integers(1, 6))
    kh, kw = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    mode = draw(st.sampled_from([*MODES, "zero"]))
    padding = draw(
        st.one_of(
            st.integers(-1, 4),
            st.tuples(st.integers(-1, 4), st.integers(-1, 4)),
            st.sampled_from(["same", "valid", "full"]),
        )
    )
    x = arrays(
        draw,
        (draw(st.integers(1, 2)), channels_in, draw(st.integers(0, 6)), draw(st.integers(1, 6))),
    )
    weight = arrays(draw, (out_channels, in_per_group, kh, kw))
    bias_len = draw(st.sampled_from([None, out_channels, out_channels + 1]))
    bias = None if bias_len is None else arrays(draw, (bias_len,))
    kwargs = {
        "stride": draw(st.one_of(small, st.tuples(small, small))),
        "padding": padding,
        "dilation": draw(st.one_of(small, st.tuples(small, small))),
        "groups": groups,
        "padding_mode": mode,
    }
    return Conv2dCase(x, weight, bias, kwargs)


@st.composite
def nudged_conv2d_cases(draw: st.DrawFn) -> Conv2dCase:
    """A valid configuration with one argument pushed to, or just over, one of torch's limits.

    Unlike :func:`any_conv2d_cases` (almost all invalid), about half of these stay valid, so
    both directions of error parity are exercised right at the limits: reflect padding of
    size − 1 or size, circular padding of size or size + 1, negative (cropping) padding under
    the non-zero modes, a dilation whose kernel just fits or just does not, and so on.
    """
    case = draw(valid_conv2d_cases())
    x, weight, bias, kwargs = case.x, case.weight, case.bias, dict(case.kwargs)
    height, width = x.shape[-2:]
    axis = draw(st.sampled_from([0, 1]))
    size = (height, width)[axis]
    kh, kw = weight.shape[-2:]
    kind = draw(
        st.sampled_from(
            ["padding", "stride", "dilation", "groups", "channels", "bias", "kernel", "input"]
        )
    )
    if kind == "padding":
        value = draw(st.sampled_from([size - 1, size, size + 1, -1, -(size // 2), -size]))
        old = kwargs["padding"]
        pad = list(old) if isinstance(old, tuple) else [0, 0] if isinstance(old, str) else [old] * 2
        pad[axis] = value
        kwargs["padding"] = tuple(pad)
    elif kind == "stride":
        stride = list(kwargs["stride"])
        stride[axis] = draw(st.sampled_from([0, -1, size, size + 1]))
        kwargs["stride"] = tuple(stride)
    elif kind == "dilation":
        # the largest dilation whose kernel fits the padded input, and one more
        padded = size + (2 * 3 if kwargs["padding"] not in ("same", "valid") else 0)
        k = (kh, kw)[axis]
        fits = max(1, (padded - 1) // max(k - 1, 1))
        dilation = list(kwargs["dilation"])
        dilation[axis] = draw(st.sampled_from([fits, fits + 1, 0]))
        kwargs["dilation"] = tuple(dilation)
    elif kind == "groups":
        kwargs["groups"] = draw(
            st.sampled_from([kwargs["groups"] + 1, 0, -1, x.shape[-3], weight.shape[0]])
        )
    elif kind == "channels":
        extra = draw(st.sampled_from([-1, 1]))
        channels = max(0, x.shape[-3] + extra)
        x = arrays(draw, (*x.shape[:-3], channels, height, width))
    elif kind == "bias":
        shape = draw(
            st.sampled_from(
                [(), (weight.shape[0] + 1,), (weight.shape[0] - 1,), (weight.shape[0], 1)]
            )
        )
        bias = arrays(draw, shape)
    elif kind == "kernel":
        shape = list(weight.shape)
        shape[draw(st.integers(0, 3))] = 0
        weight = np.zeros(shape)
    else:
        shape = draw(
            st.sampled_from(
                [
                    (0, *x.shape[-3:]),
                    (*x.shape[-3:-1], 0),
                    x.shape[-2:],
                    (1, *x.shape[-4:]) if x.ndim == 4 else (1, 1, *x.shape),
                ]
            )
        )
        x = arrays(draw, shape)
    return Conv2dCase(x, weight, bias, kwargs)
