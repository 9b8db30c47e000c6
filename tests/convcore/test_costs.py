"""The cost figures of a geometry count what the computation really does.

Each figure is compared with something counted independently: the taps of every trace step
(multiply-adds), the arrays the methods build (padded input, im2col columns, kernel
matrices), the steps of a tracer. A server limits requests by these figures, so a figure
that undercounts would let a costly request through.
"""

from __future__ import annotations

import numpy as np
import pytest

import convcore as cc
from convcore.kernel_matrix import kernel_matrix
from convcore.methods.transpose_kernel_matrix import transposed_kernel_matrix
from convcore.prepare import (
    prepare_avg_pool2d,
    prepare_conv2d,
    prepare_conv_transpose2d,
    prepare_max_pool2d,
)
from convcore.trace import Conv2dTracer, EquivalentConvTracer

RNG = np.random.default_rng(7)

CONV2D = [
    ((2, 4, 6, 5), (6, 2, 3, 2), {"stride": 2, "padding": 1, "groups": 2}),
    ((1, 3, 7, 7), (2, 3, 3, 3), {"dilation": 2, "padding": (2, 1), "padding_mode": "reflect"}),
    ((3, 1, 5, 4), (1, 1, 2, 2), {"padding": "same"}),
]


def total_taps(tracer) -> int:
    return sum(len(step.taps) for step in tracer)


@pytest.mark.parametrize(("x", "w", "kwargs"), CONV2D)
def test_conv2d_figures(x, w, kwargs):
    x, w = RNG.standard_normal(x), RNG.standard_normal(w)
    call = prepare_conv2d(x, w, **kwargs)
    g = call.geometry
    tracer = Conv2dTracer(call)
    assert g.multiply_adds == total_taps(tracer)
    assert g.trace_size() == (tracer.count, len(tracer.step(0).taps))
    assert g.padded_elements == g.pad(x).size
    assert g.out_shape == call.run("im2col").shape
    if kwargs.get("padding_mode", "zeros") == "zeros" and kwargs.get("padding") != "same":
        padding = kwargs.get("padding", 0)
        columns = cc.unfold(x, g.kernel, g.dilation, padding, g.stride)
        assert g.column_elements == columns.size
    matrix = kernel_matrix(w, g.in_size, **kwargs)
    assert g.matrix_shape == matrix.shape
    assert g.matrix_entries == matrix.size
    assert g.work == max(g.multiply_adds, g.padded_elements)


TRANSPOSED = [
    ((2, 4, 3, 3), (4, 2, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}),
    ((1, 2, 4, 2), (2, 3, 2, 3), {"dilation": 2}),
]


@pytest.mark.parametrize(("x", "w", "kwargs"), TRANSPOSED)
def test_conv_transpose2d_figures(x, w, kwargs):
    x, w = RNG.standard_normal(x), RNG.standard_normal(w)
    call = prepare_conv_transpose2d(x, w, **kwargs)
    g = call.geometry
    scatter = cc.trace_conv_transpose2d(x, w, **kwargs, view="scatter")
    conv = EquivalentConvTracer(call)
    assert g.multiply_adds == total_taps(scatter)  # the real products
    # the equivalent convolution also multiplies the inserted zeros and the padding
    assert g.windows * g.window_taps == total_taps(conv) >= g.multiply_adds
    assert g.trace_size("scatter") == (scatter.count, len(scatter.step(0).taps))
    assert g.trace_size("conv") == (conv.count, len(conv.step(0).taps))
    assert g.matrix_shape == transposed_kernel_matrix(w, g).shape
    assert g.out_shape == call.run("col2im").shape
    channels = max(g.in_channels, g.out_channels)
    assert g.canvas_elements == x.shape[0] * channels * np.prod(g.canvas_size)


POOLS = [
    ("max", (2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("max", (5, 5), {"kernel_size": 2, "dilation": 2}),
    ("avg", (1, 4, 4), {"kernel_size": (2, 3), "padding": 1, "count_include_pad": False}),
]


@pytest.mark.parametrize(("kind", "shape", "kwargs"), POOLS)
def test_pool_figures(kind, shape, kwargs):
    x = RNG.standard_normal(shape)
    prepare = prepare_max_pool2d if kind == "max" else prepare_avg_pool2d
    trace = cc.trace_max_pool2d if kind == "max" else cc.trace_avg_pool2d
    call, tracer = prepare(x, **kwargs), trace(x, **kwargs)
    g = call.geometry
    assert g.multiply_adds == total_taps(tracer)
    assert g.trace_size() == (tracer.count, len(tracer.step(0).taps))
    assert g.windows == call.run("window").size
    assert g.padded_elements == g.pad(call.x, 0.0).size
    assert call.out_shape == call.run("loop").shape


def test_pool_geometry_takes_a_whole_shape():
    by_size = cc.pool2d_geometry((6, 6), 2)
    by_shape = cc.pool2d_geometry((2, 3, 6, 6), 2)
    assert by_size.out_size == by_shape.out_size
    assert (by_size.planes, by_shape.planes) == (1, 6)
    assert by_shape.windows == 6 * by_size.windows


def test_every_method_declares_its_python_steps():
    calls = {
        "conv2d": prepare_conv2d(np.zeros((1, 2, 6, 6)), np.zeros((2, 2, 3, 3))),
        "conv_transpose2d": prepare_conv_transpose2d(
            np.zeros((1, 2, 4, 4)), np.zeros((2, 2, 3, 3))
        ),
        "max_pool2d": prepare_max_pool2d(np.zeros((1, 2, 6, 6)), 3, 1),
        "avg_pool2d": prepare_avg_pool2d(np.zeros((1, 2, 6, 6)), 3, 1),
    }
    for op, methods in cc.METHODS.items():
        for name in methods:
            steps = calls[op].python_steps(name)
            assert isinstance(steps, int)
            assert steps >= 1, (op, name)


@pytest.mark.parametrize("op", ["conv2d", "max_pool2d", "avg_pool2d"])
def test_loop_steps_grow_with_the_output_vectorised_ones_do_not(op):
    """A loop method passes once per window (or more); a vectorised one once per tap."""
    small, large = np.zeros((1, 1, 6, 6)), np.zeros((2, 1, 12, 12))
    if op == "conv2d":
        calls = [prepare_conv2d(x, np.zeros((1, 1, 3, 3))) for x in (small, large)]
    elif op == "max_pool2d":
        calls = [prepare_max_pool2d(x, 3, 1) for x in (small, large)]
    else:
        calls = [prepare_avg_pool2d(x, 3, 1) for x in (small, large)]
    windows = [c.geometry.windows for c in calls]
    loop = [c.python_steps("loop") for c in calls]
    assert loop[0] >= windows[0]
    assert loop[1] / loop[0] == windows[1] / windows[0]
    fast = "im2col" if op == "conv2d" else "window"
    assert calls[0].python_steps(fast) == calls[1].python_steps(fast)


def test_max_pool_loop_steps_count_the_inner_loop_over_taps():
    # the inner loop of the tutorial's max pool scans each window tap by tap
    call = prepare_max_pool2d(np.zeros((4, 4)), 2, 1)  # 9 windows of 4 taps
    assert call.python_steps("loop") == 9 * (1 + 4)
    assert call.python_steps("window") == 4


def test_scatter_steps_are_the_input_positions():
    call = prepare_conv_transpose2d(np.zeros((3, 2, 5, 4)), np.zeros((2, 1, 3, 3)))
    assert call.python_steps("scatter") == 5 * 4  # all samples and channels at once
