"""The PyTorch tab every page has: the op's ``torch.nn.functional`` call with the page's
tensors, run on the server, its output, and how far it is from convcore's.

The page runs torch (through :mod:`convcore.reference`) and hands both outputs here; the
judgement is the API's (``numpy.allclose`` and max |Δ|, :func:`convcore.verify.compare`),
so the page and the API judge torch alike. ``templates/partials/tab_torch.html`` draws it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.pages import grids
from app.pages.grids import Numbers, ValueCell
from convcore import reference
from convcore.codegen import pytorch_code, pytorch_script
from convcore.verify import compare


@dataclass(frozen=True)
class TorchPanel:
    """The equivalent PyTorch call, torch's output and its distance from convcore's."""

    code: str
    script: str
    version: str
    out: list[list[list[ValueCell]]]  # torch's output (C_out, Ho, Wo)
    max_diff: float  # max |Δ|; inf when the shapes differ
    agrees: bool  # numpy.allclose(convcore's, torch's), as the API's reference block


@dataclass(frozen=True)
class TorchStep:
    """Which of torch's output cells is this step's (none: ``out_channel`` is -1)."""

    out_channel: int
    oy: int
    ox: int


def torch_panel(
    op: str,
    ours: NDArray[np.floating],
    theirs: NDArray[np.floating],
    params: Mapping[str, Any],
    tensors: Mapping[str, Any],
    kernel_shape: Sequence[int],
    numbers: Numbers,
) -> TorchPanel:
    """The tab's panel: ``ours`` and ``theirs`` are ``(C_out, Ho, Wo)``; ``tensors`` the
    arrays the script writes out (``x``, ``w``, ``b``), ``x`` in the layout torch was given."""
    verdict = compare(ours, theirs, f"torch.nn.functional.{op}")
    code = pytorch_code(
        op,
        dict(params),
        input_ndim=np.ndim(tensors["x"]),
        kernel_shape=kernel_shape,
        has_bias="b" in tensors,
    )
    top = float(np.max(np.abs(ours), initial=0.0))

    def band(_i: int, value: float) -> str:
        return numbers.tone(value, top)

    max_diff = math.inf if verdict.max_abs_diff is None else verdict.max_abs_diff
    return TorchPanel(
        code,
        pytorch_script(code, {name: np.asarray(v).tolist() for name, v in tensors.items()}),
        reference.torch_version(),
        [grids.value_rows(plane, numbers, band) for plane in theirs.tolist()],
        max_diff,
        verdict.allclose,
    )
