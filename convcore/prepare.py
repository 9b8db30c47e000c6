"""One validated call per operation: its geometry, its arrays laid out, ready to run or trace.

``prepare_conv2d(input, weight, …)`` does everything :func:`convcore.conv2d` does before it
computes: the arrays converted and brought to torch's 4-D layout (remembering how to undo
it), the configuration checked into a :class:`~convcore.geometry.Conv2dGeometry`, the bias
checked. The op, its tracer, a server sizing a request against its limits and a page
drawing a step all start from this one object instead of working it out again:

>>> import numpy as np
>>> call = prepare_conv2d(np.arange(9.0).reshape(3, 3), [[0, 1], [2, 3]], stride=1)
>>> call.geometry.out_size, call.geometry.multiply_adds, call.out_shape
((2, 2), 16, (2, 2))
>>> call.python_steps("loop"), call.python_steps("im2col")
(4, 4)
>>> call.run("loop")
array([[19., 25.],
       [37., 43.]])
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.geometry import (
    Conv2dGeometry,
    ConvTranspose2dGeometry,
    Pool2dGeometry,
    avg_divisor_args,
    conv2d_geometry,
    conv_transpose2d_geometry,
    pool2d_geometry,
)
from convcore.layout import Restore, batch_conv_args, batch_pool_input, check_bias
from convcore.params import IntOrPair, Padding, shape_str
from convcore.registry import get_method

GeometryT = TypeVar("GeometryT", Conv2dGeometry, ConvTranspose2dGeometry, Pool2dGeometry)
ConvGeometryT = TypeVar("ConvGeometryT", Conv2dGeometry, ConvTranspose2dGeometry)

_LAYOUTS = {2: "2d", 3: "unbatched", 4: "batched"}


@dataclass(frozen=True)
class Prepared(ABC, Generic[GeometryT]):
    """A checked call of ``op``: the geometry and the input in ``(N, C, H, W)`` layout.

    ``restore`` turns a 4-D result back into the caller's layout (batched, unbatched or the
    tutorial's 2-D form).
    """

    op: str
    geometry: GeometryT
    x: NDArray[np.floating]
    restore: Restore

    @property
    def layout(self) -> str:
        """'batched', 'unbatched' or '2d': the layout the caller used (and gets back)."""
        return _LAYOUTS[self.restore(np.zeros((1, 1, 1, 1))).ndim]

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The output's shape in the caller's layout."""
        n, c, (oh, ow) = self.x.shape[0], self._out_channels, self.geometry.out_size
        return {"batched": (n, c, oh, ow), "unbatched": (c, oh, ow), "2d": (oh, ow)}[self.layout]

    def python_steps(self, method: str) -> int:
        """How many Python-level steps ``method`` takes on this call (its registry entry says).

        The numpy work inside each step is bounded by the geometry's ``work``; the steps
        themselves cost the interpreter a few microseconds each, whatever their size.
        """
        return get_method(self.op, method).steps(self.geometry)

    @property
    @abstractmethod
    def _out_channels(self) -> int:
        """Channels of the 4-D result."""

    @abstractmethod
    def run(self, method: str) -> Any:
        """Compute the operation by ``method``; the result is in the caller's layout."""


@dataclass(frozen=True)
class PreparedConv(Prepared[ConvGeometryT]):
    """A checked conv2d or conv_transpose2d call: also the 4-D weight and the 1-D bias."""

    weight: NDArray[np.floating] = field(kw_only=True)
    bias: NDArray[np.floating] | None = field(kw_only=True)

    @property
    def _out_channels(self) -> int:
        return self.geometry.out_channels

    def run(self, method: str) -> NDArray[np.floating]:
        """The method's result, plus the bias, in the caller's layout."""
        out = get_method(self.op, method).run(self.x, self.weight, self.geometry)
        if self.bias is not None:
            out = out + self.bias[:, None, None]
        return self.restore(out)


@dataclass(frozen=True)
class PreparedPool(Prepared[Pool2dGeometry]):
    """A checked max_pool2d or avg_pool2d call; ``options`` holds the op's own flags.

    max_pool2d: ``return_indices``; avg_pool2d: ``count_include_pad`` and
    ``divisor_override``, validated.
    """

    options: Mapping[str, Any] = field(default_factory=dict, kw_only=True)

    @property
    def _out_channels(self) -> int:
        return self.x.shape[1]

    def run(self, method: str, *, return_indices: bool | None = None) -> Any:
        """The pooled output in the caller's layout (max_pool2d: with the indices if asked).

        ``return_indices`` overrides the call's own flag (a page shows the indices of a call
        prepared without them).
        """
        run = get_method(self.op, method).run
        if self.op == "avg_pool2d":
            include_pad, divisor = (
                self.options["count_include_pad"],
                self.options["divisor_override"],
            )
            return self.restore(run(self.x, self.geometry, include_pad, divisor))
        wanted = bool(
            self.options.get("return_indices") if return_indices is None else return_indices
        )
        out, indices = run(self.x, self.geometry, wanted)  # indices only when wanted
        if wanted:
            return self.restore(out), self.restore(indices)
        return self.restore(out)


def prepare_conv2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> PreparedConv[Conv2dGeometry]:
    """Check a :func:`convcore.conv2d` call without computing it.

    Same arguments, same checks, same errors as :func:`convcore.conv2d`.

    Examples
    --------
    >>> call = prepare_conv2d(np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3)), padding=1)
    >>> call.geometry.out_shape, call.geometry.matrix_shape
    ((2, 4, 8, 8), (256, 192))
    """
    args = batch_conv_args(input, weight, bias, "conv2d")
    geometry = conv2d_geometry(
        args.x.shape, args.weight.shape, stride, padding, dilation, groups, padding_mode
    )
    check_bias(args.bias, geometry.out_channels, args.weight.shape)
    return PreparedConv(
        "conv2d", geometry, args.x, args.restore, weight=args.weight, bias=args.bias
    )


def prepare_conv_transpose2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
) -> PreparedConv[ConvTranspose2dGeometry]:
    """Check a :func:`convcore.conv_transpose2d` call without computing it.

    Examples
    --------
    >>> call = prepare_conv_transpose2d(np.zeros((2, 2)), np.zeros((3, 3)), stride=2)
    >>> call.out_shape, call.geometry.canvas_size
    ((5, 5), (5, 5))
    """
    args = batch_conv_args(input, weight, bias, "conv_transpose2d")
    geometry = conv_transpose2d_geometry(
        args.x.shape, args.weight.shape, stride, padding, output_padding, groups, dilation
    )
    check_transposed_bias(args.bias, geometry)
    return PreparedConv(
        "conv_transpose2d", geometry, args.x, args.restore, weight=args.weight, bias=args.bias
    )


def prepare_max_pool2d(
    input: ArrayLike,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> PreparedPool:
    """Check a :func:`convcore.max_pool2d` call without computing it.

    Examples
    --------
    >>> call = prepare_max_pool2d(np.zeros((3, 8, 8)), 3, stride=2, padding=1)
    >>> call.out_shape, call.geometry.multiply_adds
    ((3, 4, 4), 432)
    """
    x, restore = batch_pool_input(input, "max_pool2d")
    geometry = pool2d_geometry(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    return PreparedPool(
        "max_pool2d", geometry, x, restore, options={"return_indices": return_indices}
    )


def prepare_avg_pool2d(
    input: ArrayLike,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> PreparedPool:
    """Check an :func:`convcore.avg_pool2d` call without computing it.

    Examples
    --------
    >>> prepare_avg_pool2d(np.zeros((5, 5)), 2, ceil_mode=True).out_shape
    (3, 3)
    """
    x, restore = batch_pool_input(input, "avg_pool2d")
    geometry = pool2d_geometry(x.shape, kernel_size, stride, padding, 1, ceil_mode)
    include_pad, divisor = avg_divisor_args(count_include_pad, divisor_override)
    options = {"count_include_pad": include_pad, "divisor_override": divisor}
    return PreparedPool("avg_pool2d", geometry, x, restore, options=options)


def check_transposed_bias(bias: NDArray[np.floating] | None, g: ConvTranspose2dGeometry) -> None:
    """Bias needs one value per output channel: ``weight.shape[1] × groups`` of them."""
    if bias is not None and bias.shape != (g.out_channels,):
        raise ConvcoreError(
            "bias must be 1-D with {channels} values, one per output channel "
            "(weight.shape[1]={per_group} × groups={groups}), got bias of shape {shape}",
            ("bias", "weight", "groups"),
            channels=g.out_channels,
            per_group=g.out_per_group,
            groups=g.groups,
            shape=shape_str(bias.shape),
        )
