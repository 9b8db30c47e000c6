"""What the shared form macros read: each field's value, bounds and messages.

The bounds of a number field (its ``min`` and ``max``) come from the page's query model, so
the form and the server check the same limits (:data:`app.pages.params.PAGE_LIMITS`). A
field the server rejected shows the value as the student typed it, marked invalid, with the
message next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.pages.params import bounds
from app.pages.problems import Message, Problems
from app.pages.query import PageQuery


@dataclass(frozen=True)
class Form:
    """The form of one page view."""

    query: PageQuery
    problems: Problems
    control_of: Callable[[str], str | None]

    def value(self, name: str) -> str:
        """The field's value as the form shows it (as received when it was rejected)."""
        if name in self.problems.raw:
            raw = self.problems.raw[name]
            return "" if raw is None else str(raw)
        value = getattr(self.query, name)
        if isinstance(value, bool):
            return "1" if value else "0"
        return "" if value is None else str(value)

    def lo(self, name: str) -> int | None:
        """The field's smallest value."""
        return self._bounds(name)[0]

    def hi(self, name: str) -> int | None:
        """The field's largest value."""
        return self._bounds(name)[1]

    def _bounds(self, name: str) -> tuple[int | None, int | None]:
        info = type(self.query).model_fields.get(name)
        return bounds(info) if info is not None else (None, None)

    def messages(self, control: str) -> list[Message]:
        """What to change about ``control``."""
        return self.problems.inline.get(control, [])

    def invalid(self, name: str) -> bool:
        """The field (by URL name) was rejected, or its control has a problem that no one
        field of it was rejected for (the pair of stride fields when convcore refuses it)."""
        if name in self.problems.raw:
            return True
        control = self.control_of(name)
        if control is None:
            return False
        return bool(self.messages(control)) and not self.bad_fields(control)

    def bad_fields(self, control: str) -> str:
        """The control's rejected fields, space-separated (for the page's script)."""
        return " ".join(n for n in self.problems.raw if self.control_of(n) == control)

    def bad_cells(self, control: str) -> str:
        """The grid's rejected cells as ``name:index`` words, for the page's script."""
        field = {"input": "x", "weight": "k", "bias": "b"}.get(control, control)
        return " ".join(f"{field}:{i}" for i in self.problems.cells.get(control, []))
