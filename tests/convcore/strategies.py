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
        return (f"Conv2dCase(x{self.x.shape}, weight{self.weight.shape}, bias={bias}, "
                f"{self.kwargs})")


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
    kwargs = {"stride": stride, "padding": padding, "dilation": (dh, dw), "groups": groups,
              "padding_mode": mode}
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
    padding = draw(st.one_of(
        st.integers(-1, 4),
        st.tuples(st.integers(-1, 4), st.integers(-1, 4)),
        st.sampled_from(["same", "valid", "full"]),
    ))
    x = arrays(draw, (draw(st.integers(1, 2)), channels_in, draw(st.integers(0, 6)),
                      draw(st.integers(1, 6))))
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
