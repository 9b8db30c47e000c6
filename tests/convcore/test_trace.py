"""Step traces: replaying every step rebuilds each operation's output, and every tap agrees
with an oracle built from torch (F.pad, F.unfold, autograd Jacobians, the ops themselves)."""

from __future__ import annotations

import importlib
import json
import math
import statistics
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import convcore as cc
from convcore import reference
from convcore.trace import (
    trace_avg_pool2d,
    trace_conv2d,
    trace_conv_transpose2d,
    trace_max_pool2d,
)
from tests.convcore.strategies import any_conv2d_cases

MODES = ("zeros", "reflect", "replicate", "circular")
TORCH_PAD = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
}
TORCH_ERRORS = (RuntimeError, ValueError, TypeError)
# every step of every example is checked, so fewer examples than the profile's default
few = settings(max_examples=min(80, settings().max_examples))


@dataclass
class Case:
    """Arrays, keyword arguments and torch's output for one call."""

    x: np.ndarray
    weight: np.ndarray | None
    bias: np.ndarray | None
    kwargs: dict[str, Any] = field(default_factory=dict)
    expected: Any = None

    def __repr__(self) -> str:
        w = None if self.weight is None else self.weight.shape
        b = None if self.bias is None else self.bias.shape
        return f"Case(x{self.x.shape}, weight{w}, bias={b}, {self.kwargs})"


def draw_array(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Small integers (legible, with ties) or normals, float64."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        return rng.integers(-3, 4, size=shape).astype(np.float64)
    return rng.standard_normal(shape)


def draw_layout(draw: st.DrawFn, x: np.ndarray, two_d_ok: bool) -> np.ndarray:
    """Send the batched ``x`` as is, unbatched, or as the tutorial's 2-D plane."""
    layouts = ["batched", "unbatched"] + (["2d"] if two_d_ok else [])
    layout = draw(st.sampled_from(layouts))
    return {"batched": x, "unbatched": x[0], "2d": x[0, 0]}[layout]


def as4d(array: np.ndarray) -> np.ndarray:
    """A result in the caller's layout, back in (N, C, H, W)."""
    return array.reshape((1,) * (4 - array.ndim) + array.shape)


def weight4(weight: np.ndarray) -> np.ndarray:
    return weight if weight.ndim == 4 else weight[None, None]


def pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


# ---------------------------------------------------------------------------------------------
# strategies


@st.composite
def conv2d_cases(draw: st.DrawFn) -> Case:
    groups, in_pg, out_pg = (draw(st.integers(1, 2)) for _ in range(3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    mode = draw(st.sampled_from(MODES))
    low = 0 if mode == "zeros" else -1  # negative padding crops (nn.Conv2d, not zeros)
    padding = draw(
        st.one_of(
            st.integers(low, 2),
            st.tuples(st.integers(low, 2), st.integers(low, 2)),
            st.sampled_from(["same", "valid"]),
        )
    )
    stride = (
        1
        if padding == "same"
        else draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    )
    one_channel = groups == in_pg == out_pg == 1
    n = draw(st.integers(1, 2))
    x = draw_layout(
        draw,
        draw_array(draw, (n, groups * in_pg, draw(st.integers(1, 7)), draw(st.integers(1, 7)))),
        one_channel and n == 1,
    )
    weight = draw_array(draw, (groups * out_pg, in_pg, kh, kw))
    weight = weight[0, 0] if x.ndim == 2 else weight
    bias = draw_array(draw, (groups * out_pg,)) if draw(st.booleans()) else None
    kwargs = {
        "stride": stride,
        "padding": padding,
        "dilation": (dh, dw),
        "groups": groups,
        "padding_mode": mode,
    }
    try:
        expected = reference.conv2d(x, weight, bias, **kwargs)
    except TORCH_ERRORS:
        assume(False)
    return Case(x, weight, bias, kwargs, expected)


@st.composite
def transposed_cases(draw: st.DrawFn) -> Case:
    groups, in_pg, out_pg = (draw(st.integers(1, 2)) for _ in range(3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(
        draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
    )
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    n = draw(st.integers(1, 2))
    x = draw_array(draw, (n, groups * in_pg, draw(st.integers(1, 4)), draw(st.integers(1, 4))))
    x = draw_layout(draw, x, groups == in_pg == out_pg == n == 1)
    weight = draw_array(draw, (groups * in_pg, out_pg, kh, kw))
    weight = weight[0, 0] if x.ndim == 2 else weight
    bias = draw_array(draw, (groups * out_pg,)) if draw(st.booleans()) else None
    kwargs = {
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "groups": groups,
        "dilation": dilation,
    }
    try:
        expected = reference.conv_transpose2d(x, weight, bias, **kwargs)
    except TORCH_ERRORS:
        assume(False)
    return Case(x, weight, bias, kwargs, expected)


def pool_input(draw: st.DrawFn) -> np.ndarray:
    """(N, C, H, W) in some layout; sometimes with a NaN or −∞ to test torch's max rules."""
    x = draw_array(
        draw,
        (
            draw(st.integers(1, 2)),
            draw(st.integers(1, 2)),
            draw(st.integers(1, 7)),
            draw(st.integers(1, 7)),
        ),
    )
    if draw(st.integers(0, 4)) == 0:
        flat = x.reshape(-1)
        flat[draw(st.integers(0, flat.size - 1))] = draw(st.sampled_from([np.nan, -np.inf]))
    return draw_layout(draw, x, x.shape[:2] == (1, 1))


def pool_sizes(draw: st.DrawFn) -> dict[str, Any]:
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return {
        "kernel_size": kernel,
        "stride": draw(
            st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
        ),
        "padding": (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2))),
        "ceil_mode": draw(st.booleans()),
    }


@st.composite
def max_pool_cases(draw: st.DrawFn) -> Case:
    x = pool_input(draw)
    kwargs = {**pool_sizes(draw), "dilation": (draw(st.integers(1, 2)), draw(st.integers(1, 2)))}
    try:
        expected = reference.max_pool2d(x, return_indices=True, **kwargs)
    except TORCH_ERRORS:
        assume(False)
    return Case(x, None, None, kwargs, expected)


@st.composite
def avg_pool_cases(draw: st.DrawFn) -> Case:
    x = pool_input(draw)
    x = np.nan_to_num(x, nan=1.0, neginf=-2.0)
    kwargs = {
        **pool_sizes(draw),
        "count_include_pad": draw(st.booleans()),
        "divisor_override": draw(st.one_of(st.none(), st.integers(1, 5))),
    }
    try:
        expected = reference.avg_pool2d(x, **kwargs)
    except TORCH_ERRORS:
        assume(False)
    return Case(x, None, None, kwargs, expected)


# ---------------------------------------------------------------------------------------------
# conv2d


def check_conv_arithmetic(step: Any) -> None:
    """Products are value·weight, running sums accumulate them, and they add up to the result."""
    products = [tap.product for tap in step.taps]
    assert [tap.value * tap.weight for tap in step.taps] == products
    assert_allclose([tap.running_sum for tap in step.taps], np.cumsum(products), atol=1e-12)
    expected = math.fsum(products) + (step.bias or 0.0)
    assert math.isclose(step.result, expected, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(step.total, math.fsum(products), rel_tol=1e-9, abs_tol=1e-9)


@few
@given(case=conv2d_cases())
def test_conv2d_replay_rebuilds_the_output(case):
    tracer = trace_conv2d(case.x, case.weight, case.bias, **case.kwargs)
    expected = as4d(case.expected)
    assert tracer.info.output_shape == expected.shape
    assert tracer.count == expected.size
    out = np.full(expected.shape, np.nan)
    _, in_pg, kh, kw = weight4(case.weight).shape
    for t, step in enumerate(tracer):
        assert step.t == t
        assert len(step.taps) == in_pg * kh * kw
        check_conv_arithmetic(step)
        out[step.index] = step.result
    assert_allclose(out, expected, rtol=1e-10, atol=1e-10)
    ours = cc.conv2d(case.x, case.weight, case.bias, **case.kwargs)
    assert_allclose(out, as4d(ours), rtol=1e-10, atol=1e-10)


def padded_input(
    x4: np.ndarray, pads: tuple[int, int, int, int], mode: str, value: float = 0.0
) -> np.ndarray:
    """The oracle: torch's own padding (F.pad takes left, right, top, bottom)."""
    top, bottom, left, right = pads
    extra = {"value": value} if mode == "constant" else {}
    return F.pad(torch.from_numpy(x4), (left, right, top, bottom), mode=mode, **extra).numpy()


def source_grid(shape: tuple[int, ...], pads: tuple[int, int, int, int], mode: str) -> np.ndarray:
    """The oracle for source coordinates: torch pads an image of flat indices ``row·W + col``
    (``-1`` in constant padding), so each padded cell holds the index of the cell it copies."""
    height, width = shape[-2:]
    index = np.arange(height * width, dtype=np.float64).reshape(1, 1, height, width)
    return padded_input(index, pads, mode, -1.0)[0, 0].astype(np.int64)


def source_of(grid: np.ndarray, width: int, row: int, col: int) -> tuple[int, int] | None:
    """``(row, col)`` of the input cell at ``grid[row, col]``, or None for a constant."""
    flat = int(grid[row, col])
    return None if flat < 0 else divmod(flat, width)


def input_jacobian(fn: Any, x4: np.ndarray) -> np.ndarray:
    """The matrix A with fn(x).ravel() = A @ x.ravel() for one sample of a linear ``fn``,
    found by torch applying ``fn`` to every basis image at once."""
    size = int(np.prod(x4.shape[1:]))
    basis = torch.eye(size, dtype=torch.float64).reshape(size, *x4.shape[1:])
    with torch.no_grad():
        images = fn(basis)  # (C_in·H·W, C_out, H_out, W_out): column j of A per image j
    return images.reshape(size, -1).T.numpy()


def check_conv2d_tap(
    tap: Any,
    n: int,
    x4: np.ndarray,
    padded: np.ndarray,
    pads: tuple[int, ...],
    mode: str,
    sources: np.ndarray,
) -> None:
    row, col = tap.padded
    top, _, left, _ = pads
    height, width = x4.shape[-2:]
    inside = 0 <= row - top < height and 0 <= col - left < width
    assert tap.value == padded[n, tap.channel, row, col]
    assert tap.kind == ("input" if inside else "padding")
    # the exact cell, not only an equal value: small-integer inputs repeat values
    assert tap.source == source_of(sources, width, row, col)
    if tap.source is None:
        assert mode == "zeros"
        assert not inside
        assert tap.value == 0
    else:
        assert x4[(n, tap.channel, *tap.source)] == tap.value
        if inside:
            assert tap.source == (row - top, col - left)


@few
@given(case=conv2d_cases())
def test_conv2d_taps_match_torch_padding_unfold_and_kernel_matrix(case):
    tracer = trace_conv2d(case.x, case.weight, case.bias, **case.kwargs)
    g, mode = tracer.geometry, case.kwargs["padding_mode"]
    x4, w4, expected = as4d(case.x), weight4(case.weight), as4d(case.expected)
    padded = padded_input(x4, g.pads, TORCH_PAD[mode])
    sources = source_grid(x4.shape, g.pads, TORCH_PAD[mode])
    assert padded.shape[-2:] == tracer.info.grid_size
    columns = F.unfold(torch.from_numpy(padded), g.kernel, g.dilation, 0, g.stride).numpy()
    symmetric = g.pads[0] == g.pads[1] and g.pads[2] == g.pads[3]
    if mode == "zeros" and symmetric:
        ours = cc.unfold(x4, g.kernel, g.dilation, (g.pads[0], g.pads[2]), g.stride)
        assert_array_equal(ours, columns)
    kmat = cc.kernel_matrix(
        w4, g.in_size, g.stride, case.kwargs["padding"], g.dilation, g.groups, padding_mode=mode
    )
    conv = torch.nn.Conv2d(
        g.in_channels,
        g.out_channels,
        g.kernel,
        g.stride,
        case.kwargs["padding"],
        g.dilation,
        g.groups,
        bias=False,
        padding_mode=mode,
    ).double()
    conv.weight.data = torch.from_numpy(w4)
    jacobian = input_jacobian(conv, x4)
    for step in tracer:
        n, _oc, oy, ox = step.index
        for tap in step.taps:
            check_conv2d_tap(tap, n, x4, padded, g.pads, mode, sources)
        column = step.im2col
        assert column.column == oy * g.out_size[1] + ox
        assert column.shape == columns.shape[1:]
        assert_array_equal(column.values, columns[n, list(column.rows), column.column])
        row = np.zeros(kmat.shape[1])
        for index, weight in step.kernel_row.entries:
            row[index] += weight
        assert step.kernel_row.shape == kmat.shape
        assert_allclose(row, kmat[step.kernel_row.row], rtol=1e-12, atol=1e-12)
        assert_allclose(row, jacobian[step.kernel_row.row], rtol=1e-12, atol=1e-12)
        assert math.isclose(
            row @ x4[n].ravel() + (step.bias or 0.0),
            expected[step.index],
            rel_tol=1e-9,
            abs_tol=1e-9,
        )


def test_conv2d_tutorial_example_step_by_step():
    tracer = trace_conv2d(np.arange(9.0).reshape(3, 3), [[0.0, 1.0], [2.0, 3.0]])
    assert [step.result for step in tracer] == [19.0, 25.0, 37.0, 43.0]
    last = tracer.step(3)
    assert [tap.padded for tap in last.taps] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert [(tap.value, tap.weight) for tap in last.taps] == [(4, 0), (5, 1), (7, 2), (8, 3)]
    assert [tap.running_sum for tap in last.taps] == [0, 5, 19, 43]
    assert tracer.info.layout == "2d"


def test_conv2d_reflect_pad_cells_name_the_cell_they_copy():
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    step = trace_conv2d(x, np.ones((1, 1, 3, 3)), padding=1, padding_mode="reflect").step(0)
    corner = step.taps[0]
    assert (corner.padded, corner.kind, corner.source, corner.value) == (
        (0, 0),
        "padding",
        (1, 1),
        5.0,
    )


def test_conv2d_kernel_row_adds_taps_that_copy_one_cell():
    # replicate: on a 1×1 input every tap copies the same cell, so the row has one entry
    step = trace_conv2d(
        [[2.0]], [[1.0, 2.0], [3.0, 4.0]], padding=1, padding_mode="replicate"
    ).step(0)
    assert step.kernel_row.entries == ((0, 10.0),)
    assert step.result == 20.0


# ---------------------------------------------------------------------------------------------
# conv_transpose2d


@few
@given(case=transposed_cases())
def test_transposed_scatter_replay_rebuilds_the_output(case):
    tracer = trace_conv_transpose2d(case.x, case.weight, case.bias, view="scatter", **case.kwargs)
    x4, w4, expected = as4d(case.x), weight4(case.weight), as4d(case.expected)
    assert tracer.info.output_shape == expected.shape
    assert tracer.info.step_shape == x4.shape
    out = np.zeros(expected.shape)
    (ph, pw), (oh, ow) = tracer.geometry.padding, expected.shape[-2:]
    for step in tracer:
        n, ci, iy, ix = step.index
        assert step.value == x4[n, ci, iy, ix]
        assert len(step.taps) == w4.shape[1] * w4.shape[2] * w4.shape[3]
        for tap in step.taps:
            c, i, j = tap.kernel
            assert tap.weight == w4[ci, c, i, j]
            assert tap.contribution == step.value * tap.weight
            row, col = tap.canvas[0] - ph, tap.canvas[1] - pw
            kept = 0 <= row < oh and 0 <= col < ow
            assert tap.output == ((row, col) if kept else None)
            if kept:
                out[n, tap.out_channel, row, col] += tap.contribution
    if tracer.info.bias is not None:
        out += np.array(tracer.info.bias)[:, None, None]
    assert_allclose(out, expected, rtol=1e-10, atol=1e-10)
    ours = cc.conv_transpose2d(case.x, case.weight, case.bias, **case.kwargs)
    assert_allclose(out, as4d(ours), rtol=1e-10, atol=1e-10)


def zero_inserted_oracle(
    x4: np.ndarray, w4: np.ndarray, kwargs: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zero-inserted, padded input, its 'is a real cell' and 'inside the spread' masks, the
    flat input index + 1 of every cell (0 where none), and the flipped, channel-swapped
    weight, built with torch."""
    (sh, sw), (ph, pw) = pair(kwargs["stride"]), pair(kwargs["padding"])
    (dh, dw), (oph, opw) = pair(kwargs["dilation"]), pair(kwargs["output_padding"])
    n, c, h, w = x4.shape
    kh, kw = w4.shape[-2:]
    spread = torch.zeros(n, c, (h - 1) * sh + 1, (w - 1) * sw + 1, dtype=torch.float64)
    marks, region, index = (
        torch.zeros_like(spread),
        torch.ones_like(spread),
        torch.zeros_like(spread),
    )
    spread[:, :, ::sh, ::sw] = torch.from_numpy(x4)
    marks[:, :, ::sh, ::sw] = 1.0
    index[:, :, ::sh, ::sw] = torch.arange(1, h * w + 1, dtype=torch.float64).reshape(h, w)
    top, left = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    pads = (left, left + opw, top, top + oph)
    frame, marks, region, index = (F.pad(a, pads).numpy() for a in (spread, marks, region, index))
    groups = kwargs["groups"]
    per = w4.shape[0] // groups
    flipped = torch.cat(
        [torch.from_numpy(w4[g * per : (g + 1) * per]).transpose(0, 1) for g in range(groups)]
    ).flip(-1, -2)
    return frame, marks, region, index[0, 0].astype(np.int64) - 1, flipped.numpy()


@few
@given(case=transposed_cases())
def test_transposed_conv_view_is_a_direct_convolution(case):
    tracer = trace_conv_transpose2d(case.x, case.weight, case.bias, view="conv", **case.kwargs)
    x4, w4, expected = as4d(case.x), weight4(case.weight), as4d(case.expected)
    frame, marks, region, sources, flipped = zero_inserted_oracle(x4, w4, case.kwargs)
    assert frame.shape[-2:] == tracer.info.grid_size
    direct = F.conv2d(
        torch.from_numpy(frame),
        torch.from_numpy(flipped),
        dilation=case.kwargs["dilation"],
        groups=case.kwargs["groups"],
    ).numpy()
    assert_allclose(
        direct + (0 if case.bias is None else case.bias[:, None, None]), expected, atol=1e-10
    )  # the oracle itself is right
    jacobian = input_jacobian(
        lambda s: F.conv_transpose2d(s, torch.from_numpy(w4), **case.kwargs), x4
    )
    out = np.full(expected.shape, np.nan)
    for step in tracer:
        n, oc = step.index[:2]
        check_conv_arithmetic(step)
        for tap in step.taps:
            row, col = tap.padded
            assert tap.value == frame[n, tap.channel, row, col]
            assert tap.weight == flipped[(oc, *tap.kernel)] == w4[tap.weight_index]
            kind = (
                "input"
                if marks[0, 0, row, col]
                else ("inserted" if region[0, 0, row, col] else "padding")
            )
            assert tap.kind == kind
            assert (tap.source is not None) == (kind == "input")
            assert tap.source == source_of(sources, x4.shape[-1], row, col)
            if tap.source is not None:
                assert x4[(n, tap.channel, *tap.source)] == tap.value
        row = np.zeros(jacobian.shape[1])
        for index, weight in step.kernel_row.entries:
            row[index] += weight
        assert_allclose(row, jacobian[step.kernel_row.row], atol=1e-12)
        out[step.index] = step.result
    assert_allclose(out, expected, rtol=1e-10, atol=1e-10)
    ours = cc.conv_transpose2d(case.x, case.weight, case.bias, **case.kwargs)
    assert_allclose(out, as4d(ours), rtol=1e-10, atol=1e-10)


def test_transposed_scatter_stamps_of_the_docs_example():
    tracer = trace_conv_transpose2d([[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2)), stride=2, padding=1)
    step = tracer.step(3)  # input (1, 1) = 4 stamps at canvas (2, 2); padding 1 crops row 3
    assert step.value == 4.0
    assert step.origin == (2, 2)
    assert [tap.output for tap in step.taps] == [(1, 1), None, None, None]


def test_transposed_view_must_be_known():
    with pytest.raises(cc.ConvcoreError, match=r"view must be one of 'scatter', 'conv', got 'x'"):
        trace_conv_transpose2d([[1.0]], [[1.0]], view="x")


# ---------------------------------------------------------------------------------------------
# pooling


def pool_oracle(
    x4: np.ndarray, pads: tuple[int, ...], padding: tuple[int, int], fill: float
) -> tuple[np.ndarray, np.ndarray]:
    """The padded grid (F.pad, overhang included) and each cell's kind code 0/1/2."""
    padded = padded_input(x4, pads, "constant", fill)
    (h, w), (ph, pw) = x4.shape[-2:], padding
    inner = padded_input(
        np.zeros((1, 1, h + 2 * ph, w + 2 * pw)),
        (0, pads[1] - ph, 0, pads[3] - pw),
        "constant",
        2.0,
    )
    inner[..., ph : ph + h, pw : pw + w] = np.nan
    kinds = np.where(np.isnan(inner), 0, np.where(inner == 0, 1, 2))[0, 0]
    return padded, kinds


def check_pool_taps(
    step: Any, x4: np.ndarray, padded: np.ndarray, kinds: np.ndarray, sources: np.ndarray
) -> None:
    n, c = step.index[:2]
    for tap in step.taps:
        row, col = tap.padded
        assert_array_equal(tap.value, padded[n, c, row, col])
        assert tap.kind == ("input", "padding", "outside")[kinds[row, col]]
        assert tap.source == source_of(sources, x4.shape[-1], row, col)
        if tap.source is not None:
            assert_array_equal(x4[(n, c, *tap.source)], tap.value)
        assert (tap.source is None) == (tap.kind != "input")


@few
@given(case=max_pool_cases())
def test_max_pool_replay_rebuilds_output_and_indices(case):
    tracer = trace_max_pool2d(case.x, **case.kwargs)
    x4 = as4d(case.x)
    values, indices = (as4d(a) for a in case.expected)
    padded, kinds = pool_oracle(x4, tracer.geometry.pads, tracer.geometry.padding, -np.inf)
    sources = source_grid(x4.shape, tracer.geometry.pads, "constant")
    out, flat = np.full(values.shape, 7.5), np.full(values.shape, -1)
    for step in tracer:
        check_pool_taps(step, x4, padded, kinds, sources)
        on_input = [tap.value for tap in step.taps if tap.kind == "input"]
        if np.isnan(on_input).any():
            assert np.isnan(step.result)
        else:
            assert step.result == max(on_input, default=-np.inf)
        if step.winner is not None:
            assert_array_equal(step.taps[step.winner].value, step.result)
            assert step.source == step.taps[step.winner].source
        assert_array_equal(step.taps[-1].running, step.result)
        out[step.index], flat[step.index] = step.result, step.flat_index
    assert_array_equal(out, values)  # a max copies a value: exact, NaN included
    assert_array_equal(flat, indices)
    ours, our_indices = cc.max_pool2d(case.x, return_indices=True, **case.kwargs)
    assert_array_equal(out, as4d(ours))
    assert_array_equal(flat, as4d(our_indices))


@few
@given(case=avg_pool_cases())
def test_avg_pool_replay_rebuilds_output_and_explains_divisor(case):
    tracer = trace_avg_pool2d(case.x, **case.kwargs)
    x4, expected = as4d(case.x), as4d(case.expected)
    g = tracer.geometry
    padded, kinds = pool_oracle(x4, g.pads, g.padding, 0.0)
    sources = source_grid(x4.shape, g.pads, "constant")
    # avg of ones: (input cells in the window) / divisor, from torch
    ones = as4d(reference.avg_pool2d(np.ones_like(case.x), **case.kwargs))
    out = np.full(expected.shape, np.nan)
    for step in tracer:
        check_pool_taps(step, x4, padded, kinds, sources)
        values = [tap.value for tap in step.taps]
        assert math.isclose(step.total, math.fsum(values), rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(step.result, step.total / step.divisor, rel_tol=1e-12)
        inside = sum(tap.kind == "input" for tap in step.taps)
        assert math.isclose(step.divisor * ones[step.index], inside, rel_tol=1e-12)
        override, include = case.kwargs["divisor_override"], case.kwargs["count_include_pad"]
        if override is not None:
            reason = "divisor_override"
        elif not include:
            reason = "inside_input"
        else:
            reason = "window" if step.divisor == len(step.taps) else "ceil_mode_clipped"
        assert step.reason == reason
        if reason == "ceil_mode_clipped":
            assert case.kwargs["ceil_mode"]
            assert any(t.kind == "outside" for t in step.taps)
        out[step.index] = step.result
    assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert_allclose(out, as4d(cc.avg_pool2d(case.x, **case.kwargs)), rtol=1e-12, atol=1e-12)


def test_max_pool_tutorial_example():
    tracer = trace_max_pool2d(np.arange(16.0).reshape(4, 4), 3, stride=2, padding=1)
    assert [step.result for step in tracer] == [5.0, 7.0, 13.0, 15.0]
    assert [step.flat_index for step in tracer] == [5, 7, 13, 15]


def test_avg_pool_ceil_mode_window_is_clipped_at_the_padded_edge():
    # 5 wide, kernel 2, stride 2, ceil_mode: the third window hangs one cell past the input
    step = trace_avg_pool2d(np.ones((1, 5)), (1, 2), ceil_mode=True).step(2)
    assert [tap.kind for tap in step.taps] == ["input", "outside"]
    assert (step.divisor, step.reason, step.result) == (1, "ceil_mode_clipped", 1.0)


# ---------------------------------------------------------------------------------------------
# validation, numbering, JSON


@few
@given(case=any_conv2d_cases())
def test_conv2d_tracer_rejects_exactly_what_conv2d_rejects(case):
    args = (case.x, case.weight, case.bias)
    op_error = error_of(cc.conv2d, *args, **case.kwargs)
    assert error_of(trace_conv2d, *args, **case.kwargs) == op_error


def error_of(fn: Any, *args: Any, **kwargs: Any) -> str | None:
    """The ConvcoreError message ``fn`` raises, or None when it accepts the call."""
    try:
        fn(*args, **kwargs)
    except cc.ConvcoreError as err:
        return str(err)
    return None


ONE = np.ones((1, 1, 3, 3))
INVALID_CALLS = {
    "transposed groups": (
        cc.conv_transpose2d,
        trace_conv_transpose2d,
        (np.ones((1, 3, 2, 2)), np.ones((3, 1, 2, 2))),
        {"groups": 2},
    ),
    "transposed output_padding": (
        cc.conv_transpose2d,
        trace_conv_transpose2d,
        (ONE, ONE),
        {"stride": 2, "output_padding": 2},
    ),
    "transposed bias": (cc.conv_transpose2d, trace_conv_transpose2d, (ONE, ONE, np.ones(2)), {}),
    "transposed crops everything": (
        cc.conv_transpose2d,
        trace_conv_transpose2d,
        (ONE, ONE),
        {"padding": 3},
    ),
    "max padding over half": (cc.max_pool2d, trace_max_pool2d, (ONE, 2), {"padding": 2}),
    "max ceil_mode not bool": (cc.max_pool2d, trace_max_pool2d, (ONE, 2), {"ceil_mode": 1}),
    "max kernel too big": (cc.max_pool2d, trace_max_pool2d, (ONE, 4), {}),
    "avg divisor zero": (cc.avg_pool2d, trace_avg_pool2d, (ONE, 2), {"divisor_override": 0}),
    "avg count_include_pad": (
        cc.avg_pool2d,
        trace_avg_pool2d,
        (ONE, 2),
        {"count_include_pad": None},
    ),
    "avg 1-D input": (cc.avg_pool2d, trace_avg_pool2d, (np.ones(3), 1), {}),
}


@pytest.mark.parametrize("name", sorted(INVALID_CALLS))
def test_tracers_reject_like_their_operation(name):
    op, tracer, args, kwargs = INVALID_CALLS[name]
    message = error_of(op, *args, **kwargs)
    assert message is not None
    assert error_of(tracer, *args, **kwargs) == message


def every_tracer() -> list[Any]:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((2, 1, 3, 2))
    return [
        trace_conv2d(x, w, np.ones(2), stride=2, padding=1, groups=2, padding_mode="circular"),
        trace_conv_transpose2d(x, w, stride=2, groups=2, view="scatter"),
        trace_conv_transpose2d(x, w, np.ones(2), stride=2, padding=1, groups=2, view="conv"),
        trace_max_pool2d(x, 3, 2, 1, ceil_mode=True),
        trace_avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    ]


@pytest.mark.parametrize("tracer", every_tracer(), ids=lambda t: f"{t.info.op}-{t.info.view}")
def test_step_numbers_and_their_errors(tracer):
    last = tracer.count - 1
    assert tracer.step_number(tracer.step(last).index) == last
    assert tracer.step_number(tracer.step(7).index) == 7
    for bad in (-1, tracer.count):
        with pytest.raises(cc.ConvcoreError, match=rf"step must be in 0\.\.{last}, got step={bad}"):
            tracer.step(bad)
    with pytest.raises(cc.ConvcoreError, match="step must be an integer"):
        tracer.step(1.5)
    with pytest.raises(cc.ConvcoreError, match="index must be 4 integers"):
        tracer.step_number((0, 0, 0, 99))


def test_empty_batch_has_no_steps():
    tracer = trace_conv2d(np.ones((0, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    assert tracer.count == 0
    assert list(tracer) == []
    with pytest.raises(cc.ConvcoreError, match="step must be in none"):
        tracer.step(0)


@pytest.mark.parametrize("tracer", every_tracer(), ids=lambda t: f"{t.info.op}-{t.info.view}")
def test_steps_are_strict_json(tracer):
    info = json.loads(json.dumps(tracer.info.to_dict(), allow_nan=False))
    assert info["count"] == tracer.count
    assert info["op"] == tracer.info.op
    for t in (0, tracer.count - 1):
        step = tracer.step(t)
        data = step.to_dict()
        back = json.loads(json.dumps(data, allow_nan=False))
        assert back == data
        assert tuple(back["index"]) == step.index
        assert back["t"] == t
        first = back["taps"][0]
        assert first["kernel"] == list(step.taps[0].kernel)
        assert first.get("source") == (
            None if getattr(step.taps[0], "source", None) is None else list(step.taps[0].source)
        )
        if "result" in back:
            assert back["result"] == step.result


def test_minus_infinity_is_written_as_a_string():
    step = trace_max_pool2d(np.ones((2, 2)), 2, padding=1).step(0)
    data = json.loads(json.dumps(step.to_dict(), allow_nan=False))
    assert data["taps"][0]["value"] == "-inf"
    assert data["taps"][0]["source"] is None
    assert data["result"] == 1.0


# ---------------------------------------------------------------------------------------------
# cost: a step is O(taps)


def refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a step must not touch the whole input")


def forbid(monkeypatch: pytest.MonkeyPatch, *targets: tuple[Any, str]) -> None:
    for owner, name in targets:
        monkeypatch.setattr(owner, name, refuse)


def test_steps_never_pad_unfold_or_convolve_the_whole_input(monkeypatch):
    module = importlib.import_module
    tracers = every_tracer()
    forbid(
        monkeypatch,
        (module("convcore.padding"), "pad2d"),
        (module("convcore.geometry.conv2d"), "pad2d"),
        (module("convcore.geometry.pool"), "pad2d"),
        (module("convcore.unfold"), "windows_to_columns"),
        (module("convcore.kernel_matrix"), "build_kernel_matrix"),
        (np, "pad"),
        (module("convcore.methods.transpose_zero_insert"), "spread_and_pad"),
    )
    for methods in cc.METHODS.values():
        for name, method in methods.items():
            monkeypatch.setitem(methods, name, replace(method, run=refuse))
    for tracer in tracers:
        tracer.step(tracer.count - 1)


def median_time(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_a_step_costs_the_same_anywhere_and_far_less_than_the_convolution():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 2, 64, 64)), rng.standard_normal((2, 2, 5, 5))
    tracer = trace_conv2d(x, w, padding=2, padding_mode="reflect")
    first, last = tracer.step(0), tracer.step(tracer.count - 1)
    assert len(first.taps) == len(last.taps) == 25 * 2  # structural: 25·C_in/groups taps
    assert len(last.kernel_row.entries) <= 50
    assert len(last.im2col.values) == 50
    step_first = median_time(lambda: tracer.step(0), 41)
    step_last = median_time(lambda: tracer.step(tracer.count - 1), 41)
    # the whole convolution as its definition computes it, window by window
    whole = median_time(
        lambda: cc.conv2d(x, w, padding=2, padding_mode="reflect", method="loop"), 3
    )
    assert step_last < 3 * step_first
    assert step_first < 3 * step_last
    assert step_last < whole / 20


def test_float32_steps_match_the_float32_operation():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 6, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    tracer = trace_conv2d(x, w, padding=1, padding_mode="replicate")
    out = np.zeros((1, 3, 6, 5), dtype=np.float32)
    for step in tracer:
        assert all(np.float32(tap.value) == tap.value for tap in step.taps)
        out[step.index] = step.result
    expected = reference.conv2d(x, w, padding=1, padding_mode="replicate")
    assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
