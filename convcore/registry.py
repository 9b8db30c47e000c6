"""Every method of every operation, in one table the API, the pages and the tests loop over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from convcore.errors import ConvcoreError
from convcore.methods.conv2d_im2col import conv2d_im2col
from convcore.methods.conv2d_kernel_matrix import conv2d_kernel_matrix
from convcore.methods.conv2d_loop import conv2d_loop
from convcore.methods.conv2d_shift_add import conv2d_shift_add
from convcore.methods.pool_loop import avg_pool2d_loop, max_pool2d_loop
from convcore.methods.pool_window import avg_pool2d_window, max_pool2d_window
from convcore.methods.transpose_col2im import conv_transpose2d_col2im
from convcore.methods.transpose_kernel_matrix import conv_transpose2d_kernel_matrix
from convcore.methods.transpose_scatter import conv_transpose2d_scatter
from convcore.methods.transpose_zero_insert import conv_transpose2d_zero_insert


@dataclass(frozen=True)
class Method:
    """One way of computing an operation."""

    op: str
    name: str
    summary: str
    run: Callable[..., Any]


def _table(*methods: Method) -> dict[str, dict[str, Method]]:
    table: dict[str, dict[str, Method]] = {}
    for method in methods:
        table.setdefault(method.op, {})[method.name] = method
    return table


METHODS: dict[str, dict[str, Method]] = _table(
    Method("conv2d", "loop", "Nested loops: slide the window, multiply, sum.", conv2d_loop),
    Method(
        "conv2d",
        "im2col",
        "Unfold windows into columns (im2col), then one matrix product per group.",
        conv2d_im2col,
    ),
    Method(
        "conv2d",
        "kernel_matrix",
        "Unroll the kernel into a matrix and multiply the flattened input.",
        conv2d_kernel_matrix,
    ),
    Method(
        "conv2d",
        "shift_add",
        "Add up, tap by tap, the input shifted under that tap times its weight.",
        conv2d_shift_add,
    ),
    Method(
        "conv_transpose2d",
        "scatter",
        "Each input value stamps the kernel, scaled by it, onto the output; stamps add up.",
        conv_transpose2d_scatter,
    ),
    Method(
        "conv_transpose2d",
        "kernel_matrix",
        "Multiply by the transpose of the forward convolution's kernel matrix (Kᵀ·y).",
        conv_transpose2d_kernel_matrix,
    ),
    Method(
        "conv_transpose2d",
        "zero_insert",
        "Insert stride−1 zeros between inputs, pad, flip the kernel, run conv2d.",
        conv_transpose2d_zero_insert,
    ),
    Method(
        "conv_transpose2d",
        "col2im",
        "One matrix product into columns, then fold them onto the output (col2im).",
        conv_transpose2d_col2im,
    ),
    Method(
        "max_pool2d",
        "loop",
        "Nested loops: slide the window, keep its largest value and where it came from.",
        max_pool2d_loop,
    ),
    Method(
        "max_pool2d",
        "window",
        "Gather every window's taps as strided slices, then max and argmax over the taps.",
        max_pool2d_window,
    ),
    Method(
        "avg_pool2d",
        "loop",
        "Nested loops: slide the window, sum it, divide by the cells it counts.",
        avg_pool2d_loop,
    ),
    Method(
        "avg_pool2d",
        "window",
        "Gather every window's taps as strided slices, sum over the taps, divide.",
        avg_pool2d_window,
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
        raise ConvcoreError(f"unknown operation {op!r}; known: {', '.join(METHODS)}")
    if name not in methods:
        raise ConvcoreError(
            f"method must be one of {', '.join(map(repr, methods))} for {op}, got {name!r}"
        )
    return methods[name]
