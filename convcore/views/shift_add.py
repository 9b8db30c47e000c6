"""conv2d as a sum of shifted input planes, one kernel tap at a time.

Tap ``(c, i, j)`` of output channel ``o`` meets, in every window, the padded input cell
``i·dH`` rows and ``j·dW`` columns from the window's corner. Taken for all windows at once
that is one plane the size of the output: the padded input channel shifted by
``(i·dH, j·dW)`` and, with a stride, keeping every ``sH``-th row and ``sW``-th column. The
output channel is the sum over its taps of ``weight[o, c, i, j] ·`` that plane (plus the
bias): the picture the ``shift_add`` method computes. :class:`ShiftAddView` gives each
tap's plane, product and running sum, so a page can show the sum growing tap by tap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.geometry import Conv2dGeometry, conv2d_geometry
from convcore.params import IntOrPair, as_float_array

Plane = NDArray[np.float64]


@dataclass(frozen=True)
class ShiftAddTap:
    """One tap of one output channel, for every window at once.

    Attributes
    ----------
    number : int
        The tap's place in ``(c, i, j)`` row-major order (the order of a trace's taps).
    kernel : (int, int, int)
        ``(c, i, j)``: the weight is ``weight[o, c, i, j]`` (``c`` counts within the group).
    channel : int
        The input channel read, counted over all of ``C_in``.
    offset : (int, int)
        ``(i·dH, j·dW)``: the shift of the padded plane.
    weight : float
        ``weight[o, c, i, j]``.
    shifted : ndarray, shape (H_out, W_out)
        ``x_pad[channel, i·dH + oy·sH, j·dW + ox·sW]`` for every output cell ``(oy, ox)``.
    product : ndarray, shape (H_out, W_out)
        ``weight · shifted``.
    running : ndarray, shape (H_out, W_out)
        The sum of the products of taps ``0 … number`` (no bias).
    """

    number: int
    kernel: tuple[int, int, int]
    channel: int
    offset: tuple[int, int]
    weight: float
    shifted: Plane
    product: Plane
    running: Plane


class ShiftAddView:
    """The shifted planes of one conv2d configuration; build it with :func:`shift_add_view`."""

    def __init__(self, x: Plane, weight: Plane, geometry: Conv2dGeometry) -> None:
        self.geometry = geometry
        self._padded = geometry.pad(x[None])[0]  # (C_in, Hp, Wp)
        self._weight = weight

    @property
    def tap_count(self) -> int:
        """Taps per output channel: ``C_in/groups · kH · kW``."""
        kh, kw = self.geometry.kernel
        return self.geometry.in_per_group * kh * kw

    def shifted(self, channel: int, i: int, j: int) -> Plane:
        """The padded input channel as tap ``(i, j)`` sees it from every window."""
        g = self.geometry
        (dh, dw), (sh, sw), (oh, ow) = g.dilation, g.stride, g.out_size
        top, left = i * dh, j * dw
        return self._padded[
            channel, top : top + sh * (oh - 1) + 1 : sh, left : left + sw * (ow - 1) + 1 : sw
        ]

    def tap(self, out_channel: int, number: int) -> ShiftAddTap:
        """Tap ``number`` of ``out_channel``, with the running sum up to it (O(taps·H_out·W_out)).

        Raises ``ConvcoreError`` when either is out of range.
        """
        g = self.geometry
        if not 0 <= out_channel < g.out_channels:
            raise ConvcoreError(
                "out_channel must be in 0..{last}, got out_channel={out_channel}",
                "out_channel",
                last=g.out_channels - 1,
                out_channel=out_channel,
            )
        if not 0 <= number < self.tap_count:
            raise ConvcoreError(
                "tap must be in 0..{last}, got tap={tap}",
                "tap",
                last=self.tap_count - 1,
                tap=number,
            )
        kh, kw = g.kernel
        first = out_channel // g.out_per_group * g.in_per_group
        running = np.zeros(g.out_size)
        for k in range(number + 1):
            c, rest = divmod(k, kh * kw)
            i, j = divmod(rest, kw)
            shifted = self.shifted(first + c, i, j)
            weight = float(self._weight[out_channel, c, i, j])
            product = weight * shifted
            running = running + product
        return ShiftAddTap(
            number=number,
            kernel=(c, i, j),
            channel=first + c,
            offset=(i * g.dilation[0], j * g.dilation[1]),
            weight=weight,
            shifted=np.array(shifted),
            product=product,
            running=running,
        )


def shift_add_view(
    input: ArrayLike,
    weight: ArrayLike,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> ShiftAddView:
    """The shifted planes of ``conv2d(input, weight, …)``, validated as the op validates.

    Parameters
    ----------
    input : array_like, shape (C_in, H, W)
        One sample, unbatched.
    weight : array_like, shape (C_out, C_in/groups, kH, kW)
    stride, padding, dilation, groups, padding_mode
        As in :func:`convcore.conv2d`.

    Examples
    --------
    >>> view = shift_add_view([[[0, 1, 2], [3, 4, 5], [6, 7, 8]]], [[[[0, 1], [2, 3]]]])
    >>> view.tap_count
    4
    >>> tap = view.tap(0, 1)
    >>> tap.kernel, tap.weight
    ((0, 0, 1), 1.0)
    >>> tap.shifted.tolist()
    [[1.0, 2.0], [4.0, 5.0]]
    >>> view.tap(0, 3).running.tolist()  # every tap added: the convolution
    [[19.0, 25.0], [37.0, 43.0]]
    """
    x = as_float_array(input, "input").astype(np.float64)
    w = as_float_array(weight, "weight").astype(np.float64)
    if x.ndim != 3 or w.ndim != 4:
        raise ConvcoreError(
            "shift_add_view takes input (C_in, H, W) and weight (C_out, C_in/groups, kH, kW), "
            "got input of shape {input_shape} and weight of shape {weight_shape}",
            ("input", "weight"),
            input_shape=x.shape,
            weight_shape=w.shape,
        )
    g = conv2d_geometry((1, *x.shape), w.shape, stride, padding, dilation, groups, padding_mode)
    return ShiftAddView(x, w, g)
