"""What to change when a configuration is invalid, as codes a user interface can word.

:func:`convcore.conv2d_geometry` says *what is wrong* in one English message. A student also
needs *what to change*, in their language: :func:`conv2d_advice` (and
:func:`conv_transpose2d_advice`) lists every problem of a configuration as a code with the
numbers a suggestion needs (the padding that would make the kernel fit, the dilation that
would, …). It is empty exactly when the geometry is valid. :func:`pool2d_advice` does the
same for a pooling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convcore.geometry import Padding, resolve_padding
from convcore.padding import widest_padding
from convcore.params import IntOrPair, as_pair, nonnegative_pair, positive_pair
from convcore.shapes import dilated_extent

AXES = ("height", "width")


@dataclass(frozen=True)
class Advice:
    """One problem: a stable ``code`` and the numbers that go with it.

    Codes: ``'groups_in'`` / ``'groups_out'`` (groups does not divide the channels; ``groups``,
    ``channels``, ``divisors``), ``'same_stride'`` (padding 'same' with a stride; ``stride``),
    ``'reflect_too_wide'`` / ``'circular_too_wide'`` (``axis``, ``padding``, ``size``,
    ``max_padding``) and ``'kernel_too_big'`` (``axis``, ``kernel``, ``dilation``,
    ``extent``, ``padded``, ``min_padding``: the padding per side that would fit it, and
    ``max_dilation``: the largest dilation that fits, 0 when none does); for
    conv_transpose2d also ``'output_padding_too_big'`` (``axis``, ``output_padding``,
    ``stride``, ``dilation``, ``max``: the largest allowed) and ``'output_too_small'``
    (``axis``, ``size``: the output length the arguments give, ``padding``,
    ``max_padding``: the largest padding that leaves one cell). Pooling:
    ``'pool_padding_too_wide'`` (``axis``, ``padding``, ``kernel``, ``max_padding``) and
    ``'window_too_big'`` (``axis``, ``kernel``, ``dilation``, ``extent``, ``padded``, and
    what would fit: ``max_kernel``, ``max_dilation``, ``min_padding``, 0 where nothing does).
    """

    code: str
    values: dict[str, object] = field(default_factory=dict)


def conv2d_advice(
    in_channels: int,
    out_channels: int,
    groups: int,
    in_size: IntOrPair,
    kernel: IntOrPair,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
    padding_mode: str = "zeros",
) -> tuple[Advice, ...]:
    """Every reason :func:`convcore.conv2d_geometry` would reject this configuration.

    Sizes, strides and dilations are taken as positive and ``padding`` (when numeric) as
    non-negative: the stepper's form guarantees that much, and those checks need no advice.

    Examples
    --------
    >>> [a.code for a in conv2d_advice(1, 1, 1, (3, 3), (2, 2))]
    []
    >>> advice, = conv2d_advice(1, 1, 1, (4, 4), (3, 3), dilation=(2, 1))
    >>> advice.code, advice.values["extent"], advice.values["min_padding"]
    ('kernel_too_big', 5, 1)
    >>> [a.code for a in conv2d_advice(2, 3, 2, 5, 3, stride=2, padding="same")]
    ['groups_out', 'same_stride']
    """
    size, k = positive_pair(in_size, "in_size"), positive_pair(kernel, "kernel")
    s, d = positive_pair(stride, "stride"), positive_pair(dilation, "dilation")
    found = _groups_advice(in_channels, out_channels, groups)
    if padding == "same" and s != (1, 1):
        found.append(Advice("same_stride", {"stride": s}))
        s = (1, 1)  # judge the rest as if the stride were fixed
    pads = resolve_padding(padding, k, s, d, padding_mode)
    for axis in range(2):
        found += _axis_advice(
            AXES[axis], size[axis], k[axis], d[axis], pads[2 * axis : 2 * axis + 2], padding_mode
        )
    return tuple(found)


def conv_transpose2d_advice(
    in_channels: int,
    out_channels: int,
    groups: int,
    in_size: IntOrPair,
    kernel: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> tuple[Advice, ...]:
    """Every reason :func:`convcore.conv_transpose2d_geometry` would reject this configuration.

    As for :func:`conv2d_advice`, sizes, strides and dilations are taken as positive and the
    paddings as non-negative.

    Examples
    --------
    >>> [a.code for a in conv_transpose2d_advice(1, 1, 1, (3, 3), (3, 3), stride=2)]
    []
    >>> advice, = conv_transpose2d_advice(1, 1, 1, 3, 3, stride=2, output_padding=(0, 2))
    >>> advice.code, advice.values["axis"], advice.values["max"]
    ('output_padding_too_big', 'width', 1)
    >>> advice, = conv_transpose2d_advice(1, 1, 1, 1, 1, padding=(1, 0))
    >>> advice.code, advice.values["size"], advice.values["max_padding"]
    ('output_too_small', -1, 0)
    """
    size, k = positive_pair(in_size, "in_size"), positive_pair(kernel, "kernel")
    s, d = positive_pair(stride, "stride"), positive_pair(dilation, "dilation")
    p, op = nonnegative_pair(padding, "padding"), nonnegative_pair(output_padding, "output_padding")
    found = _groups_advice(in_channels, out_channels, groups)
    for axis in range(2):
        if op[axis] >= max(s[axis], d[axis]):
            found.append(
                Advice(
                    "output_padding_too_big",
                    {
                        "axis": AXES[axis],
                        "output_padding": op[axis],
                        "stride": s[axis],
                        "dilation": d[axis],
                        "max": max(s[axis], d[axis]) - 1,
                    },
                )
            )
        # (H − 1)s − 2p + d(k − 1) + output_padding + 1: what is left once p is cropped
        covered = (size[axis] - 1) * s[axis] + d[axis] * (k[axis] - 1) + op[axis]
        if covered - 2 * p[axis] + 1 < 1:
            found.append(
                Advice(
                    "output_too_small",
                    {
                        "axis": AXES[axis],
                        "size": covered - 2 * p[axis] + 1,
                        "padding": p[axis],
                        "max_padding": covered // 2,
                    },
                )
            )
    return tuple(found)


def _groups_advice(in_channels: int, out_channels: int, groups: int) -> list[Advice]:
    """Groups that do not divide a channel count, with the counts that divide both."""
    return [
        Advice(
            code,
            {
                "groups": groups,
                "channels": channels,
                "divisors": _common_divisors(in_channels, out_channels),
            },
        )
        for code, channels in (("groups_in", in_channels), ("groups_out", out_channels))
        if channels % groups
    ]


def _axis_advice(
    axis: str, size: int, k: int, d: int, pads: tuple[int, ...], mode: str
) -> list[Advice]:
    """Problems along one axis: padding the mode cannot build, a kernel that does not fit."""
    found = []
    widest, limit = max(pads), widest_padding(mode, size)
    if limit is not None and widest > limit:  # reflect_too_wide, circular_too_wide
        values = {"axis": axis, "padding": widest, "size": size, "max_padding": limit}
        found.append(Advice(f"{mode}_too_wide", values))
    padded, extent = size + sum(pads), dilated_extent(k, d)
    if extent > padded:
        found.append(
            Advice(
                "kernel_too_big",
                {
                    "axis": axis,
                    "kernel": k,
                    "dilation": d,
                    "extent": extent,
                    "padded": padded,
                    "min_padding": -(-(extent - size) // 2),
                    "max_dilation": 0 if k > padded else (padded - 1) // (k - 1),
                },
            )
        )
    return found


def _common_divisors(a: int, b: int) -> tuple[int, ...]:
    """The group counts that divide both channel counts."""
    return tuple(g for g in range(1, min(a, b) + 1) if a % g == 0 and b % g == 0)


def pool2d_advice(
    in_size: IntOrPair,
    kernel: IntOrPair,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> tuple[Advice, ...]:
    """Every reason :func:`convcore.pool2d_geometry` would reject this pooling, per axis.

    Sizes and dilations are taken as positive and padding as non-negative (the form's
    checks). Padding may be at most half the window; the dilated window must fit the padded
    input. The stride and ``ceil_mode`` never make a pooling invalid on their own.

    Examples
    --------
    >>> [(a.code, a.values["max_padding"]) for a in pool2d_advice(4, 3, padding=(2, 1))]
    [('pool_padding_too_wide', 1)]
    >>> advice, = pool2d_advice((2, 5), 3)
    >>> advice.code, advice.values["max_kernel"], advice.values["min_padding"]
    ('window_too_big', 2, 1)
    """
    size, k = positive_pair(in_size, "in_size"), positive_pair(kernel, "kernel")
    p, d = as_pair(padding, "padding"), positive_pair(dilation, "dilation")
    found = []
    for axis in range(2):
        n, ka, pa, da = size[axis], k[axis], p[axis], d[axis]
        if pa > ka // 2:
            found.append(
                Advice(
                    "pool_padding_too_wide",
                    {"axis": AXES[axis], "padding": pa, "kernel": ka, "max_padding": ka // 2},
                )
            )
        extent, padded = dilated_extent(ka, da), n + 2 * pa
        if extent > padded:
            found.append(
                Advice(
                    "window_too_big",
                    {
                        "axis": AXES[axis],
                        "kernel": ka,
                        "dilation": da,
                        "extent": extent,
                        "padded": padded,
                        "max_kernel": _largest_window(n, pa, da),
                        "max_dilation": 0 if ka > padded else (padded - 1) // (ka - 1),
                        "min_padding": _least_padding(n, ka, da),
                    },
                )
            )
    return tuple(found)


def _largest_window(size: int, padding: int, dilation: int) -> int:
    """The widest window that fits ``size`` padded by ``padding`` and allows that padding."""
    widest = (size + 2 * padding - 1) // dilation + 1
    return widest if padding <= widest // 2 else 0


def _least_padding(size: int, kernel: int, dilation: int) -> int:
    """The least padding that makes the window fit, within half the window; 0 for none."""
    need = -(-(dilated_extent(kernel, dilation) - size) // 2)
    return need if 0 < need <= kernel // 2 else 0
