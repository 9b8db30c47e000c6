"""max_pool2d and avg_pool2d: every method against torch, error parity, the tutorial's examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import convcore as cc
from convcore import reference

MAX_METHODS = sorted(cc.METHODS["max_pool2d"])
AVG_METHODS = sorted(cc.METHODS["avg_pool2d"])
ARGUMENTS = (
    "input",
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "ceil_mode",
    "count_include_pad",
    "divisor_override",
)
inf, nan = np.inf, np.nan


@dataclass
class PoolCase:
    """One pooling call: the input plus keyword arguments, in torch's vocabulary."""

    x: np.ndarray
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"PoolCase(x{self.x.shape}, {self.kwargs})"


def values(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Normals; or small integers, so that windows hold ties; or integers with ±∞ and NaN."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["normal", "ties", "special"]))
    if kind == "normal":
        return rng.standard_normal(shape)
    x = rng.integers(-2, 3, size=shape).astype(np.float64)
    if kind == "special":
        specials = rng.choice([inf, -inf, nan], size=shape)
        x = np.where(rng.random(shape) < 0.15, specials, x)
    return x


def size_arg(draw: st.DrawFn, pair: tuple[int, int]) -> Any:
    """Write a pair the ways torch accepts it: an int when square, a tuple, or a list."""
    form = draw(st.sampled_from(["int", "tuple", "list"]))
    if form == "int" and pair[0] == pair[1]:
        return pair[0]
    return list(pair) if form == "list" else pair


@st.composite
def valid_pool_cases(draw: st.DrawFn, op: str) -> PoolCase:
    """Configurations torch accepts: padding ≤ ⌊k/2⌋ and an input the window fits."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    pad = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dil = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if op == "max" else (1, 1)
    least = [max(1, d * (k - 1) + 1 - 2 * p) for k, p, d in zip(kernel, pad, dil, strict=True)]
    height, width = draw(st.integers(least[0], 10)), draw(st.integers(least[1], 10))
    layout = draw(st.sampled_from(["batched", "unbatched", "2-D"]))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    shape = {
        "batched": (n, c, height, width),
        "unbatched": (c, height, width),
        "2-D": (height, width),
    }[layout]
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    kwargs: dict[str, Any] = {
        "kernel_size": size_arg(draw, kernel),
        "stride": None if stride is None else size_arg(draw, stride),
        "padding": size_arg(draw, pad),
        "ceil_mode": draw(st.booleans()),
    }
    if op == "max":
        kwargs["dilation"] = size_arg(draw, dil)
        kwargs["return_indices"] = True
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
        kwargs["divisor_override"] = draw(st.sampled_from([None, None, -3, 1, 2, 7]))
    return PoolCase(values(draw, shape), kwargs)


@st.composite
def nudged_pool_cases(draw: st.DrawFn, op: str) -> PoolCase:
    """A valid configuration with one or two arguments pushed to or over torch's limits."""
    case = draw(valid_pool_cases(op))
    kwargs = dict(case.kwargs)
    kernel = np.broadcast_to(kwargs["kernel_size"], 2)
    edits = {
        "kernel_size": [0, -1, (2, 0), (2, 2, 2), (), (kernel[0],)],
        "stride": [0, -1, (1, 0), (), (2,), (1, 2, 3)],
        # half the kernel is the limit, dilation or not; one more is over it
        "padding": [
            -1,
            (0, -1),
            (int(kernel[0]) // 2 + 1, 0),
            (0, int(kernel[1]) // 2),
            int(kernel.max()),
            (),
        ],
        "dilation": [0, (1, 0), 4, (3, 5)],
        "ceil_mode": [1, None, np.True_],
        "count_include_pad": [0, None, np.False_],
        "divisor_override": [0, 1.5, True, -1, np.int64(3)],
    }
    names = draw(
        st.lists(
            st.sampled_from([*(k for k in edits if k in kwargs), "input"]),
            min_size=1,
            max_size=2,
            unique=True,
        )
    )
    for name in names:
        if name != "input":
            kwargs[name] = draw(st.sampled_from(edits[name]))
    x = case.x
    if "input" in names:
        empty = list(x.shape)
        empty[draw(st.integers(0, x.ndim - 1))] = 0
        # an empty axis; one axis fewer or more; a single row (the window may no longer fit)
        x = draw(st.sampled_from([np.zeros(empty), x[..., 0], x[None, None], x[..., :1, :]]))
    return PoolCase(x, kwargs)


@st.composite
def any_pool_cases(draw: st.DrawFn, op: str) -> PoolCase:
    """Configurations drawn with no regard for torch's limits: many of them invalid."""
    small = st.integers(-1, 4)
    sizes = st.one_of(
        small, st.tuples(small, small), st.tuples(small), st.tuples(small, small, small)
    )
    ndim = draw(st.integers(1, 5))
    shape = tuple(draw(st.integers(0, 5)) for _ in range(ndim))
    kwargs: dict[str, Any] = {
        "kernel_size": draw(sizes),
        "stride": draw(st.one_of(st.none(), st.just(()), sizes)),
        "padding": draw(sizes),
        "ceil_mode": draw(st.sampled_from([False, True, 1, None])),
    }
    if op == "max":
        kwargs["dilation"] = draw(sizes)
        kwargs["return_indices"] = True
    else:
        kwargs["count_include_pad"] = draw(st.sampled_from([True, False, 0]))
        kwargs["divisor_override"] = draw(st.sampled_from([None, -1, 0, 1, 2, 1.5, True]))
    return PoolCase(values(draw, shape), kwargs)


def check_max(case: PoolCase, method: str) -> None:
    """Values and indices exactly as torch has them, dtypes included."""
    ours, our_indices = cc.max_pool2d(case.x, method=method, **case.kwargs)
    theirs, their_indices = reference.max_pool2d(case.x, **case.kwargs)
    assert ours.dtype == theirs.dtype
    assert our_indices.dtype == np.int64
    assert_array_equal(ours, theirs, strict=True)
    assert_array_equal(our_indices, their_indices, strict=True)


def check_avg(case: PoolCase, method: str) -> None:
    """Close to torch (the summation order may differ in the last bit)."""
    ours = cc.avg_pool2d(case.x, method=method, **case.kwargs)
    theirs = reference.avg_pool2d(case.x, **case.kwargs)
    assert ours.dtype == theirs.dtype
    assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, strict=True)


# --- the tutorial's examples, as it printed them ---------------------------------------------

X44 = np.arange(16.0).reshape(4, 4)
X33 = np.arange(9.0).reshape(3, 3)
TUTORIAL_MAX = [
    # (input, kwargs, printed result)
    (X44, {"kernel_size": 3}, [[10.0]]),
    (X44, {"kernel_size": 3, "padding": 1, "stride": 2}, [[5.0, 7.0], [13.0, 15.0]]),
    (
        X44,
        {"kernel_size": (2, 3), "padding": (1, 1), "stride": (2, 3)},
        [[1.0, 3.0], [9.0, 11.0], [13.0, 15.0]],
    ),
    # pooling works on each channel alone: the input and the input + 1, stacked as channels
    (
        np.stack([X44, X44 + 1])[None],
        {"kernel_size": 3, "padding": 1, "stride": 2},
        [[[[5.0, 7.0], [13.0, 15.0]], [[6.0, 8.0], [14.0, 16.0]]]],
    ),
    # the tutorial's hand-written loop pools a 3×3 input with a 2×2 window at stride 1
    (X33, {"kernel_size": 2, "stride": 1}, [[4.0, 5.0], [7.0, 8.0]]),
]
TUTORIAL_AVG = [(X33, {"kernel_size": 2, "stride": 1}, [[2.0, 3.0], [5.0, 6.0]])]


@pytest.mark.parametrize("method", MAX_METHODS)
@pytest.mark.parametrize(("x", "kwargs", "printed"), TUTORIAL_MAX)
def test_tutorial_max_pool(method, x, kwargs, printed):
    out = cc.max_pool2d(x, method=method, **kwargs)
    assert_array_equal(out, printed, strict=False)
    assert out.shape == np.shape(printed)
    assert_array_equal(reference.max_pool2d(x, **kwargs), printed)


@pytest.mark.parametrize("method", AVG_METHODS)
@pytest.mark.parametrize(("x", "kwargs", "printed"), TUTORIAL_AVG)
def test_tutorial_avg_pool(method, x, kwargs, printed):
    out = cc.avg_pool2d(x, method=method, **kwargs)
    assert_array_equal(out, printed)
    assert out.shape == np.shape(printed)
    assert_array_equal(reference.avg_pool2d(x, **kwargs), printed)


# --- differential: every method against torch -----------------------------------------------


@pytest.mark.parametrize("method", MAX_METHODS)
@given(case=valid_pool_cases("max"))
def test_max_pool_matches_torch(method, case):
    check_max(case, method)


@pytest.mark.parametrize("method", AVG_METHODS)
@given(case=valid_pool_cases("avg"))
def test_avg_pool_matches_torch(method, case):
    check_avg(case, method)


MAX_EDGE_CASES = {
    # dilation puts both taps of the only window in the padding: −∞, torch's first-tap index
    "window all padding": (
        np.array([[1.0, 2.0], [3.0, 4.0]]),
        {"kernel_size": 2, "padding": 1, "dilation": 3},
    ),
    "rows all padding": (
        np.arange(6.0).reshape(2, 3),
        {"kernel_size": (2, 1), "stride": 1, "padding": (1, 0), "dilation": (3, 1)},
    ),
    "all -inf": (np.full((3, 3), -inf), {"kernel_size": 2, "stride": 1, "padding": 1}),
    "nan wins, last one reported": (
        np.array([[nan, 1, nan], [2, nan, 3], [4, 5, 6]]),
        {"kernel_size": 2, "stride": 1},
    ),
    "ties keep the first": (np.ones((3, 3)), {"kernel_size": 2, "stride": 1, "padding": 1}),
    "ceil window hangs over": (
        np.arange(25.0).reshape(5, 5),
        {"kernel_size": 2, "padding": 1, "ceil_mode": True},
    ),
    "ceil window would start in padding": (
        np.arange(25.0).reshape(5, 5),
        {"kernel_size": 3, "stride": 3, "padding": 1, "ceil_mode": True},
    ),
    "empty stride means kernel": (X44, {"kernel_size": 2, "stride": []}),
    "stride larger than input": (X44, {"kernel_size": 2, "stride": 9}),
    "1x1 kernel": (X33, {"kernel_size": 1}),
    "empty batch": (np.zeros((0, 2, 4, 4)), {"kernel_size": 2}),
}


@pytest.mark.parametrize("method", MAX_METHODS)
@pytest.mark.parametrize("name", sorted(MAX_EDGE_CASES))
def test_max_pool_edge_cases(method, name):
    x, kwargs = MAX_EDGE_CASES[name]
    check_max(PoolCase(x, {**kwargs, "return_indices": True}), method)


AVG_EDGE_CASES = {
    "ceil window cut at padded edge": (
        np.arange(25.0).reshape(5, 5),
        {"kernel_size": 2, "padding": 1, "ceil_mode": True},
    ),
    "ceil, pad not counted": (
        X44,
        {
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "ceil_mode": True,
            "count_include_pad": False,
        },
    ),
    "ceil window past the input, no padding": (
        np.arange(35.0).reshape(5, 7),
        {"kernel_size": (2, 3), "ceil_mode": True},
    ),
    "negative divisor": (X44, {"kernel_size": 2, "divisor_override": -3}),
    "divisor with ceil": (X33, {"kernel_size": 2, "ceil_mode": True, "divisor_override": 5}),
    "inf and nan spread": (
        np.array([[inf, 1, -inf], [2, nan, 3], [4, 5, 6]]),
        {"kernel_size": 2, "stride": 1},
    ),
    "empty batch": (np.zeros((0, 2, 4, 4)), {"kernel_size": 2}),
}


@pytest.mark.parametrize("method", AVG_METHODS)
@pytest.mark.parametrize("name", sorted(AVG_EDGE_CASES))
def test_avg_pool_edge_cases(method, name):
    x, kwargs = AVG_EDGE_CASES[name]
    check_avg(PoolCase(x, kwargs), method)


@pytest.mark.parametrize("method", MAX_METHODS)
def test_max_pool_keeps_float32(method):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype(np.float32)
    check_max(
        PoolCase(
            x,
            {
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "ceil_mode": True,
                "return_indices": True,
            },
        ),
        method,
    )


@pytest.mark.parametrize("method", AVG_METHODS)
def test_avg_pool_keeps_float32(method):
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 6)).astype(np.float32)
    ours = cc.avg_pool2d(x, 3, 2, 1, ceil_mode=True, method=method)
    assert ours.dtype == np.float32
    assert_allclose(ours, reference.avg_pool2d(x, 3, 2, 1, ceil_mode=True), rtol=1e-6)


def test_integer_input_becomes_float64():
    out, indices = cc.max_pool2d(np.arange(16).reshape(4, 4), 2, return_indices=True)
    assert out.dtype == np.float64
    assert_array_equal(out, [[5.0, 7.0], [13.0, 15.0]])
    assert_array_equal(indices, [[5, 7], [13, 15]])


def test_without_return_indices_gives_only_values():
    out = cc.max_pool2d(X44, 2)
    assert isinstance(out, np.ndarray)
    assert_array_equal(out, reference.max_pool2d(X44, 2))


# --- error parity ---------------------------------------------------------------------------


def check_parity(case: PoolCase, method: str, op: str) -> None:
    """torch raises ⇔ convcore raises ConvcoreError naming an argument; else they agree."""
    ours_fn, theirs_fn = {
        "max": (cc.max_pool2d, reference.max_pool2d),
        "avg": (cc.avg_pool2d, reference.avg_pool2d),
    }[op]
    try:
        theirs_fn(case.x, **case.kwargs)
    except (RuntimeError, ValueError, TypeError, IndexError) as torch_error:
        note(f"torch: {torch_error}")
        with pytest.raises(cc.ConvcoreError) as raised:
            ours_fn(case.x, method=method, **case.kwargs)
        assert any(name in str(raised.value) for name in ARGUMENTS), str(raised.value)
        return
    (check_max if op == "max" else check_avg)(case, method)


@pytest.mark.parametrize("method", MAX_METHODS)
@given(case=st.one_of(nudged_pool_cases("max"), any_pool_cases("max")))
def test_max_pool_rejects_exactly_what_torch_rejects(method, case):
    check_parity(case, method, "max")


@pytest.mark.parametrize("method", AVG_METHODS)
@given(case=st.one_of(nudged_pool_cases("avg"), any_pool_cases("avg")))
def test_avg_pool_rejects_exactly_what_torch_rejects(method, case):
    check_parity(case, method, "avg")


REJECTIONS = [
    # (op, input shape, kwargs, the argument the message must name)
    ("max", (1, 1, 6, 6), {"kernel_size": 0}, "kernel_size"),
    ("max", (1, 1, 6, 6), {"kernel_size": (2, 2, 2)}, "kernel_size"),
    ("max", (1, 1, 6, 6), {"kernel_size": 2.0}, "kernel_size"),
    ("max", (1, 1, 6, 6), {"kernel_size": 2, "stride": 0}, "stride"),
    ("max", (1, 1, 6, 6), {"kernel_size": 2, "stride": -1}, "stride"),
    ("max", (1, 1, 6, 6), {"kernel_size": 2, "padding": -1}, "padding"),
    ("max", (1, 1, 6, 6), {"kernel_size": 3, "padding": 2}, "padding"),
    # dilation widens the window but never allows more padding than ⌊k/2⌋
    ("max", (1, 1, 9, 9), {"kernel_size": 2, "padding": 2, "dilation": 3}, "padding"),
    ("max", (1, 1, 6, 6), {"kernel_size": 2, "dilation": 0}, "dilation"),
    ("max", (1, 1, 3, 3), {"kernel_size": 4}, "kernel_size"),
    ("max", (1, 1, 4, 4), {"kernel_size": 2, "dilation": 4}, "kernel_size"),
    ("max", (1, 1, 4, 4), {"kernel_size": 2, "ceil_mode": 1}, "ceil_mode"),
    ("max", (4,), {"kernel_size": 2}, "input"),
    ("max", (1, 1, 1, 4, 4), {"kernel_size": 2}, "input"),
    ("max", (1, 0, 4, 4), {"kernel_size": 2}, "input"),
    ("max", (0, 4), {"kernel_size": 1}, "input"),
    ("avg", (1, 1, 4, 4), {"kernel_size": 2, "divisor_override": 0}, "divisor_override"),
    ("avg", (1, 1, 4, 4), {"kernel_size": 2, "divisor_override": 1.5}, "divisor_override"),
    ("avg", (1, 1, 4, 4), {"kernel_size": 2, "count_include_pad": 1}, "count_include_pad"),
    ("avg", (1, 1, 4, 4), {"kernel_size": 3, "padding": 2}, "padding"),
]


@pytest.mark.parametrize(("op", "shape", "kwargs", "argument"), REJECTIONS)
def test_rejection_names_the_argument(op, shape, kwargs, argument):
    ours_fn, theirs_fn = {
        "max": (cc.max_pool2d, reference.max_pool2d),
        "avg": (cc.avg_pool2d, reference.avg_pool2d),
    }[op]
    x = np.zeros(shape)
    with pytest.raises((RuntimeError, ValueError, TypeError, IndexError)):
        theirs_fn(x, **kwargs)
    with pytest.raises(cc.ConvcoreError, match=argument):
        ours_fn(x, **kwargs)


def test_unknown_method_names_the_choices():
    with pytest.raises(cc.ConvcoreError, match="'loop', 'window'"):
        cc.max_pool2d(X44, 2, method="im2col")
