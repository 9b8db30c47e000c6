"""Output-size arithmetic for every operation, one axis at a time."""

from __future__ import annotations


def conv_output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """Output length of a convolution along one axis: ⌊(n + p − d(k−1) − 1)/s⌋ + 1.

    ``pad_total`` is the padding on both sides together (``2p`` for symmetric padding).
    The result is below 1 when the dilated kernel does not fit the padded input.

    Examples
    --------
    >>> conv_output_size(5, 3, stride=2, pad_total=2, dilation=1)
    3
    >>> conv_output_size(3, 2, stride=1, pad_total=0, dilation=1)
    2
    """
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def dilated_extent(kernel: int, dilation: int) -> int:
    """Span of a dilated kernel along one axis: d(k−1) + 1.

    Examples
    --------
    >>> dilated_extent(3, 2)
    5
    """
    return dilation * (kernel - 1) + 1


def same_padding(kernel: int, dilation: int) -> tuple[int, int]:
    """Padding (before, after) that keeps the size at stride 1; the odd cell goes after.

    Examples
    --------
    >>> same_padding(4, 1)
    (1, 2)
    >>> same_padding(3, 2)
    (2, 2)
    """
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2
