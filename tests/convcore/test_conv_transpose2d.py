"""conv_transpose2d: every method against torch, error parity, and the adjoint identities."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import convcore as cc
from convcore import reference as ref

METHODS = list(cc.METHODS["conv_transpose2d"])
# the secondary properties need fewer examples than the main differential test
FEW = settings(max_examples=max(20, settings().max_examples // 5))

Pair = tuple[int, int]


def assert_close(got: Any, want: Any) -> None:
    """float64 agreement: a few ulps of accumulated rounding, nothing more."""
    assert_allclose(got, want, rtol=1e-10, atol=1e-11)


@dataclass(frozen=True)
class Case:
    """One conv_transpose2d call: shapes, arguments, and a seed for the numbers."""

    x_shape: tuple[int, ...]
    w_shape: tuple[int, ...]
    bias_shape: tuple[int, ...] | None
    stride: Any
    padding: Any
    output_padding: Any
    groups: Any
    dilation: Any
    seed: int

    def arrays(self, dtype: Any = np.float64) -> tuple[Any, Any, Any]:
        """Input, weight and bias drawn from the seed."""
        rng = np.random.default_rng(self.seed)
        x = rng.standard_normal(self.x_shape).astype(dtype)
        w = rng.standard_normal(self.w_shape).astype(dtype)
        b = None if self.bias_shape is None else rng.standard_normal(self.bias_shape).astype(dtype)
        return x, w, b

    def kwargs(self) -> dict[str, Any]:
        """The size arguments, by torch's names."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "groups": self.groups,
            "dilation": self.dilation,
        }


class Axis(NamedTuple):
    """One spatial axis of a valid conv_transpose2d configuration."""

    size: int
    kernel: int
    stride: int
    dilation: int
    output_padding: int
    padding: int


@st.composite
def axis_args(draw: st.DrawFn, max_size: int = 8) -> Axis:
    """Sizes for one axis that torch accepts."""
    size = draw(st.integers(1, max_size))
    kernel = draw(st.integers(1, 5))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 3))
    out_pad = draw(st.integers(0, max(stride, dilation) - 1))
    # keep at least one output cell: (n−1)s − 2p + d(k−1) + op + 1 ≥ 1
    max_pad = ((size - 1) * stride + dilation * (kernel - 1) + out_pad) // 2
    padding = draw(st.integers(0, min(3, max_pad)))
    return Axis(size, kernel, stride, dilation, out_pad, padding)


@st.composite
def valid_cases(draw: st.DrawFn, max_channels: int = 8, max_batch: int = 3) -> Case:
    """Configurations torch accepts: groups divide both channel counts, output ≥ 1×1."""
    groups = draw(st.integers(1, max_channels))
    in_per_group = draw(st.integers(1, max_channels // groups))
    out_per_group = draw(st.integers(1, max_channels // groups))
    rows, cols = draw(axis_args()), draw(axis_args())
    has_bias = draw(st.booleans())
    return Case(
        x_shape=(draw(st.integers(1, max_batch)), in_per_group * groups, rows.size, cols.size),
        w_shape=(in_per_group * groups, out_per_group, rows.kernel, cols.kernel),
        bias_shape=(out_per_group * groups,) if has_bias else None,
        stride=(rows.stride, cols.stride),
        padding=(rows.padding, cols.padding),
        output_padding=(rows.output_padding, cols.output_padding),
        groups=groups,
        dilation=(rows.dilation, cols.dilation),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@pytest.mark.parametrize("method", METHODS)
@given(case=valid_cases())
def test_every_method_matches_torch(method: str, case: Case) -> None:
    x, w, b = case.arrays()
    want = ref.conv_transpose2d(x, w, b, **case.kwargs())
    got = cc.conv_transpose2d(x, w, b, **case.kwargs(), method=method)
    assert got.dtype == np.float64
    assert got.shape == want.shape
    assert_close(got, want)


@pytest.mark.parametrize("method", METHODS)
@FEW
@given(case=valid_cases(max_batch=1))
def test_unbatched_input_matches_torch(method: str, case: Case) -> None:
    x, w, b = case.arrays()
    want = ref.conv_transpose2d(x[0], w, b, **case.kwargs())
    got = cc.conv_transpose2d(x[0], w, b, **case.kwargs(), method=method)
    assert got.shape == want.shape
    assert got.ndim == 3
    assert_close(got, want)


@pytest.mark.parametrize("method", METHODS)
@FEW
@given(case=valid_cases(max_channels=1, max_batch=1), scalar_bias=st.floats(-2, 2))
def test_tutorial_2d_form_is_one_channel_of_one_sample(
    method: str, case: Case, scalar_bias: float
) -> None:
    x, w, _ = case.arrays()
    args = (x[0, 0], w[0, 0], scalar_bias)
    want = ref.conv_transpose2d(x, w, np.array([scalar_bias]), **case.kwargs())[0, 0]
    got = cc.conv_transpose2d(*args, **case.kwargs(), method=method)
    assert got.ndim == 2
    assert_close(got, want)


@pytest.mark.parametrize("method", METHODS)
@FEW
@given(case=valid_cases())
def test_float32_stays_float32(method: str, case: Case) -> None:
    x, w, b = case.arrays(np.float32)
    want = ref.conv_transpose2d(x, w, b, **case.kwargs())
    got = cc.conv_transpose2d(x, w, b, **case.kwargs(), method=method)
    assert got.dtype == np.float32
    assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_mixed_dtypes_compute_in_float64() -> None:
    x = np.ones((1, 1, 2, 2), dtype=np.float32)
    assert cc.conv_transpose2d(x, np.ones((1, 1, 2, 2))).dtype == np.float64


@pytest.mark.parametrize("method", METHODS)
def test_empty_batch_gives_an_empty_batch(method: str) -> None:
    x, w = np.zeros((0, 2, 3, 3)), np.ones((2, 3, 2, 2))
    want = ref.conv_transpose2d(x, w, stride=2)
    assert cc.conv_transpose2d(x, w, stride=2, method=method).shape == want.shape


# --- error parity ----------------------------------------------------------------------------

#: what a mutation breaks → the word the error message must contain
MUTATIONS = (
    "none",
    "stride",
    "dilation",
    "padding",
    "output_padding",
    "groups",
    "channels",
    "bias",
    "weight",
)


@st.composite
def mutated_cases(draw: st.DrawFn) -> tuple[str, Case, str | None]:
    """A valid case with at most one argument redrawn from a range reaching past torch's rules.

    Returns the mutated argument's name, the case, and the text the message must quote.
    """
    case = draw(valid_cases(max_channels=6, max_batch=2))
    kind = draw(st.sampled_from(MUTATIONS))
    axis = draw(st.sampled_from((0, 1, None)))  # None: both axes get the value

    def pair(old: Pair, value: int) -> Pair:
        if axis is None:
            return (value, value)
        return (value, old[1]) if axis == 0 else (old[0], value)

    if kind in ("stride", "dilation", "padding", "output_padding"):
        # stride and dilation break at ≤ 0; the paddings when negative or too large
        low, high = (-2, 0) if kind in ("stride", "dilation") else (-2, 10)
        value = pair(getattr(case, kind), draw(st.integers(low, high)))
        changed: dict[str, Any] = {kind: value}
        return kind, replace(case, **changed), repr(value)
    if kind == "groups":
        groups = draw(st.integers(-1, 6))
        return kind, replace(case, groups=groups), f"groups={groups}"
    if kind == "channels":
        n, _, h, w = case.x_shape
        channels = draw(st.integers(0, 7))
        return kind, replace(case, x_shape=(n, channels, h, w)), f"{channels} channels"
    if kind == "bias":
        shape = draw(st.sampled_from([(), (draw(st.integers(0, 9)),), (case.w_shape[1], 1)]))
        return kind, replace(case, bias_shape=shape), cc_shape(shape)
    if kind == "weight":
        dim = draw(st.integers(0, 3))
        shape = tuple(0 if i == dim else s for i, s in enumerate(case.w_shape))
        return kind, replace(case, w_shape=shape), cc_shape(shape)
    return kind, case, None


def cc_shape(shape: tuple[int, ...]) -> str:
    """A shape as messages quote it."""
    return "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


def torch_verdict(case: Case) -> tuple[Any, Exception | None]:
    """torch's output, or the exception it raised."""
    x, w, b = case.arrays()
    try:
        return ref.conv_transpose2d(x, w, b, **case.kwargs()), None
    except (RuntimeError, ValueError, TypeError) as err:
        return None, err


@pytest.mark.parametrize("method", METHODS)
@given(mutated=mutated_cases())
def test_rejects_exactly_what_torch_rejects(
    method: str, mutated: tuple[str, Case, str | None]
) -> None:
    kind, case, quoted = mutated
    want, torch_error = torch_verdict(case)
    x, w, b = case.arrays()
    if torch_error is None:
        got = cc.conv_transpose2d(x, w, b, **case.kwargs(), method=method)
        assert_close(got, want)
        return
    with pytest.raises(cc.ConvcoreError) as info:
        cc.conv_transpose2d(x, w, b, **case.kwargs(), method=method)
    message = str(info.value)
    assert kind in message, f"torch said: {torch_error}"
    assert quoted is not None
    assert quoted in message


EDGES = [
    # (what, x shape, w shape, kwargs, torch accepts)
    (
        "output_padding below the dilation but not the stride",
        (1, 1, 3, 3),
        (1, 1, 2, 2),
        {"stride": 1, "dilation": 3, "output_padding": 2},
        True,
    ),
    (
        "output_padding equal to max(stride, dilation)",
        (1, 1, 3, 3),
        (1, 1, 2, 2),
        {"stride": 2, "dilation": 2, "output_padding": 2},
        False,
    ),
    (
        "the rule holds per axis",
        (1, 1, 3, 3),
        (1, 1, 2, 2),
        {"stride": (3, 1), "output_padding": (0, 2)},
        False,
    ),
    (
        "output_padding reaching past the crop",
        (1, 1, 2, 2),
        (1, 1, 3, 3),
        {"stride": 3, "padding": 3, "output_padding": 2},
        True,
    ),
    ("padding leaving exactly 1×1", (1, 1, 1, 1), (1, 1, 3, 3), {"padding": 1}, True),
    ("padding leaving nothing", (1, 1, 2, 2), (1, 1, 1, 1), {"padding": 1}, False),
    ("groups dividing C_in but not C_out is fine", (1, 4, 3, 3), (4, 3, 2, 2), {"groups": 2}, True),
    ("groups not dividing C_in", (1, 3, 3, 3), (3, 1, 2, 2), {"groups": 2}, False),
    ("an empty plane", (1, 1, 0, 3), (1, 1, 2, 2), {}, False),
    ("an empty kernel", (1, 1, 3, 3), (1, 1, 0, 2), {}, False),
    ("no output channels", (1, 1, 3, 3), (1, 0, 2, 2), {}, False),
    ("a stride of three numbers", (1, 1, 3, 3), (1, 1, 2, 2), {"stride": (1, 2, 3)}, False),
    ("a 5-D input", (1, 1, 1, 3, 3), (1, 1, 2, 2), {}, False),
    ("a 3-D weight", (1, 2, 3, 3), (2, 3, 2), {}, False),
]


@pytest.mark.parametrize(
    ("what", "x_shape", "w_shape", "kwargs", "accepted"), EDGES, ids=[edge[0] for edge in EDGES]
)
def test_edges_of_torchs_rules(
    what: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    kwargs: dict[str, Any],
    accepted: bool,
) -> None:
    x, w = np.ones(x_shape), np.ones(w_shape)
    if not accepted:
        with pytest.raises(RuntimeError):
            ref.conv_transpose2d(x, w, **kwargs)
        with pytest.raises(cc.ConvcoreError):
            cc.conv_transpose2d(x, w, **kwargs)
        return
    assert_allclose(cc.conv_transpose2d(x, w, **kwargs), ref.conv_transpose2d(x, w, **kwargs))


def test_scalar_bias_only_for_the_2d_form() -> None:
    # the oracle once sent a 0-d bias to torch as shape (1,), which torch accepts for C_out 1
    x, w, bias = np.ones((1, 1, 2, 2)), np.ones((1, 1, 1, 1)), np.asarray(0.5)
    with pytest.raises(RuntimeError, match="bias"):
        ref.conv_transpose2d(x, w, bias)
    with pytest.raises(cc.ConvcoreError, match=r"bias of shape \(\)"):
        cc.conv_transpose2d(x, w, bias)
    assert_close(cc.conv_transpose2d(x[0, 0], w[0, 0], bias), np.full((2, 2), 1.5))


def test_unknown_method_names_the_choices() -> None:
    with pytest.raises(cc.ConvcoreError, match=r"'scatter'.*got 'fft'"):
        cc.conv_transpose2d(np.ones((2, 2)), np.ones((2, 2)), method="fft")


# --- identities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forward:
    """A conv2d configuration and the output_padding that makes its transpose fit back."""

    x_shape: tuple[int, int, int]
    w_shape: tuple[int, int, int, int]
    stride: Pair
    padding: Pair
    dilation: Pair
    groups: int
    output_padding: Pair
    seed: int

    def kwargs(self) -> dict[str, Any]:
        """Arguments shared by conv2d and conv_transpose2d."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
        }


class ForwardAxis(NamedTuple):
    """One axis of a conv2d whose kernel fits, and the output_padding its transpose needs."""

    size: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    output_padding: int


@st.composite
def forward_axis(draw: st.DrawFn) -> ForwardAxis:
    """Sizes for one axis of a valid conv2d."""
    kernel, stride = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 3))
    padding = draw(st.integers(0, 3))
    span = dilation * (kernel - 1) + 1
    size = draw(st.integers(max(1, span - 2 * padding), 10))
    # conv2d floors (n + 2p − span)/s: the remainder is what the transpose must add back
    return ForwardAxis(
        size, kernel, stride, padding, dilation, (size + 2 * padding - span) % stride
    )


@st.composite
def forward_cases(draw: st.DrawFn) -> Forward:
    """conv2d configurations, unbatched, with their matching output_padding."""
    groups = draw(st.integers(1, 3))
    in_per_group, out_per_group = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rows, cols = draw(forward_axis()), draw(forward_axis())
    return Forward(
        x_shape=(in_per_group * groups, rows.size, cols.size),
        w_shape=(out_per_group * groups, in_per_group, rows.kernel, cols.kernel),
        stride=(rows.stride, cols.stride),
        padding=(rows.padding, cols.padding),
        dilation=(rows.dilation, cols.dilation),
        groups=groups,
        output_padding=(rows.output_padding, cols.output_padding),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@pytest.mark.parametrize("method", METHODS)
@FEW
@given(case=forward_cases())
def test_transpose_is_the_adjoint_of_conv2d(method: str, case: Forward) -> None:
    rng = np.random.default_rng(case.seed)
    x, w = rng.standard_normal(case.x_shape), rng.standard_normal(case.w_shape)
    conv_x = cc.conv2d(x, w, **case.kwargs())
    y = rng.standard_normal(conv_x.shape)
    back = cc.conv_transpose2d(
        y, w, **case.kwargs(), output_padding=case.output_padding, method=method
    )
    assert back.shape == x.shape
    assert_allclose(np.vdot(conv_x, y), np.vdot(x, back), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", METHODS)
@FEW
@given(case=forward_cases())
def test_transpose_is_the_kernel_matrix_transposed(method: str, case: Forward) -> None:
    rng = np.random.default_rng(case.seed)
    w = rng.standard_normal(case.w_shape)
    matrix = cc.kernel_matrix(w, case.x_shape[1:], **case.kwargs())
    # y lives where conv2d's output does; torch says what shape that is
    y_shape = ref.conv2d(np.zeros(case.x_shape), w, **case.kwargs()).shape
    y = rng.standard_normal(y_shape)
    back = cc.conv_transpose2d(
        y, w, **case.kwargs(), output_padding=case.output_padding, method=method
    )
    assert back.shape == case.x_shape
    assert_close(back.ravel(), matrix.T @ y.ravel())


# --- the tutorial ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_tutorial_transposed_conv_of_a_conv_output(method: str) -> None:
    """The tutorial convolves a 4×4 input with a 3×3 kernel, then transposes back to 4×4."""
    rng = np.random.default_rng(2024)
    kernel, image = rng.standard_normal((3, 3)), rng.standard_normal((4, 4))
    conv_out = ref.conv2d(image, kernel)  # 2×2
    want = ref.conv_transpose2d(conv_out, kernel)
    got = cc.conv_transpose2d(conv_out, kernel, method=method)
    assert got.shape == (4, 4)
    assert_close(got, want)
    # and the tutorial's derivation: the same numbers as the kernel matrix transposed times y
    assert_close(got.ravel(), cc.kernel_matrix(kernel, (4, 4)).T @ conv_out.ravel())


def test_empty_plane_is_rejected_even_in_an_empty_batch() -> None:
    # torch lets an empty plane through when the batch is empty too; convcore rejects every
    # empty plane alike (a deliberate difference, listed in the README)
    x, w = np.zeros((0, 2, 0, 4)), np.ones((2, 3, 3, 3))
    assert ref.conv_transpose2d(x, w).shape == (0, 3, 2, 6)
    with pytest.raises(cc.ConvcoreError, match=r"input of shape \(0, 2, 0, 4\)"):
        cc.conv_transpose2d(x, w)
