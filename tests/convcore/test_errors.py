"""Structured errors: every rejection is a template, the arguments at fault and the values.

A page puts the message next to the control for ``params[0]`` and translates the template;
the API points a 422's ``loc`` at that field. So every raise site in convcore passes a
literal template (Babel extracts it), names its arguments, and fills every field.
"""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path

import numpy as np
import pytest

import convcore as cc
from convcore.errors import ConvcoreError

ROOT = Path(__file__).resolve().parents[2]


def raise_sites() -> list[tuple[str, int, ast.Call]]:
    """Every ``ConvcoreError(...)`` call in convcore's source."""
    sites = []
    for path in sorted((ROOT / "convcore").rglob("*.py")):
        if path.name == "errors.py":  # the class itself rebuilds errors from their parts
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "ConvcoreError"
            ):
                sites.append((str(path.relative_to(ROOT)), node.lineno, node))
    return sites


SITES = raise_sites()


def test_there_are_raise_sites_to_check():
    assert len(SITES) > 50


@pytest.mark.parametrize(("path", "line", "call"), SITES, ids=[f"{p}:{n}" for p, n, _ in SITES])
def test_every_raise_passes_a_literal_template_its_params_and_every_value(path, line, call):
    template = call.args[0] if call.args else None
    assert isinstance(template, ast.Constant), f"{path}:{line}: the template must be a literal"
    assert isinstance(template.value, str)
    has_params = len(call.args) > 1 or any(k.arg == "params" for k in call.keywords)
    assert has_params, f"{path}:{line}: name the argument(s) at fault"
    fields = {name for _, name, _, _ in string.Formatter().parse(template.value) if name}
    given = {k.arg for k in call.keywords if k.arg not in ("params", None)}
    spread = any(k.arg is None for k in call.keywords)  # **values
    assert fields <= given or spread, f"{path}:{line}: no value for {fields - given}"
    assert given <= fields, f"{path}:{line}: values the message never shows: {given - fields}"


# (call, the argument to change, the message as the tests and the README quote it)
CASES = [
    (lambda: cc.conv2d(np.ones((3, 3)), np.ones((2, 2)), stride=0), "stride",
     "stride must be positive, got stride=0"),
    (lambda: cc.conv2d(np.ones((3, 3)), np.ones((2, 2)), padding=-1), "padding",
     "padding must not be negative, got padding=-1"),
    (lambda: cc.conv2d(np.ones((3, 3)), np.ones((4, 4))), "weight",
     "kernel 4×4 (dilated 4×4) does not fit the padded input 3×3"),
    (lambda: cc.conv2d(np.ones((1, 3, 3)), np.ones((2, 1, 2, 2)), groups=2), "groups",
     "with groups=2 and weight of shape (2, 1, 2, 2), the input needs 2 channels "
     "(1 per group), got 1"),
    (lambda: cc.conv2d(np.ones((3, 3)), np.ones((2, 2)), padding="same", stride=2), "padding",
     "padding='same' needs stride 1, got stride=(2, 2); use an explicit padding for "
     "strided convolutions"),
    (lambda: cc.conv2d(np.ones((3, 3)), np.ones((2, 2)), padding_mode="mirror"), "padding_mode",
     "padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'"),
    (lambda: cc.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 2, 2)), np.ones(2)), "bias",
     "bias must be 1-D with 1 values (one per output channel of weight (1, 1, 2, 2)), "
     "got bias of shape (2,)"),
    # a pool's methods: conv2d's list grows whenever a method is added (see the README)
    (lambda: cc.avg_pool2d(np.ones((3, 3)), 2, method="fft"), "method",
     "method must be one of 'loop', 'window' for avg_pool2d, got 'fft'"),
    (lambda: cc.conv2d(np.ones((3, 3)), np.ones((2, 2)), padding=3, padding_mode="reflect"),
     "padding", "reflect padding must be smaller than the input on each side: padding (3, 3) "
     "on height of size 3"),
    (lambda: cc.conv_transpose2d(np.ones((3, 3)), np.ones((2, 2)), output_padding=1),
     "output_padding", "output_padding must be smaller than either stride or dilation on "
     "each axis, got output_padding=(1, 1) with stride=(1, 1) and dilation=(1, 1)"),
    (lambda: cc.max_pool2d(np.ones((3, 3)), 2, padding=2), "padding",
     "padding must be at most half the kernel size, got padding=(2, 2) with "
     "kernel_size=(2, 2)"),
    (lambda: cc.avg_pool2d(np.ones((3, 3)), 2, divisor_override=0), "divisor_override",
     "divisor_override must not be zero, got divisor_override=0"),
    (lambda: cc.avg_pool2d(np.ones((3, 3)), 4), "kernel_size",
     "kernel_size=(4, 4) (dilated 4×4) does not fit the input 3×3 padded by (0, 0): the "
     "output would be 0×0"),
    (lambda: cc.unfold(np.ones((1, 3, 3)), 4), "kernel_size",
     "input of spatial size (3, 3) with kernel_size=(4, 4), dilation=(1, 1), padding=(0, 0), "
     "stride=(1, 1) leaves 0×0 window positions; at least one per axis is needed"),
    (lambda: cc.trace_conv2d(np.ones((3, 3)), np.ones((2, 2))).step(4), "step",
     "step must be in 0..3, got step=4"),
    (lambda: cc.max_pool2d(np.ones((3, 3)), 2, ceil_mode=1), "ceil_mode",
     "ceil_mode must be True or False, got 1"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "param", "message"), CASES)
def test_the_error_names_the_argument_to_change_and_reads_as_before(call, param, message):
    with pytest.raises(ConvcoreError) as caught:
        call()
    err = caught.value
    assert str(err) == message
    assert err.params[0] == param
    assert err.template.format(**err.values) == message  # what a translation fills in


def test_errors_survive_pickling_with_their_structure():
    with pytest.raises(ConvcoreError) as caught:
        cc.conv2d(np.ones((3, 3)), np.ones((2, 2)), stride=0)
    err = caught.value
    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.template, back.params) == (str(err), err.template, err.params)
