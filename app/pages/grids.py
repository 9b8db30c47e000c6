"""What each cell of the stepper's grids and matrices shows, as plain data for the templates.

A 16×16 input under a 7×7 kernel puts over a thousand cells on the page, each with a few
attributes. Working their texts out in Jinja (a filter, a translation and a lookup per value)
was most of the page's render time, so here every cell becomes a tuple of ready strings:
the value as shown and exactly, its colour band, its state, its label (translated, not
escaped: the templates escape everything), its id. The templates
(``templates/partials/cells.html``) only loop over them and print; they unpack each tuple
into its fields' names, in order, so a field is added or moved in both places. The big
grids make their cells with ``tuple.__new__(Cell, (...))``, the named tuple without the
Python-level call of its constructor (a tenth of the cost, thousands of times a page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from app.pages.format import num, number_text, short, term, tone
from app.pages.highlight import Marks
from convcore.trace import ConvTap


@dataclass(frozen=True)
class CellTexts:
    """The translated words the cells' labels use (``%``-format strings of the catalogue)."""

    padding_copies: str
    padding: str
    zero_padding: str
    copy_of: str
    outside: str
    inserted_zero: str

    @classmethod
    def translated(cls, gettext: Callable[[str], str]) -> CellTexts:
        """The texts in the language of ``gettext``."""
        return cls(
            padding_copies=gettext("padding, copies %(src)s = %(v)s"),
            padding=gettext("padding, %(v)s"),
            zero_padding=gettext("zero padding"),
            copy_of=gettext("copy of"),
            outside=gettext("past the padding (ceil_mode), %(v)s"),
            inserted_zero=gettext("inserted zero"),
        )


#: A matrix is shown whole up to this many entries; beyond, a band or a row around the step.
FULL_MATRIX = 1600


def zero_or_not(_i: int, value: float) -> str:
    """A matrix cell's class: the zeros fade."""
    return "zero" if value == 0 else "nz"


class Numbers:
    """Display texts, exact text and colour band of values, each worked out once per render.

    Grids repeat values (padding, presets, integer inputs), so a memo saves most calls.

    >>> numbers = Numbers()
    >>> numbers.text(-2.0), numbers.cell(1 / 3), numbers.tone(-2.0, 4.0)
    (('−2', '-2'), ('0.333', '0.3333333333333333'), 'n2')
    """

    def __init__(self) -> None:
        self._texts: dict[float, tuple[str, str]] = {}
        self._cells: dict[float, tuple[str, str]] = {}
        self._tones: dict[tuple[float, float], str] = {}

    def text(self, value: float) -> tuple[str, str]:
        """(as written in sums, exactly) for ``value``."""
        found = self._texts.get(value)
        if found is None:
            found = self._texts[value] = (num(value), number_text(value))
        return found

    def cell(self, value: float) -> tuple[str, str]:
        """(as shown in a grid cell, exactly) for ``value``."""
        found = self._cells.get(value)
        if found is None:
            found = self._cells[value] = (short(value), number_text(value))
        return found

    def tone(self, value: float, scale: float) -> str:
        """The colour band of ``value`` on a scale ending at ``scale``."""
        found = self._tones.get((value, scale))
        if found is None:
            found = self._tones[(value, scale)] = tone(value, scale)
        return found


class InputCell(NamedTuple):
    """A padded-input cell: an input field (``field``) or a padding cell."""

    field: bool
    cls: str  # colour band (fields) or ``pad``, then the step's marks (`` tap``, `` gap``)
    badge: str  # the weight a tap shows, '' for none
    value: str  # exactly
    text: str  # as shown
    label: str  # aria-label (and title of a padding cell)
    id: str  # the field's id
    src: str  # the input cell a padding cell copies, '' for none


class KernelCell(NamedTuple):
    """A kernel weight's field."""

    cls: str
    value: str
    text: str
    id: str
    label: str


class OutputCell(NamedTuple):
    """An output cell: computed, this step's (`` cur``) or to come (`` todo``, value hidden)."""

    cls: str
    value: str
    text: str
    label: str
    badge: str = ""  # what the step adds here (a stamp's cell), '' for none


class ValueCell(NamedTuple):
    """A matrix cell: its class and column ('' for none), value exactly and as shown."""

    cls: str
    col: str  # data-col (im2col's columns), '' for none
    value: str
    text: str


class MatrixRow(NamedTuple):
    """A matrix row headed by its index (``head``); ``kind`` (its class), ``row`` '' for none."""

    kind: str
    row: str  # data-row
    head: str
    cells: list[ValueCell]


class Term(NamedTuple):
    """One product of the step's sum, ``x×w``: exact factors, then as shown."""

    cls: str
    value: str
    weight: str
    text: str


class TapRow(NamedTuple):
    """A row of the loop tab's table: a tap's indices, what it reads, and its numbers."""

    kind: str
    number: int
    kernel: str
    padded: str
    reads: str
    value: str
    weight: str
    product: str
    running_sum: str


@dataclass(frozen=True)
class InputPlane:
    """One padded input channel (see :func:`input_cells`)."""

    channel: int
    prefix: tuple[int, ...]  # the channel index in cell names, () for a single channel
    values: list[list[float]]  # (Hp, Wp), padded
    sources: tuple[list[int], list[int]]  # per padded row / column: input index, -1 = none
    pads: tuple[int, int]  # (top, left)
    size: tuple[int, int]  # the input's (H, W)
    scale: float
    marks: Marks  # the step's marks on this grid
    #: (rows, columns) of the padded input proper: cells at or past them are the overhang
    #: of a ceil_mode pooling window (class ``out``); None when there is none
    edge: tuple[int, int] | None = None


def input_cells(plane: InputPlane, numbers: Numbers, texts: CellTexts) -> list[list[InputCell]]:
    """The rows of a padded input grid.

    Inner cells are number fields (``name="x"``, in the form); padding cells show the value
    they copy and, under a copying mode, name its source in their label and ``data-from``;
    cells past :attr:`InputPlane.edge` are marked as what a window hangs over.
    """
    marks = plane.marks
    unmarked = ("", "")
    rows_src, cols_src = plane.sources
    top, left = plane.pads
    height, width = plane.size
    edge_rows, edge_cols = plane.edge or (len(plane.values), len(plane.values[0]))
    prefix = "".join(f"{p}, " for p in plane.prefix)
    rows = []
    for r, line in enumerate(plane.values):
        cells = []
        inner_row = 0 <= r - top < height
        for col, value in enumerate(line):
            text, raw = numbers.cell(value)
            mark, badge = marks.get((r, col), unmarked) if marks else unmarked
            if inner_row and 0 <= col - left < width:
                i, j = r - top, col - left
                cells.append(
                    tuple.__new__(
                        InputCell,
                        (
                            True,
                            numbers.tone(value, plane.scale) + mark,
                            badge,
                            raw,
                            text,
                            f"x[{prefix}{i}, {j}]",
                            f"x-{plane.channel}-{i}-{j}",
                            "",
                        ),
                    )
                )
                continue
            if r >= edge_rows or col >= edge_cols:
                label = texts.outside % {"v": text}
                cells.append(
                    tuple.__new__(
                        InputCell, (False, "pad out" + mark, badge, raw, text, label, "", "")
                    )
                )
                continue
            sy, sx = rows_src[r], cols_src[col]
            src = f"x[{prefix}{sy}, {sx}]" if sy >= 0 and sx >= 0 else ""
            label = (
                texts.padding_copies % {"src": src, "v": text}
                if src
                else texts.padding % {"v": text}
            )
            cells.append(
                tuple.__new__(InputCell, (False, "pad" + mark, badge, raw, text, label, "", src))
            )
        rows.append(cells)
    return rows


def kernel_cells(
    values: list[list[float]], base: int, prefix: tuple[int, ...], scale: float, numbers: Numbers
) -> list[list[KernelCell]]:
    """The rows of one kernel grid: a number field per weight (``name="k"``).

    ``base`` is the flat index of the grid's first weight in the whole kernel (the fields'
    ids), ``prefix`` the (output, input) channel in the labels, () for a single kernel.
    """
    head = "".join(f"{p}, " for p in prefix)
    width = len(values[0]) if values else 0
    rows = []
    for r, line in enumerate(values):
        cells = []
        for c, value in enumerate(line):
            text, exact = numbers.cell(value)
            cells.append(
                KernelCell(
                    numbers.tone(value, scale),
                    exact,
                    text,
                    f"k-{base + r * width + c}",
                    f"w[{head}{r}, {c}]",
                )
            )
        rows.append(cells)
    return rows


def output_cells(
    values: list[list[float]],
    first: int,
    t: int,
    prefix: tuple[int, ...],
    scale: float,
    numbers: Numbers,
    name: str = "y",
) -> list[list[OutputCell]]:
    """The rows of one output grid: every value, those of steps after ``t`` marked to come.

    ``first`` is the step of the grid's first cell; the cells fill in reading order. Cells
    are labelled ``name[prefix…, row, col]``.
    """
    head = "".join(f"{p}, " for p in prefix)
    width = len(values[0]) if values else 0
    rows = []
    for y, line in enumerate(values):
        cells = []
        for x, value in enumerate(line):
            number = first + y * width + x
            mark = " todo" if number > t else " cur" if number == t else ""
            text, exact = numbers.cell(value)
            cells.append(
                tuple.__new__(
                    OutputCell,
                    (numbers.tone(value, scale) + mark, exact, text, f"{name}[{head}{y}, {x}]", ""),
                )
            )
        rows.append(cells)
    return rows


def value_cells(
    values: Sequence[float],
    numbers: Numbers,
    classes: Callable[[int, float], str] | None = None,
    columns: Sequence[int] | None = None,
) -> list[ValueCell]:
    """Cells showing ``values``.

    ``classes(i, value)`` gives a cell's class, ``columns`` the cells' ``data-col``.
    """
    cells = []
    for i, value in enumerate(values):
        text, raw = numbers.text(value)
        cells.append(
            tuple.__new__(
                ValueCell,
                (
                    classes(i, value) if classes is not None else "",
                    str(columns[i]) if columns is not None else "",
                    raw,
                    text,
                ),
            )
        )
    return cells


def value_rows(
    plane: Sequence[Sequence[float]],
    numbers: Numbers,
    classes: Callable[[int, float], str] | None = None,
) -> list[list[ValueCell]]:
    """Rows of :func:`value_cells`."""
    return [value_cells(line, numbers, classes) for line in plane]


def terms(taps: Sequence[ConvTap], numbers: Numbers) -> list[Term]:
    """The step's products, ``0×1``, each marked when it reads no input cell (padding, or a
    zero inserted by a transposed convolution)."""
    return [
        Term(
            "term" if tap.kind == "input" else "term padterm",
            numbers.text(tap.value)[1],
            numbers.text(tap.weight)[1],
            f"{term(tap.value)}×{term(tap.weight)}",
        )
        for tap in taps
    ]


def tap_rows(
    taps: Sequence[ConvTap], channels: bool, numbers: Numbers, texts: CellTexts
) -> list[TapRow]:
    """The loop tab's table: each tap's indices, where it reads, its product and sum.

    With several input ``channels``, the padded cell and the cell read start with the
    input channel (the weight's ``c`` counts within the group).
    """
    rows = []
    for number, tap in enumerate(taps, start=1):
        head = f"{tap.channel}, " if channels else ""
        if tap.kind == "inserted":
            reads = texts.inserted_zero
        elif tap.source is None:
            reads = texts.zero_padding
        else:
            where = head + ", ".join(map(str, tap.source))
            reads = f"{texts.copy_of} {where}" if tap.kind == "padding" else where
        rows.append(
            TapRow(
                tap.kind,
                number,
                ", ".join(map(str, tap.kernel)),
                head + ", ".join(map(str, tap.padded)),
                reads,
                numbers.text(tap.value)[0],
                numbers.text(tap.weight)[0],
                numbers.text(tap.product)[0],
                numbers.text(tap.running_sum)[0],
            )
        )
    return rows


def products(pairs: Iterable[tuple[float, float]]) -> str:
    """``a×b + c×d + …`` with negative factors in parentheses; ``0`` for no pairs.

    >>> products([(0.0, 1.0), (-2.0, 3.0)])
    '0×1 + (−2)×3'
    """
    return " + ".join(f"{term(a)}×{term(b)}" for a, b in pairs) or "0"
