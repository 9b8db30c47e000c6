"""Run a validated convolution: the chosen method, then the bias, then the caller's layout."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from convcore.layout import Batched
from convcore.registry import get_method


def run_batched(op: str, method: str, args: Batched, geometry: Any) -> NDArray[np.floating]:
    """The tail every convolution shares once its arguments and geometry are checked.

    ``args`` comes from :func:`convcore.layout.batch_conv_args` and ``geometry`` from the
    op's own validation (``conv2d_geometry``, ``conv_transpose2d_geometry``), bias included.

    Examples
    --------
    >>> from convcore.geometry import conv2d_geometry
    >>> from convcore.layout import batch_conv_args
    >>> args = batch_conv_args(np.arange(9.0).reshape(3, 3), [[0, 1], [2, 3]], 1.0, "conv2d")
    >>> g = conv2d_geometry(args.x.shape, args.weight.shape)
    >>> run_batched("conv2d", "loop", args, g)
    array([[20., 26.],
           [38., 44.]])
    """
    out = get_method(op, method).run(args.x, args.weight, geometry)
    if args.bias is not None:
        out = out + args.bias[:, None, None]
    return args.restore(out)
