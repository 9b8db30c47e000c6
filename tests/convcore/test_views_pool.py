"""convcore.views.pool and pool2d_advice: each number checked against torch, not against itself."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import convcore as cc
from convcore.advice import pool2d_advice
from convcore.geometry import pool2d_geometry
from convcore.views.pool import (
    CEIL_DROPPED,
    CEIL_KEPT,
    CEIL_NOTHING,
    ceil_mode_axes,
    divisors,
    max_ties,
    overhang,
    pool_window_map,
    shifted_planes,
    window_census,
    window_view,
)
from tests.convcore.test_pooling import PoolCase, valid_pool_cases


def _planes(case: PoolCase) -> np.ndarray:
    """The case's input as (C, H, W)."""
    x = case.x
    return x[None] if x.ndim == 2 else x.reshape(-1, *x.shape[-2:])


def _torch_args(case: PoolCase) -> dict:
    return {k: v for k, v in case.kwargs.items() if k != "return_indices"}


def _geometry(case: PoolCase, x: np.ndarray):
    kw = case.kwargs
    return pool2d_geometry(
        x.shape,
        kw["kernel_size"],
        kw["stride"],
        kw["padding"],
        kw.get("dilation", 1),
        kw["ceil_mode"],
    )


@settings(max_examples=60, deadline=None)
@given(valid_pool_cases("max"))
def test_receptive_fields_are_the_trace_taps(case):
    x = _planes(case)
    tracer = cc.trace_max_pool2d(x, **_torch_args(case))
    window = pool_window_map(tracer.geometry, x.shape[0])
    readers: dict[tuple[int, int, int], set[tuple[int, int, int]]] = {}
    for step in tracer:
        _, c, oy, ox = step.index
        channels, rows, cols = window.receptive_field(c, oy, ox)
        assert channels == (c,)  # every channel pooled on its own
        assert {tap.padded for tap in step.taps} == set(itertools.product(rows, cols))
        for tap in step.taps:
            if tap.source is not None:
                readers.setdefault((c, *tap.source), set()).add((c, oy, ox))
    assert len(window.row_sources) == tracer.geometry.padded_size[0]
    for c, y, col in np.ndindex(x.shape):
        assert window.readers(c, y, col) == readers.get((c, y, col), set())


@settings(max_examples=80, deadline=None)
@given(valid_pool_cases("max"))
def test_the_shifted_planes_maxed_together_are_torchs_max_pool(case):
    x = _planes(case)
    g = _geometry(case, x)
    expected = F.max_pool2d(torch.tensor(x), **_torch_args(case)).numpy()
    for c, plane in enumerate(x):
        padded = g.pad(plane, -np.inf)
        planes = shifted_planes(padded, g, slice(None), slice(None))  # (kH, kW, Ho, Wo)
        assert planes.shape == (*g.kernel, *g.out_size)
        assert_allclose(planes.max(axis=(0, 1)), expected[c])
        assert_allclose(window_view(padded, g).max(axis=(-2, -1)), expected[c])


@settings(max_examples=80, deadline=None)
@given(valid_pool_cases("avg"))
def test_the_shifted_planes_summed_and_divided_are_torchs_avg_pool(case):
    x = _planes(case)
    g = _geometry(case, x)
    kw = case.kwargs
    expected = F.avg_pool2d(torch.tensor(x), **kw).numpy()
    divisor = divisors(g, kw["count_include_pad"], kw["divisor_override"])
    for c, plane in enumerate(x):
        planes = shifted_planes(g.pad(plane, 0.0), g, slice(None), slice(None))
        with np.errstate(invalid="ignore"):
            assert_allclose(planes.sum(axis=(0, 1)) / divisor, expected[c], rtol=1e-12)


def test_a_band_of_planes_is_the_middle_of_the_whole():
    x = np.arange(7 * 8, dtype=np.float64).reshape(7, 8)
    g = pool2d_geometry(x.shape, (2, 3), stride=(1, 2), padding=1, dilation=(2, 1))
    padded = g.pad(x, -np.inf)
    whole = shifted_planes(padded, g, slice(None), slice(None))
    assert_array_equal(shifted_planes(padded, g, slice(1, 3), slice(0, 2)), whole[:, :, 1:3, :2])


def _torch_divisors(x_shape, kernel, stride, padding, ceil_mode, include_pad):
    """What torch divides each window's sum by: (sum of ones) / (mean of ones)."""
    ones = torch.ones(1, *x_shape, dtype=torch.float64)
    kw = {"stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    total = F.avg_pool2d(ones, kernel, count_include_pad=include_pad, divisor_override=1, **kw)
    mean = F.avg_pool2d(ones, kernel, count_include_pad=include_pad, **kw)
    return (total / mean)[0].round().numpy().astype(int)


@settings(max_examples=80, deadline=None)
@given(valid_pool_cases("avg"))
def test_the_census_and_the_overhang_explain_torchs_divisor(case):
    x = _planes(case)[:1]
    kw = case.kwargs
    g = _geometry(case, x)
    with_pad = _torch_divisors(
        x.shape, kw["kernel_size"], kw["stride"], kw["padding"], kw["ceil_mode"], True
    )
    inside = _torch_divisors(
        x.shape, kw["kernel_size"], kw["stride"], kw["padding"], kw["ceil_mode"], False
    )
    tracer = cc.trace_avg_pool2d(x, **kw)
    with np.errstate(invalid="ignore"):  # the tracer's running sum of ∞ and −∞ is NaN
        steps = list(tracer)
    for step in steps:
        _, _, oy, ox = step.index
        census = window_census(step)
        assert census.taps == g.kernel[0] * g.kernel[1]
        assert census.inside == inside[0, oy, ox]
        assert census.inside + census.padding == with_pad[0, oy, ox]
        # the cells past the padded input are the window's overhang, rows × columns
        rows, cols = overhang(g, oy, ox)
        assert census.outside == g.kernel[0] * g.kernel[1] - (g.kernel[0] - rows) * (
            g.kernel[1] - cols
        )
        assert bool(rows or cols) == (census.outside > 0)
        if rows or cols:
            assert g.ceil_mode


@pytest.mark.parametrize("size", range(1, 9))
@pytest.mark.parametrize("kernel", range(1, 5))
@pytest.mark.parametrize("stride", range(1, 4))
@pytest.mark.parametrize("dilation", [1, 2])
def test_ceil_mode_axes_count_torchs_windows(size, kernel, stride, dilation):
    for padding in range(kernel // 2 + 1):
        if dilation * (kernel - 1) + 1 > size + 2 * padding:
            continue
        x = torch.zeros(1, 1, size, 3)
        args = ((kernel, 1), (stride, 1), (padding, 0), (dilation, 1))
        floor = F.max_pool2d(x, *args, ceil_mode=False).shape[2]
        ceil = F.max_pool2d(x, *args, ceil_mode=True).shape[2]
        axis, _ = ceil_mode_axes(pool2d_geometry((size, 3), *args))
        assert (axis.floor, axis.size) == (floor, ceil)
        # rounding up without torch's rule, and the extra window's start, as torch's docs say
        reach = size + 2 * padding - dilation * (kernel - 1) - 1
        assert axis.ceil == -(-reach // stride) + 1
        assert axis.start == (axis.ceil - 1) * stride - padding
        expected = (
            CEIL_NOTHING if axis.ceil == floor else CEIL_KEPT if ceil > floor else CEIL_DROPPED
        )
        assert axis.verdict == expected
        if axis.verdict == CEIL_DROPPED:
            assert axis.start >= size  # it would start in the trailing padding
        if axis.verdict == CEIL_KEPT:
            assert axis.start < size
        # the kept window's overhang: its span past the padded input (dilation 1: its cells)
        last_taps = (ceil - 1) * stride + dilation * np.arange(kernel)
        past = last_taps >= size + 2 * padding
        assert (axis.overhang > 0) == bool(past.any())


def test_the_tutorials_ceil_mode_cases():
    kept, _ = ceil_mode_axes(pool2d_geometry((5, 5), 2, ceil_mode=True))
    assert (kept.verdict, kept.size, kept.overhang) == (CEIL_KEPT, 3, 1)
    assert overhang(pool2d_geometry((5, 5), 2, ceil_mode=True), 2, 2) == (1, 1)
    dropped, _ = ceil_mode_axes(pool2d_geometry((5, 5), 3, 3, 1, ceil_mode=True))
    assert (dropped.verdict, dropped.ceil, dropped.size) == (CEIL_DROPPED, 3, 2)


@settings(max_examples=80, deadline=None)
@given(valid_pool_cases("max"))
def test_ties_are_the_other_maxima_torch_passes_over(case):
    x = _planes(case)
    out, indices = F.max_pool2d(torch.tensor(x), **case.kwargs)
    tracer = cc.trace_max_pool2d(x, **_torch_args(case))
    width = x.shape[-1]
    for step in tracer:
        _, c, oy, ox = step.index
        result = out[c, oy, ox].item()
        ties = max_ties(step)
        if np.isnan(result) or result == -np.inf:
            assert ties == ()
            continue
        at_max = [k for k, tap in enumerate(step.taps) if tap.value == result]
        first = step.taps[at_max[0]].source
        # torch reports the first of the equal maxima; the others are the ties
        assert first[0] * width + first[1] == indices[c, oy, ox].item()
        assert (at_max[0], *ties) == tuple(at_max)


def test_a_tie_in_the_tutorials_checkerboard():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    step = cc.trace_max_pool2d(x, 2).step(0)
    assert (step.winner, max_ties(step), step.flat_index) == (0, (3,), 0)


def _torch_accepts(size, kernel, padding, dilation) -> bool:
    try:
        F.max_pool2d(torch.zeros(1, 1, *size), kernel, None, padding, dilation)
    except RuntimeError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    st.tuples(st.integers(1, 8), st.integers(1, 8)),
    st.tuples(st.integers(1, 7), st.integers(1, 7)),
    st.tuples(st.integers(0, 4), st.integers(0, 4)),
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
)
def test_pool_advice_is_empty_exactly_when_torch_accepts(size, kernel, padding, dilation):
    advice = pool2d_advice(size, kernel, padding, dilation)
    assert (not advice) == _torch_accepts(size, kernel, padding, dilation)
    for item in advice:
        v = item.values
        axis = 0 if v["axis"] == "height" else 1
        # each suggestion, applied to its axis with the other axis made harmless, is accepted
        fix = {
            "size": list(size),
            "kernel": list(kernel),
            "padding": list(padding),
            "dilation": list(dilation),
        }
        other = 1 - axis
        fix["kernel"][other], fix["padding"][other], fix["dilation"][other] = 1, 0, 1
        if item.code == "pool_padding_too_wide":
            fix["padding"][axis] = v["max_padding"]
            fix["kernel"][axis] = kernel[axis]
            if dilation[axis] * (kernel[axis] - 1) + 1 <= size[axis] + 2 * v["max_padding"]:
                assert _torch_accepts(fix["size"], fix["kernel"], fix["padding"], fix["dilation"])
            continue
        assert item.code == "window_too_big"
        assert v["extent"] > v["padded"]
        for key, value in (
            ("max_kernel", "kernel"),
            ("max_dilation", "dilation"),
            ("min_padding", "padding"),
        ):
            if v[key]:
                trial = {k: list(val) for k, val in fix.items()}
                trial[value][axis] = v[key]
                if key != "max_dilation" or padding[axis] <= kernel[axis] // 2:
                    assert _torch_accepts(
                        trial["size"], trial["kernel"], trial["padding"], trial["dilation"]
                    ), (key, trial)
        if v["max_kernel"]:  # the widest: one more does not fit
            wider = fix["kernel"].copy()
            wider[axis] = v["max_kernel"] + 1
            assert not _torch_accepts(fix["size"], wider, fix["padding"], fix["dilation"])
