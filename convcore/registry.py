"""Every method of every operation, in one table the API, the pages and the tests loop over.

Each entry also says how many *Python-level steps* the method takes on a geometry: the
passes through the loops the interpreter runs itself (one per window, per tap, per input
position …), each a few numpy calls. numpy's own work inside those steps is bounded by the
geometry's ``work``; the steps are what a Python loop adds on top, a few microseconds each,
so a server caps them separately (``max_python_steps``). A new method declares its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from convcore.errors import ConvcoreError
from convcore.geometry import Geometry
from convcore.methods import conv2d_shift_add as shift_add
from convcore.methods import pool_window
from convcore.methods.conv2d_im2col import COLUMN_BUDGET, conv2d_im2col
from convcore.methods.conv2d_kernel_matrix import conv2d_kernel_matrix
from convcore.methods.conv2d_loop import conv2d_loop
from convcore.methods.pool_loop import avg_pool2d_loop, max_pool2d_loop
from convcore.methods.transpose_col2im import conv_transpose2d_col2im
from convcore.methods.transpose_kernel_matrix import conv_transpose2d_kernel_matrix
from convcore.methods.transpose_scatter import conv_transpose2d_scatter
from convcore.methods.transpose_zero_insert import conv_transpose2d_zero_insert


@dataclass(frozen=True)
class Method:
    """One way of computing an operation.

    ``steps(geometry)`` is the number of Python-level steps ``run`` takes on that geometry;
    ``matrix`` says that it builds the unrolled kernel matrix (``geometry.matrix_shape``).
    """

    op: str
    name: str
    summary: str
    run: Callable[..., Any]
    steps: Callable[[Any], int]
    matrix: bool = False


# How the methods' Python-level steps follow from the geometry. Each counts the passes
# through the loops written in Python; everything inside a pass is numpy.


def per_window(g: Geometry) -> int:
    """One pass per output value (the loop methods of conv2d and avg_pool2d)."""
    return g.windows


def per_window_and_tap(g: Geometry) -> int:
    """One pass per output value and one more per tap of its window (max_pool2d's loop)."""
    return g.windows * (1 + g.window_taps)


def per_input_position(g: Geometry) -> int:
    """One pass per input cell, all samples and channels at once (scatter)."""
    return math.prod(g.in_size)


def per_kernel_tap(g: Geometry) -> int:
    """One strided copy per kernel tap (the vectorised window, col2im, zero-insert methods)."""
    return g.kernel[0] * g.kernel[1]


def per_kernel_tap_and_tile(g: Geometry) -> int:
    """One strided copy per kernel tap per tile of columns (im2col, ``COLUMN_BUDGET`` a tile).

    Counted for float64 columns, the larger case.
    """
    column_bytes = 8 * getattr(g, "column_elements", 0)
    return per_kernel_tap(g) * (1 + column_bytes // COLUMN_BUDGET)


def one_step(g: Geometry) -> int:
    """A fixed handful of numpy calls whatever the size (the kernel-matrix methods)."""
    del g
    return 1


def _table(*methods: Method) -> dict[str, dict[str, Method]]:
    table: dict[str, dict[str, Method]] = {}
    for method in methods:
        table.setdefault(method.op, {})[method.name] = method
    return table


METHODS: dict[str, dict[str, Method]] = _table(
    Method(
        "conv2d",
        "loop",
        "Nested loops: slide the window, multiply, sum.",
        conv2d_loop,
        steps=per_window,
    ),
    Method(
        "conv2d",
        "im2col",
        "Unfold windows into columns (im2col), then one matrix product per group.",
        conv2d_im2col,
        steps=per_kernel_tap_and_tile,
    ),
    Method(
        "conv2d",
        "kernel_matrix",
        "Unroll the kernel into a matrix and multiply the flattened input.",
        conv2d_kernel_matrix,
        steps=one_step,
        matrix=True,
    ),
    Method(
        "conv2d",
        "shift_add",
        "Add up, tap by tap, the input shifted under that tap times its weight.",
        shift_add.conv2d_shift_add,
        steps=shift_add.python_steps,
    ),
    Method(
        "conv_transpose2d",
        "scatter",
        "Each input value stamps the kernel, scaled by it, onto the output; stamps add up.",
        conv_transpose2d_scatter,
        steps=per_input_position,
    ),
    Method(
        "conv_transpose2d",
        "kernel_matrix",
        "Multiply by the transpose of the forward convolution's kernel matrix (Kᵀ·y).",
        conv_transpose2d_kernel_matrix,
        steps=one_step,
        matrix=True,
    ),
    Method(
        "conv_transpose2d",
        "zero_insert",
        "Insert stride−1 zeros between inputs, pad, flip the kernel, run conv2d.",
        conv_transpose2d_zero_insert,
        steps=per_kernel_tap,
    ),
    Method(
        "conv_transpose2d",
        "col2im",
        "One matrix product into columns, then fold them onto the output (col2im).",
        conv_transpose2d_col2im,
        steps=per_kernel_tap,
    ),
    Method(
        "max_pool2d",
        "loop",
        "Nested loops: slide the window, keep its largest value and where it came from.",
        max_pool2d_loop,
        steps=per_window_and_tap,
    ),
    Method(
        "max_pool2d",
        "window",
        "Gather every window's taps as strided slices, then max and argmax over the taps.",
        pool_window.max_pool2d_window,
        steps=pool_window.python_steps,
    ),
    Method(
        "avg_pool2d",
        "loop",
        "Nested loops: slide the window, sum it, divide by the cells it counts.",
        avg_pool2d_loop,
        steps=per_window,
    ),
    Method(
        "avg_pool2d",
        "window",
        "Gather every window's taps as strided slices, sum over the taps, divide.",
        pool_window.avg_pool2d_window,
        steps=pool_window.python_steps,
    ),
)


def get_method(op: str, name: str) -> Method:
    """Look up a method, or raise naming the choices.

    Examples
    --------
    >>> get_method("conv2d", "im2col").name
    'im2col'
    """
    methods = METHODS.get(op)
    if methods is None:
        raise ConvcoreError(
            "unknown operation {op!r}; known: {known}", "op", op=op, known=", ".join(METHODS)
        )
    if name not in methods:
        raise ConvcoreError(
            "method must be one of {choices} for {op}, got {method!r}",
            "method",
            choices=", ".join(map(repr, methods)),
            op=op,
            method=name,
        )
    return methods[name]
