"""The PyTorch code that computes what convcore just computed, for a student to paste.

Only arguments that differ from torch's defaults are written, in torch's own order, so the
call reads like one a person would type: ``F.conv2d(x, w, stride=(2, 2), padding=1)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from convcore.errors import ConvcoreError
from convcore.params import IntOrPair, as_pair
from convcore.shapes import same_padding
from convcore.spec import OPS

#: torch.nn.functional's keyword arguments per op, in signature order, with their defaults:
#: read from :mod:`convcore.spec` (``padding_mode`` is nn.Conv2d's, written as an ``F.pad``).
SIGNATURES: dict[str, tuple[tuple[str, Any], ...]] = {
    op: tuple((arg.name, arg.default) for arg in spec.torch_keywords) for op, spec in OPS.items()
}

_CONV_OPS = ("conv2d", "conv_transpose2d")


def pytorch_code(
    op: str,
    params: Mapping[str, Any],
    *,
    input_ndim: int = 4,
    kernel_shape: Sequence[int] = (),
    has_bias: bool = False,
) -> str:
    """The statement(s) computing ``out`` from tensors ``x``, ``w``, ``b`` with ``F``.

    Parameters
    ----------
    op : {'conv2d', 'conv_transpose2d', 'max_pool2d', 'avg_pool2d'}
        The operation.
    params : mapping
        The keyword arguments as convcore received them (``padding_mode`` included for conv2d,
        ``kernel_size`` for the pools); values equal to torch's defaults are left out.
    input_ndim : int
        2 for the tutorial's ``(H, W)`` form, which torch computes with added batch axes.
    kernel_shape : sequence of int
        The weight's shape (conv ops); needed to spell out ``padding='same'`` for ``F.pad``.
    has_bias : bool
        Whether a bias tensor ``b`` is passed (conv ops).

    Returns
    -------
    str
        One line, or a few when results have to be unpacked.

    Examples
    --------
    >>> pytorch_code("conv2d", {"stride": (2, 2), "padding": 1, "dilation": 2})
    'out = F.conv2d(x, w, stride=(2, 2), padding=1, dilation=2)'
    >>> pytorch_code("conv2d", {"padding": 1, "padding_mode": "reflect"}, input_ndim=2)
    "out = F.conv2d(F.pad(x[None, None], (1, 1, 1, 1), mode='reflect'), w[None, None])[0, 0]"
    >>> pytorch_code("max_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1})
    'out = F.max_pool2d(x, 3, stride=2, padding=1)'
    """
    if op not in SIGNATURES:
        raise ConvcoreError(
            "op must be one of {choices}, got {op!r}",
            "op",
            choices=", ".join(map(repr, SIGNATURES)),
            op=op,
        )
    values = dict(params)
    two_d = input_ndim == 2
    x = "x[None, None]" if two_d and op in _CONV_OPS else "x[None]" if two_d else "x"
    mode = values.pop("padding_mode", "zeros")
    if op == "conv2d" and mode != "zeros" and values.get("padding", 0) != "valid":
        pads = _pad_amounts(values.pop("padding", 0), kernel_shape, values.get("dilation", 1))
        x = f"F.pad({x}, {pads}, mode={mode!r})"
    positional = [x]
    if op in _CONV_OPS:
        positional.append("w[None, None]" if two_d else "w")
        if has_bias:
            positional.append("b.reshape(1)" if two_d else "b")
    else:
        positional.append(_literal(values.pop("kernel_size")))
    keywords = [
        f"{arg.name}={_literal(values[arg.name])}"
        for arg in OPS[op].torch_keywords
        if arg.name in values and not arg.is_default(values[arg.name])
    ]
    call = f"F.{op}({', '.join(positional + keywords)})"
    if values.get("return_indices"):
        lines = [f"out, indices = {call}"]
        if two_d:
            lines.append("out, indices = out[0], indices[0]")
        return "\n".join(lines)
    suffix = ("[0, 0]" if op in _CONV_OPS else "[0]") if two_d else ""
    return f"out = {call}{suffix}"


def pytorch_script(code: str, tensors: Mapping[str, Any]) -> str:
    """A complete script: imports, the tensors as float64 literals, ``code``, a print.

    Examples
    --------
    >>> print(pytorch_script("out = F.conv2d(x, w)", {"x": [[1.0]], "w": [[2.0]]}))
    import torch
    import torch.nn.functional as F
    <BLANKLINE>
    x = torch.tensor([[1.0]], dtype=torch.float64)
    w = torch.tensor([[2.0]], dtype=torch.float64)
    out = F.conv2d(x, w)
    print(out)
    """
    lines = ["import torch", "import torch.nn.functional as F", ""]
    lines += [
        f"{name} = torch.tensor({value!r}, dtype=torch.float64)" for name, value in tensors.items()
    ]
    return "\n".join([*lines, code, "print(out)"])


def _pad_amounts(
    padding: IntOrPair | str, kernel_shape: Sequence[int], dilation: IntOrPair
) -> tuple[int, int, int, int]:
    """``F.pad``'s (left, right, top, bottom) for a conv2d ``padding``."""
    if padding == "same":
        if len(kernel_shape) < 2:
            raise ConvcoreError(
                "padding='same' with a padding_mode needs the kernel's shape",
                ("kernel_shape", "padding"),
            )
        dh, dw = as_pair(dilation, "dilation")
        top, bottom = same_padding(kernel_shape[-2], dh)
        left, right = same_padding(kernel_shape[-1], dw)
        return left, right, top, bottom
    if isinstance(padding, str):
        raise ConvcoreError(
            "padding must be an int, a pair, 'same' or 'valid', got {padding!r}",
            "padding",
            padding=padding,
        )
    ph, pw = as_pair(padding, "padding")
    return pw, pw, ph, ph


def _literal(value: Any) -> str:
    """Python source for a value: pairs as tuples, strings quoted."""
    if isinstance(value, list | tuple):
        return repr(tuple(value))
    return repr(value)
