"""Every signature that spells out an operation's arguments agrees with convcore.spec.

The spec is the one description; these tests read the other places with ``inspect`` (and
torch's own documented signatures, and the README's list) and compare names, order and
defaults, so a new argument added in one place and forgotten in another fails here.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch.nn.functional as F

import convcore as cc
from convcore import codegen, formulas, reference
from convcore.kernel_matrix import kernel_matrix_geometry
from convcore.spec import MATRIX_OPS, OPS, OpSpec, op_spec

ROOT = Path(__file__).resolve().parents[2]
ALL = {**OPS, **MATRIX_OPS}

#: Arguments a function deliberately leaves out, and why.
LEFT_OUT = {
    # every max_pool2d step carries the index return_indices would report
    ("trace_max_pool2d", "return_indices"),
}
#: Arguments a function adds that are not the operation's (convcore's own choices).
ADDED = {"method", "view"}


def parameters(function: Callable[..., Any]) -> list[inspect.Parameter]:
    return list(inspect.signature(function).parameters.values())


def assert_matches(function: Callable[..., Any], spec: OpSpec, rename: dict | None = None):
    """Names in the spec's order (minus the documented omissions) and the spec's defaults."""
    rename = rename or {}
    name = function.__name__
    expected = [a for a in spec.args if (name, a.name) not in LEFT_OUT]
    got = [p for p in parameters(function) if p.name not in ADDED]
    assert [p.name for p in got] == [rename.get(a.name, a.name) for a in expected], name
    for param, arg in zip(got, expected, strict=True):
        if arg.required:
            assert param.default is inspect.Parameter.empty, (name, param.name)
        elif arg.kind != "tensor" or arg.name == "bias":
            assert param.default == arg.default, (name, param.name)


@pytest.mark.parametrize("op", list(ALL))
def test_the_op_and_its_prepare_step(op):
    assert_matches(getattr(cc, op), ALL[op])
    if op in OPS:
        assert_matches(getattr(cc, f"prepare_{op}"), OPS[op])


@pytest.mark.parametrize("op", list(OPS))
def test_the_tracers(op):
    assert_matches(getattr(cc, f"trace_{op}"), OPS[op])


@pytest.mark.parametrize("op", [*OPS, "unfold"])
def test_the_oracle(op):
    assert_matches(getattr(reference, op), ALL[op])


SHAPES = {
    "conv2d": formulas.conv2d_shape,
    "conv_transpose2d": formulas.conv_transpose2d_shape,
    "max_pool2d": formulas.pool2d_shape,
    "avg_pool2d": formulas.pool2d_shape,
}


@pytest.mark.parametrize("op", list(OPS))
def test_the_shape_formulas_take_the_arguments_that_set_the_size(op):
    """Shapes for arrays, and the options in the spec's order, with the spec's defaults."""
    spec = OPS[op]
    got = [p for p in parameters(SHAPES[op]) if p.name != "op"]
    names = [p.name for p in got]
    # pool2d_shape serves both pools; avg_pool2d has no dilation (its /shape body neither)
    shared = {"dilation"} if op == "avg_pool2d" else set()
    options = [n for n in names if not n.endswith("_shape") and n not in shared]
    assert options == [a.name for a in spec.options if a.name in options]
    shapes = [n.removesuffix("_shape") for n in names if n.endswith("_shape")]
    assert shapes == [a.name for a in spec.tensors if a.name in shapes]
    for param in got:
        if param.name in options and not spec.arg(param.name).required:
            assert param.default == spec.arg(param.name).default, (op, param.name)
    # what the size does not depend on
    left = {a.name for a in spec.options} - set(options)
    assert left <= {"return_indices", "count_include_pad", "divisor_override"}


def test_the_kernel_matrix_geometry():
    spec = MATRIX_OPS["kernel_matrix"]
    assert_matches(kernel_matrix_geometry, spec, {"weight": "weight_shape"})


def torch_signature(op: str) -> list[tuple[str, Any]]:
    """(name, default) of ``torch.nn.functional.<op>``, read from its documented signature."""
    doc = getattr(F, op).__doc__.strip().splitlines()[0]
    match = re.match(rf"{op}\((.*)\)", doc.split(" -> ")[0])
    assert match, doc
    tree = ast.parse(f"def f({match.group(1)}): pass").body[0]
    args = tree.args.args
    defaults = [None] * (len(args) - len(tree.args.defaults)) + tree.args.defaults
    return [
        (a.arg, ast.literal_eval(d) if d is not None else inspect.Parameter.empty)
        for a, d in zip(args, defaults, strict=True)
    ]


@pytest.mark.parametrize("op", list(OPS))
def test_the_spec_is_torchs_signature(op):
    spec = OPS[op]
    functional = [a for a in spec.args if a.functional]
    expected = [(a.name, inspect.Parameter.empty if a.required else a.default) for a in functional]
    got = torch_signature(op)
    assert [name for name, _ in got] == [name for name, _ in expected]
    for (name, default), arg in zip(got, functional, strict=True):
        if default is not inspect.Parameter.empty and arg.kind != "tensor":
            assert default == arg.default, (op, name)
    assert spec.torch == f"torch.nn.functional.{op}"


def test_the_code_generators_signatures_come_from_the_spec():
    for op, spec in OPS.items():
        assert codegen.SIGNATURES[op] == tuple((a.name, a.default) for a in spec.torch_keywords)
        torch_keywords = [name for name, default in torch_signature(op)[2:] if name != "bias"]
        assert [name for name, _ in codegen.SIGNATURES[op]] == [
            n for n in torch_keywords if n != "kernel_size"
        ]


def readme_signatures() -> dict[str, ast.FunctionDef]:
    """The ``cc.<name>(...)`` signatures listed in the README's convcore section."""
    text = (ROOT / "README.md").read_text()
    block = text.split("## convcore", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    found = {}
    for match in re.finditer(r"cc\.(\w+)\((.*?)\)\s*(?:#|$)", block, re.S | re.M):
        name, args = match.groups()
        if "..." in args:
            continue
        source = " ".join(line.strip() for line in args.splitlines())
        found[name] = ast.parse(f"def {name}({source}): pass").body[0]
    return found


def test_the_readme_lists_every_op_with_the_specs_arguments():
    listed = readme_signatures()
    assert set(ALL) <= set(listed)
    for op, spec in ALL.items():
        tree = listed[op].args
        names = [a.arg for a in tree.args + tree.kwonlyargs]
        assert [n for n in names if n != "method"] == list(spec.names), op
        defaults = dict(
            zip([a.arg for a in tree.args][-len(tree.defaults) :], tree.defaults, strict=False)
        )
        defaults |= {a.arg: d for a, d in zip(tree.kwonlyargs, tree.kw_defaults, strict=True)}
        for name, node in defaults.items():
            if name == "method":
                assert ast.literal_eval(node) == default_method(op), op
            elif name in spec.names:
                assert ast.literal_eval(node) == spec.arg(name).default, (op, name)


def default_method(op: str) -> str:
    return str(inspect.signature(getattr(cc, op)).parameters["method"].default)


def test_op_spec_finds_both_tables():
    assert op_spec("conv2d") is OPS["conv2d"]
    assert op_spec("kernel_matrix") is MATRIX_OPS["kernel_matrix"]
    with pytest.raises(KeyError, match="unknown operation"):
        op_spec("conv3d")
