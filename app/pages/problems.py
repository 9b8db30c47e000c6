"""Why a page cannot show a configuration, said next to the control to change, in its language.

Three sources, one shape (:class:`Problems`):

- a field the query model rejects (pydantic): a message per control, worded here
  (:func:`field_problems`), since pydantic's own messages are English and name no bounds a
  student sees;
- a typed cell left empty or not a number: a message in the grid's status line, the cell
  itself marked, so the board does not move while the student types;
- a configuration convcore rejects: the page's advice (what to change, from
  :mod:`convcore.advice`), and convcore's own message, next to the control of the argument
  it names (``err.params[0]``) and translated from its template when the catalogue has it
  (:func:`convcore_message`).

Messages are kept as a catalogue template and its values; the templates translate them
(``_(m.template, **m.values)``), so the same problem reads in English and in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from app.i18n import N_
from app.pages.params import arg_of, bounds
from app.pages.query import CELL_BOUND, LIST_FIELDS, SHAPE_FIELDS
from convcore.advice import Advice
from convcore.errors import ConvcoreError

Gettext = Callable[[str], str]

#: Controls whose messages appear in their grid's status line instead of the form.
CELL_CONTROLS = ("input", "weight")


@dataclass(frozen=True)
class Message:
    """One thing to change: a catalogue ``template`` with ``values``, an advice, or a text.

    ``text`` is already in the page's language (convcore's message, translated in Python).
    """

    template: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    advice: Advice | None = None
    text: str | None = None
    engine: bool = False  # convcore's own words (beside the page's advice, when there is one)


@dataclass
class Problems:
    """Everything wrong with a query, placed where the page shows it."""

    inline: dict[str, list[Message]] = field(default_factory=dict)  # control → messages
    cells: dict[str, list[int]] = field(default_factory=dict)  # grid control → bad cells
    general: list[Message] = field(default_factory=list)  # the message box
    detail: str = ""  # convcore's message when it names no control
    detail_translated: bool = False  # the catalogue has convcore's template
    raw: dict[str, Any] = field(default_factory=dict)  # rejected URL fields as received
    axes: tuple[Any, ...] = ()  # the output-size formulas, when they help

    def __bool__(self) -> bool:
        return bool(self.inline or self.cells or self.general or self.detail)

    def add(self, control: str | None, message: Message) -> None:
        """Put ``message`` next to ``control``, or in the message box for None."""
        if control is None:
            self.general.append(message)
        else:
            self.inline.setdefault(control, []).append(message)

    @property
    def boxed(self) -> bool:
        """The message box is needed: something besides typed cells is wrong.

        A half-typed cell is said in its grid's status line only, so that nothing on the
        board moves while the student types.
        """
        return bool(self.general or self.detail or any(c not in CELL_CONTROLS for c in self.inline))

    @property
    def url_fields_rejected(self) -> bool:
        """A field or cell of the query is unusable: its URL must not be pushed."""
        return bool(self.raw or self.cells)


def field_problems(
    err: ValidationError,
    model: type[BaseModel],
    fields: Mapping[str, object],
    control_of: Callable[[str], str | None],
    cell_name: Callable[[str, int], str] = lambda _name, index: str(index),
) -> Problems:
    """The rejected fields of a query, each worded with its bounds, next to its control.

    ``cell_name(url_name, index)`` names a typed cell as the page labels it (``w[0, 1]``).
    """
    problems = Problems()
    for error in err.errors(include_url=False):
        loc = error["loc"]
        if not loc:
            problems.add(None, Message(N_("The address is not a valid query.")))
            continue
        name = str(loc[0])
        problems.raw[name] = fields.get(name)
        control = control_of(name)
        if name in LIST_FIELDS and name not in SHAPE_FIELDS and len(loc) > 1:
            index = int(loc[1])
            problems.cells.setdefault(control or name, []).append(index)
            problems.add(control, _cell_message(error, cell_name(name, index)))
            continue
        problems.add(control, _field_message(error, name, model))
    return problems


def _cell_message(error: Any, name: str) -> Message:
    """A typed cell that is not a number (or too large)."""
    values = {"cell": name, "bound": f"{CELL_BOUND:g}", "value": _shown(error.get("input"))}
    return Message(N_("%(cell)s: type a number between −%(bound)s and %(bound)s."), values)


def _field_message(error: Any, name: str, model: type[BaseModel]) -> Message:
    """A rejected field, worded from its type of error and the field's bounds."""
    kind = error["type"]
    received = _shown(error.get("input"))
    info = model.model_fields.get(name)
    lo, hi = bounds(info) if info is not None else (None, None)
    if name in LIST_FIELDS:
        return Message(N_("Too many values (%(value)s)."), {"value": received})
    if kind in ("greater_than_equal", "less_than_equal") and lo is not None and hi is not None:
        return Message(
            N_("%(value)s is out of range: use a whole number from %(lo)s to %(hi)s."),
            {"value": received, "lo": lo, "hi": hi},
        )
    if kind.startswith("int") and lo is not None and hi is not None and not received.strip():
        return Message(N_("Type a whole number from %(lo)s to %(hi)s."), {"lo": lo, "hi": hi})
    if kind.startswith("int") and lo is not None and hi is not None:
        return Message(
            N_("“%(value)s” is not a whole number: use one from %(lo)s to %(hi)s."),
            {"value": received, "lo": lo, "hi": hi},
        )
    if kind.startswith("bool"):
        return Message(N_("Use 1 (on) or 0 (off), not “%(value)s”."), {"value": received})
    if kind in ("literal_error", "value_error", "enum"):
        return Message(N_("“%(value)s” is not one of the choices."), {"value": received})
    return Message(N_("“%(value)s” cannot be used here."), {"value": received})


def _shown(value: Any) -> str:
    """A received value as quoted in a message (a list by its length)."""
    if isinstance(value, list):
        return str(len(value))
    return "" if value is None else str(value)


def convcore_message(err: ConvcoreError, gettext: Gettext) -> str:
    """convcore's message in the page's language when the catalogue has its template.

    ``gettext(err.template).format(**err.values)``; English when the template is not in the
    catalogue (or a translation drops a field it names).
    """
    template = gettext(err.template)
    if template == err.template:
        return str(err)
    try:
        return template.format(**err.values)
    except (KeyError, IndexError, ValueError):
        return str(err)


def place_convcore_error(
    problems: Problems,
    err: ConvcoreError,
    gettext: Gettext,
    control_of: Callable[[str], str | None],
) -> None:
    """Put convcore's message next to the control of the argument it names first.

    Without a named argument (or one the page has no control for) it goes to the message
    box, as "convcore says: …".
    """
    text = convcore_message(err, gettext)
    control = control_of(err.params[0]) if err.params else None
    if control is None:
        problems.detail = text
        problems.detail_translated = gettext(err.template) != err.template
    else:
        problems.add(control, Message(text=text, engine=True))


def control_for(op_options: tuple[str, ...], page_fields: Mapping[str, tuple[str, ...]]) -> Any:
    """A function from a URL name or an argument name to the control that shows it.

    The operation's own options come first (for a pool, ``kh`` is ``kernel_size``); then the
    page's controls (for conv2d, ``kh`` is the kernel's size); then the tensors, which are
    their own controls (``input``, ``weight``, ``bias``).
    """
    by_name: dict[str, str] = {}
    for control, names in page_fields.items():
        for name in names:
            by_name[name] = control
    options = set(op_options)

    def control_of(name: str) -> str | None:
        arg = arg_of(name)
        if name in options:
            return name
        if arg in options:
            return arg
        if name in by_name:
            return by_name[name]
        if name in ("input", "weight", "bias"):
            return name
        return None

    return control_of
