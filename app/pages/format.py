"""How numbers look on the page: short, with a real minus sign, and a colour band for each.

Colour is a second channel only (every cell shows its number); the bands form a diverging
scale, blue below zero and red above, relative to the largest magnitude in the grid.
"""

from __future__ import annotations

import math

#: Number of colour bands on each side of zero.
BANDS = 4


def num(value: float) -> str:
    """Display text: integers as they are, others to 4 significant digits; U+2212 minus.

    >>> num(19.0), num(-0.5), num(1 / 9), num(-0.0), num(123456.0)
    ('19', '−0.5', '0.1111', '0', '123456')
    """
    if not math.isfinite(value):
        return "∞" if value > 0 else "−∞" if value < 0 else "NaN"
    text = str(int(value)) if value == int(value) and abs(value) < 10000000.0 else f"{value:.4g}"
    return text.replace("-", "−")


def short(value: float) -> str:
    """A cell's text, at most about 6 characters: integers as they are, others to 3 digits.

    The exact value stays in the cell's field (or ``data-value``); this is what fits the cell.

    >>> short(19.0), short(1 / 9), short(-1 / 3), short(-0.0625), short(123456.0), short(1e7)
    ('19', '0.111', '−0.333', '−0.0625', '123456', '1e+07')
    """
    if not math.isfinite(value):
        return num(value)
    if value == int(value) and abs(value) < 1_000_000:
        return str(int(value)).replace("-", "−")
    return f"{value:.3g}".replace("-", "−")


def term(value: float) -> str:
    """A factor in a product: negative numbers in parentheses, ``(−1)``.

    >>> term(-1.0), term(2.0)
    ('(−1)', '2')
    """
    text = num(value)
    return f"({text})" if text.startswith("−") else text


def tone(value: float, scale: float) -> str:
    """The colour band of ``value`` on a scale ending at ``scale``: ``n4`` … ``z`` … ``p4``.

    >>> tone(0.0, 9.0), tone(9.0, 9.0), tone(-1.0, 9.0), tone(2.0, 0.0)
    ('z', 'p4', 'n1', 'z')
    """
    if value == 0 or scale <= 0 or not math.isfinite(value):
        return "z"
    band = min(BANDS, max(1, math.ceil(BANDS * abs(value) / scale)))
    return f"{'p' if value > 0 else 'n'}{band}"


def number_text(value: float) -> str:
    """The shortest text that reads back as ``value``: ``3``, ``-0.5``, ``0.1111111111111111``.

    >>> number_text(3.0), number_text(-0.5), number_text(1e-7)
    ('3', '-0.5', '1e-07')
    """
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))
