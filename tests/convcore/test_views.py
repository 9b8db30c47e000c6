"""convcore.views: receptive fields against the traces, shifted planes against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from numpy.testing import assert_allclose

import convcore as cc
from convcore.views import conv2d_window_map, shift_add_view
from tests.convcore.strategies import Conv2dCase, valid_conv2d_cases


def _unbatched(case: Conv2dCase) -> np.ndarray:
    return case.x if case.x.ndim == 3 else case.x[0]


@settings(max_examples=60, deadline=None)
@given(valid_conv2d_cases())
def test_receptive_fields_are_the_trace_taps(case):
    x = _unbatched(case)
    tracer = cc.trace_conv2d(x, case.weight, None, **case.kwargs)
    window = conv2d_window_map(tracer.geometry)
    readers: dict[tuple[int, int, int], set[tuple[int, int, int]]] = {}
    for step in tracer:
        _, o, oy, ox = step.index
        channels, rows, cols = window.receptive_field(o, oy, ox)
        taps = {(tap.channel, *tap.padded) for tap in step.taps}
        assert taps == {(c, r, col) for c in channels for r in rows for col in cols}
        for tap in step.taps:
            if tap.source is not None:
                readers.setdefault((tap.channel, *tap.source), set()).add((o, oy, ox))
    # the other way round: every output that reads an input cell, through a pad copy too
    for c in range(x.shape[0]):
        for y in range(x.shape[1]):
            for col in range(x.shape[2]):
                assert window.readers(c, y, col) == readers.get((c, y, col), set())


def test_window_map_json_is_plain():
    g = cc.conv2d_geometry((1, 2, 4, 5), (2, 1, 3, 2), stride=(2, 1), padding=1, groups=2)
    data = conv2d_window_map(g).to_dict()
    assert data["stride"] == [2, 1]
    assert data["row_sources"] == [-1, 0, 1, 2, 3, -1]
    assert data["in_per_group"] == data["out_per_group"] == 1


@settings(max_examples=60, deadline=None)
@given(valid_conv2d_cases())
def test_shifted_planes_add_up_to_torchs_output(case):
    x = _unbatched(case)
    view = shift_add_view(x, case.weight, **case.kwargs)
    kw = {k: v for k, v in case.kwargs.items() if k != "padding_mode"}
    xt = torch.tensor(x)[None]
    mode = case.kwargs["padding_mode"]
    if mode != "zeros" and case.kwargs["padding"] not in ("same", "valid"):
        ph, pw = (
            (case.kwargs["padding"],) * 2
            if isinstance(case.kwargs["padding"], int)
            else (case.kwargs["padding"])
        )
        xt = F.pad(xt, (pw, pw, ph, ph), mode=mode)
        kw["padding"] = 0
    elif mode != "zeros" and case.kwargs["padding"] == "same":
        g = view.geometry
        top, bottom, left, right = g.pads
        xt = F.pad(xt, (left, right, top, bottom), mode=mode)
        kw["padding"] = 0
    expected = F.conv2d(xt, torch.tensor(case.weight), **kw)[0].numpy()
    last = view.tap_count - 1
    for o in range(case.weight.shape[0]):
        assert_allclose(view.tap(o, last).running, expected[o], rtol=1e-10, atol=1e-10)


def test_one_tap_is_the_shifted_strided_dilated_plane():
    x = np.arange(2 * 6 * 7, dtype=np.float64).reshape(2, 6, 7)
    weight = np.arange(1, 1 + 2 * 1 * 2 * 3, dtype=np.float64).reshape(2, 1, 2, 3)
    view = shift_add_view(x, weight, stride=(2, 1), padding=1, dilation=(2, 2), groups=2)
    tap = view.tap(1, 4)  # output channel 1 reads input channel 1; tap 4 is (0, 1, 1)
    assert tap.kernel == (0, 1, 1)
    assert tap.channel == 1
    assert tap.offset == (2, 2)
    assert tap.weight == weight[1, 0, 1, 1]
    padded = np.pad(x[1], 1)
    oh, ow = view.geometry.out_size
    expected = padded[2 : 2 + 2 * (oh - 1) + 1 : 2, 2 : 2 + ow]
    assert_allclose(tap.shifted, expected)
    assert_allclose(tap.product, weight[1, 0, 1, 1] * expected)
    running = sum(
        weight[1, 0, i, j] * padded[2 * i : 2 * i + 2 * (oh - 1) + 1 : 2, 2 * j : 2 * j + ow]
        for i in range(2)
        for j in range(3)
        if i * 3 + j <= 4
    )
    assert_allclose(tap.running, running)


def test_out_of_range_taps_are_refused():
    view = shift_add_view(np.zeros((1, 3, 3)), np.zeros((1, 1, 2, 2)))
    with pytest.raises(cc.ConvcoreError, match=r"tap must be in 0\.\.3"):
        view.tap(0, 4)
    with pytest.raises(cc.ConvcoreError, match="out_channel"):
        view.tap(1, 0)
    with pytest.raises(cc.ConvcoreError, match="shift_add_view takes"):
        shift_add_view(np.zeros((3, 3)), np.zeros((1, 1, 2, 2)))
