"""Every method of every operation, in one table the API, the pages and the tests loop over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from convcore.errors import ConvcoreError
from convcore.methods.conv2d_im2col import conv2d_im2col
from convcore.methods.conv2d_kernel_matrix import conv2d_kernel_matrix
from convcore.methods.conv2d_loop import conv2d_loop


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
    Method("conv2d", "im2col",
           "Unfold windows into columns (im2col), then one matrix product per group.",
           conv2d_im2col),
    Method("conv2d", "kernel_matrix",
           "Unroll the kernel into a matrix and multiply the flattened input.",
           conv2d_kernel_matrix),
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
