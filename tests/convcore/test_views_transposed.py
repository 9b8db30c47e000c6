"""convcore.views.transposed: stamps, overlaps, the filling canvas and the adjoint op, checked
against the scatter and conv traces, the col2im method's GEMM and torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import convcore as cc
from convcore.advice import conv_transpose2d_advice
from convcore.methods.transpose_col2im import transposed_columns
from convcore.views import (
    canvas_regions,
    col2im_column,
    conv2d_of_transpose,
    running_canvas,
    stamp_counts,
    stamp_map,
    transpose_of_conv2d,
    zero_insert_window_map,
)
from convcore.views.transposed import ADDED, CROPPED, KEPT, order_steps
from tests.convcore.strategies import valid_conv2d_cases
from tests.convcore.test_conv_transpose2d import Case, valid_cases

FEW = settings(max_examples=40, deadline=None)


def _one_sample(case: Case):
    """(x (C_in, H, W), weight, bias, kwargs, geometry) of the case's first sample."""
    x, w, b = case.arrays()
    x = x[0]
    g = cc.conv_transpose2d_geometry((1, *x.shape), w.shape, **case.kwargs())
    return x, w, b, case.kwargs(), g


def _torch_transposed(x, w, b, kwargs) -> np.ndarray:
    out = F.conv_transpose2d(
        torch.from_numpy(x)[None],
        torch.from_numpy(w),
        None if b is None else torch.from_numpy(b),
        **kwargs,
    )
    return out[0].numpy()


@FEW
@given(case=valid_cases(max_channels=4, max_batch=1))
def test_stamps_and_feeders_are_the_scatter_taps(case):
    x, w, b, kwargs, g = _one_sample(case)
    m = stamp_map(g)
    tracer = cc.trace_conv_transpose2d(x, w, b, view="scatter", **kwargs)
    fed: dict[tuple[int, int, int], set[tuple[int, int, int]]] = {}
    for step in tracer:
        _, c, iy, ix = step.index
        outputs = {(tap.out_channel, *tap.output) for tap in step.taps if tap.output is not None}
        canvas = {(tap.out_channel, *tap.canvas) for tap in step.taps}
        assert m.stamp(c, iy, ix) == outputs
        assert m.stamp(c, iy, ix, canvas=True) == canvas
        for o, y, x_ in canvas:
            fed.setdefault((o, y, x_), set()).add((c, iy, ix))
    for o in range(g.out_channels):
        for y in range(g.canvas_size[0]):
            for col in range(g.canvas_size[1]):
                expected = fed.get((o, y, col), set())
                assert m.feeders(o, y, col, canvas=True) == expected
                oy, ox = y - g.padding[0], col - g.padding[1]
                if 0 <= oy < g.out_size[0] and 0 <= ox < g.out_size[1]:
                    assert m.feeders(o, oy, ox) == expected


@FEW
@given(case=valid_cases(max_channels=4, max_batch=1))
def test_the_zero_inserted_windows_read_what_the_stamps_feed(case):
    # the conv view's taps are the windows; an input cell is read exactly by the outputs
    # its stamp lands on
    x, w, b, kwargs, g = _one_sample(case)
    window, stamps = zero_insert_window_map(g), stamp_map(g)
    tracer = cc.trace_conv_transpose2d(x, w, b, view="conv", **kwargs)
    assert window.padded_size == tracer.info.grid_size
    for step in tracer:
        _, o, oy, ox = step.index
        channels, rows, cols = window.receptive_field(o, oy, ox)
        taps = {(tap.channel, *tap.padded) for tap in step.taps}
        assert taps == {(c, r, col) for c in channels for r in rows for col in cols}
        for tap in step.taps:
            if tap.source is not None:
                assert window.row_sources[tap.padded[0]] == tap.source[0]
                assert window.col_sources[tap.padded[1]] == tap.source[1]
    for c in range(g.in_channels):
        for iy in range(g.in_size[0]):
            for ix in range(g.in_size[1]):
                assert window.readers(c, iy, ix) == stamps.stamp(c, iy, ix)


@FEW
@given(case=valid_cases(max_channels=3, max_batch=1))
def test_stamp_counts_are_a_transposed_convolution_of_ones(case):
    _, w, _, kwargs, g = _one_sample(case)
    ones = torch.ones(1, 1, *g.in_size, dtype=torch.float64)
    kernel = torch.ones(1, 1, *w.shape[-2:], dtype=torch.float64)
    canvas = F.conv_transpose2d(
        ones,
        kernel,
        stride=kwargs["stride"],
        dilation=kwargs["dilation"],
        output_padding=kwargs["output_padding"],
    )[0, 0]
    assert_allclose(stamp_counts(g), canvas.numpy())


@FEW
@given(case=valid_cases(max_channels=4, max_batch=1))
def test_the_canvas_after_every_stamp_is_torchs_output(case):
    x, w, b, kwargs, g = _one_sample(case)
    expected = _torch_transposed(x, w, b, kwargs)
    bias = 0.0 if b is None else b[:, None, None]
    for order in ("scatter", "col2im"):
        canvas = running_canvas(x, w, g, order_steps(g, order), order)
        assert_allclose(g.crop(canvas.values) + bias, expected, rtol=1e-10, atol=1e-10)
        assert (canvas.stamps == g.in_per_group * stamp_counts(g)).all()
    assert running_canvas(x, w, g, 0).values.shape == (g.out_channels, *g.canvas_size)
    assert not running_canvas(x, w, g, 0).stamps.any()


@FEW
@given(case=valid_cases(max_channels=4, max_batch=1), data=st.data())
def test_the_canvas_part_way_is_the_sum_of_the_stamps_so_far(case, data):
    x, w, b, kwargs, g = _one_sample(case)
    tracer = cc.trace_conv_transpose2d(x, w, b, view="scatter", **kwargs)
    done = data.draw(st.integers(0, tracer.count))
    values = np.zeros((g.out_channels, *g.canvas_size))
    stamps = np.zeros(values.shape, dtype=np.int64)
    for t in range(done):
        for tap in tracer.step(t).taps:
            values[(tap.out_channel, *tap.canvas)] += tap.contribution
            stamps[(tap.out_channel, *tap.canvas)] += 1
    canvas = running_canvas(x, w, g, done)
    assert_allclose(canvas.values, values, rtol=1e-10, atol=1e-10)
    assert (canvas.stamps == stamps).all()


@FEW
@given(case=valid_cases(max_channels=4, max_batch=1), data=st.data())
def test_the_col2im_canvas_folds_the_gemms_columns_in_order(case, data):
    x, w, _, _, g = _one_sample(case)
    done = data.draw(st.integers(0, order_steps(g, "col2im")))
    cols = transposed_columns(x[None], w, g)[0]  # (C_out·kH·kW, H·W)
    kept = cols.copy()
    kept[:, done:] = 0.0
    (ch, cw), (oph, opw) = g.canvas_size, g.output_padding
    folded = F.fold(
        torch.from_numpy(kept)[None],
        (ch - oph, cw - opw),  # what the stamps cover; output_padding's cells stay zero
        g.kernel,
        dilation=g.dilation,
        stride=g.stride,
    )
    folded = F.pad(folded, (0, opw, 0, oph))[0].numpy()
    canvas = running_canvas(x, w, g, done, "col2im")
    assert_allclose(canvas.values, folded, rtol=1e-10, atol=1e-10)


def test_col2im_order_is_by_position_every_channel_at_once():
    g = cc.conv_transpose2d_geometry((1, 2, 2, 3), (2, 1, 2, 2), stride=2)
    assert order_steps(g, "scatter") == 12
    assert order_steps(g, "col2im") == 6
    with pytest.raises(cc.ConvcoreError, match="order"):
        order_steps(g, "rows")
    with pytest.raises(cc.ConvcoreError, match="done"):
        running_canvas(np.zeros((2, 2, 3)), np.zeros((2, 1, 2, 2)), g, 7, "col2im")


@FEW
@given(case=valid_cases(max_channels=1, max_batch=1))
def test_canvas_regions_crop_to_torchs_output_and_mark_the_output_padding(case):
    x, w, _, kwargs, g = _one_sample(case)
    rows, cols = canvas_regions(g)
    for axis, regions in enumerate((rows, cols)):
        kept = np.flatnonzero(regions != CROPPED)
        assert len(kept) == g.out_size[axis]
        assert (kept == np.arange(g.out_size[axis]) + g.padding[axis]).all()
        added = np.flatnonzero(regions == ADDED)
        assert len(added) == min(g.output_padding[axis], g.out_size[axis])
        assert set(np.flatnonzero(regions == KEPT)) | set(added) == set(kept)
    # the rows torch adds for output_padding: without it, the output is those rows shorter
    full = _torch_transposed(x, w, None, kwargs).shape[-2:]
    try:
        shorter = _torch_transposed(x, w, None, {**kwargs, "output_padding": 0}).shape[-2:]
    except RuntimeError:  # nothing would be left without output_padding
        return
    assert full[0] - shorter[0] == (rows == ADDED).sum()
    assert full[1] - shorter[1] == (cols == ADDED).sum()


def _inner(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a * b).sum())


@settings(max_examples=60, deadline=None)
@given(case=valid_conv2d_cases())
def test_the_transpose_of_a_conv2d_is_its_adjoint_with_the_shape_back(case):
    x = case.x if case.x.ndim == 4 else case.x[None]
    kwargs = case.kwargs
    g = cc.conv2d_geometry(x.shape, case.weight.shape, **kwargs)
    adjoint = transpose_of_conv2d(g)
    top, bottom, left, right = g.pads
    if kwargs["padding_mode"] != "zeros" or top != bottom or left != right:
        assert adjoint is None
        return
    assert adjoint is not None
    xt, wt = torch.from_numpy(x[:1]), torch.from_numpy(case.weight)
    forward = F.conv2d(xt, wt, None, g.stride, (top, left), g.dilation, g.groups)
    y = torch.randn(forward.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    back = F.conv_transpose2d(
        y,
        wt,
        None,
        adjoint.stride,
        adjoint.padding,
        adjoint.output_padding,
        adjoint.groups,
        adjoint.dilation,
    )
    assert tuple(forward.shape[1:]) == adjoint.input_shape
    assert tuple(back.shape[1:]) == adjoint.output_shape == tuple(x.shape[1:])
    assert _inner(forward, y) == pytest.approx(_inner(xt, back), rel=1e-9, abs=1e-9)
    # and from there back again: the conv2d of that transpose is the first one
    there = cc.conv_transpose2d_geometry(
        (1, *adjoint.input_shape),
        case.weight.shape,
        adjoint.stride,
        adjoint.padding,
        adjoint.output_padding,
        adjoint.groups,
        adjoint.dilation,
    )
    again = conv2d_of_transpose(there)
    assert again.exact
    assert again.input_shape == tuple(x.shape[1:])
    assert (again.stride, again.padding, again.dilation) == (g.stride, (top, left), g.dilation)


@FEW
@given(case=valid_cases(max_channels=4, max_batch=1))
def test_the_conv2d_of_a_transpose_is_its_adjoint(case):
    x, w, _, kwargs, g = _one_sample(case)
    adjoint = conv2d_of_transpose(g)
    y = _torch_transposed(x, w, None, kwargs)
    assert adjoint.input_shape == y.shape
    z = torch.randn(y.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    down = F.conv2d(
        z[None],
        torch.from_numpy(w),
        None,
        adjoint.stride,
        adjoint.padding,
        adjoint.dilation,
        adjoint.groups,
    )[0]
    assert tuple(down.shape) == adjoint.output_shape
    assert adjoint.exact == (tuple(down.shape) == x.shape)
    assert adjoint.exact == all(op < s for op, s in zip(g.output_padding, g.stride, strict=True))
    if adjoint.exact:
        assert _inner(torch.from_numpy(y), z) == pytest.approx(
            _inner(torch.from_numpy(x), down), rel=1e-9, abs=1e-9
        )


def test_stamp_map_json_names_its_rule_and_where_the_drawn_grid_starts():
    g = cc.conv_transpose2d_geometry((1, 2, 3, 3), (2, 2, 3, 3), stride=2, padding=1, groups=2)
    data = stamp_map(g).to_dict()
    assert data["rule"] == "stamp"
    assert data["offset"] == [1, 1]
    assert stamp_map(g).to_dict(canvas=True)["offset"] == [0, 0]
    assert (data["in_per_group"], data["out_per_group"]) == (1, 2)


@FEW
@given(case=valid_cases(max_channels=4, max_batch=1), data=st.data())
def test_a_col2im_column_is_the_gemms(case, data):
    x, w, _, _, g = _one_sample(case)
    cols = transposed_columns(x[None], w, g)[0]  # (C_out·kH·kW, H·W)
    column = data.draw(st.integers(0, cols.shape[1] - 1))
    found = col2im_column(x, w, g, column)
    assert_allclose(found.values.ravel(), cols[:, column], rtol=1e-12, atol=1e-12)
    iy, ix = found.position
    assert column == iy * g.in_size[1] + ix
    assert_allclose(found.inputs, x[:, iy, ix])
    assert found.origin == (iy * g.stride[0], ix * g.stride[1])
    with pytest.raises(cc.ConvcoreError, match="column"):
        col2im_column(x, w, g, cols.shape[1])


TRANSPOSED_CONFIGS = [
    (channels, size, kernel, s, p, op, d)
    for channels in [(1, 1, 1), (2, 4, 2), (3, 2, 2), (4, 2, 4), (2, 3, 1)]
    for size in [(1, 1), (2, 3)]
    for kernel in [(1, 1), (3, 2)]
    for s in [1, 2]
    for p in [0, 1, 3]
    for op in [0, 1, 2]
    for d in [1, 2]
]


@pytest.mark.parametrize("chunk", range(4))
def test_transposed_advice_is_empty_exactly_when_torch_accepts(chunk):
    for (ci, co, g), size, k, s, p, op, d in TRANSPOSED_CONFIGS[chunk::4]:
        advice = conv_transpose2d_advice(ci, co, g, size, k, s, p, op, d)
        ok = ci % g == 0 and co % g == 0
        if ok:
            try:
                F.conv_transpose2d(
                    torch.ones(1, ci, *size, dtype=torch.float64),
                    torch.ones(ci, co // g, *k, dtype=torch.float64),
                    stride=s,
                    padding=p,
                    output_padding=op,
                    groups=g,
                    dilation=d,
                )
            except RuntimeError:
                ok = False
        assert (advice == ()) == ok, ((ci, co, g), size, k, s, p, op, d, advice)


def test_transposed_advice_suggestions_fix_the_configuration():
    (too_big,) = conv_transpose2d_advice(1, 1, 1, 3, 3, stride=2, output_padding=(2, 0))
    assert too_big.values["axis"] == "height"
    fixed = (too_big.values["max"], 0)
    assert conv_transpose2d_advice(1, 1, 1, 3, 3, stride=2, output_padding=fixed) == ()
    (small,) = conv_transpose2d_advice(1, 1, 1, (2, 2), (1, 3), padding=(1, 1))
    assert (small.code, small.values["axis"]) == ("output_too_small", "height")
    fixed = (small.values["max_padding"], 1)
    assert conv_transpose2d_advice(1, 1, 1, (2, 2), (1, 3), padding=fixed) == ()
    codes = [a.code for a in conv_transpose2d_advice(4, 6, 4, 3, 3)]
    assert codes == ["groups_out"]
