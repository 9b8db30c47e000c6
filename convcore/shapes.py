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


def conv_transpose_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, output_padding: int = 0
) -> int:
    """Output length of a transposed convolution along one axis.

    ``(n − 1)s − 2p + d(k − 1) + output_padding + 1``: the input cells stamp the dilated
    kernel ``s`` apart, ``padding`` is cropped from each side and ``output_padding`` adds
    cells at the end. The result is below 1 when the padding crops everything.

    Examples
    --------
    >>> conv_transpose_output_size(2, 3, stride=1, padding=0, dilation=1)
    4
    >>> conv_transpose_output_size(3, 3, stride=2, padding=1, dilation=1, output_padding=1)
    6
    """
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    """Output length of a max or average pooling along one axis, by torch's rule.

    ``⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1``, rounded up instead under ``ceil_mode``; but a
    last window that would start in the right padding is dropped, so every window starts
    inside the input or its left padding. Below 1 when the window does not fit.

    Examples
    --------
    >>> pool_output_size(5, 2, stride=2, padding=0, dilation=1, ceil_mode=False)
    2
    >>> pool_output_size(5, 2, stride=2, padding=0, dilation=1, ceil_mode=True)
    3
    >>> pool_output_size(5, 3, stride=3, padding=1, dilation=1, ceil_mode=True)  # not 3
    2
    """
    reach = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (reach + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out
