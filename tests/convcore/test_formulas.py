"""convcore.formulas: shapes and verdicts from sizes alone agree with torch run on zeros."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, note
from hypothesis import strategies as st

from convcore import reference
from convcore.formulas import (
    conv2d_shape,
    conv_transpose2d_shape,
    pool2d_shape,
    shape_report,
)
from tests.convcore.strategies import any_conv2d_cases, nudged_conv2d_cases, valid_conv2d_cases


def torch_out_shape(call):
    """torch's output shape, or None when torch refuses the configuration."""
    try:
        out = call()
    except (RuntimeError, ValueError):
        return None
    return tuple((out[0] if isinstance(out, tuple) else out).shape)


# any_conv2d_cases alone is almost always invalid: mix in valid and near-limit configurations
# nn.Conv2d (torch's oracle for the padding modes) warns when it initialises an empty weight
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@given(case=st.one_of(valid_conv2d_cases(), nudged_conv2d_cases(), any_conv2d_cases()))
def test_conv2d_verdict_and_shape_match_torch(case):
    report = conv2d_shape(case.x.shape, case.weight.shape, **case.kwargs)
    note(report.message)
    expected = torch_out_shape(
        lambda: torch.from_numpy(reference.conv2d(case.x, case.weight, None, **case.kwargs))
    )
    assert report.valid is (expected is not None)
    assert report.output_shape == expected
    if report.axes and expected is not None:
        assert tuple(a.size for a in report.axes) == expected[-2:]
        for axis in report.axes:
            assert axis.substituted.endswith(f"= {axis.size}")


@st.composite
def transpose_configs(draw):
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 2))
    shape = (1, c_in, draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    weight = (
        c_in + draw(st.integers(0, 1)),
        draw(st.integers(1, 2)),
        draw(st.integers(1, 4)),
        draw(st.integers(1, 4)),
    )
    params = {
        "stride": draw(st.integers(1, 3)),
        "padding": draw(st.integers(0, 3)),
        "output_padding": draw(st.integers(0, 2)),
        "groups": groups,
        "dilation": draw(st.integers(1, 3)),
    }
    return shape, weight, params


@given(config=transpose_configs())
def test_conv_transpose2d_verdict_and_shape_match_torch(config):
    shape, weight, params = config
    report = conv_transpose2d_shape(shape, weight, **params)
    note(report.message)
    expected = torch_out_shape(
        lambda: F.conv_transpose2d(
            torch.zeros(shape, dtype=torch.float64),
            torch.zeros(weight, dtype=torch.float64),
            **params,
        )
    )
    assert report.valid is (expected is not None)
    assert report.output_shape == expected


@st.composite
def pool_configs(draw):
    op = draw(st.sampled_from(["max_pool2d", "avg_pool2d"]))
    shape = (2, draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    params = {
        "kernel_size": (draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        "stride": draw(st.one_of(st.none(), st.integers(1, 3))),
        "padding": draw(st.integers(0, 2)),
        "ceil_mode": draw(st.booleans()),
    }
    if op == "max_pool2d":
        params["dilation"] = draw(st.integers(1, 2))
    return op, shape, params


@given(config=pool_configs())
def test_pool_verdict_and_shape_match_torch(config):
    op, shape, params = config
    report = pool2d_shape(op, shape, **params)
    note(report.message)
    expected = torch_out_shape(
        lambda: getattr(F, op)(torch.zeros(shape, dtype=torch.float64), **params)
    )
    assert report.valid is (expected is not None)
    assert report.output_shape == expected


def test_invalid_parameters_give_a_verdict_not_an_exception():
    report = conv2d_shape((5, 5), (3, 3), stride=0)
    assert not report.valid
    assert "stride must be positive" in report.message
    assert report.axes == ()
    assert not shape_report("conv3d").valid
    assert not pool2d_shape("lp_pool2d", (4, 4), 2).valid
    assert "expects input" in pool2d_shape("max_pool2d", (4,), 2).message


def test_same_padding_exists_at_stride_one_only():
    assert conv2d_shape((6, 6), (4, 3), dilation=(1, 2)).same_padding == ((1, 2), (2, 2))
    assert conv2d_shape((6, 6), (3, 3), stride=2).same_padding is None


def test_cropping_padding_under_a_copying_mode_is_valid_as_in_torch():
    # nn.Conv2d crops with negative padding under reflect/replicate/circular (F.pad crops)
    report = conv2d_shape((1, 1, 6, 6), (1, 1, 2, 2), padding=(-1, 0), padding_mode="reflect")
    expected = reference.conv2d(
        np.zeros((1, 1, 6, 6)), np.zeros((1, 1, 2, 2)), padding=(-1, 0), padding_mode="reflect"
    ).shape
    assert report.valid
    assert report.output_shape == expected
    assert not conv2d_shape((1, 1, 6, 6), (1, 1, 2, 2), padding=(-1, 0)).valid
