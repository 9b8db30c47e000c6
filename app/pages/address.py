"""The canonical URL of a page's view: only what differs from the defaults, in a fixed order.

A page's config says which fields its view has (``fields()``); :class:`Address` turns them
into the URL. The links a page draws many of (every step, every tab, the language switch)
change only the *outer* fields, which come first (``lang``) or last (the others); the
fields in between are encoded once per render.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlencode

from app.pages.params import put


class Address:
    """A mixin for a page's frozen config dataclass holding ``query`` (its page query).

    Subclasses define :meth:`fields` (the canonical fields, outer ones included) and may
    widen :attr:`OUTER` (conv2d adds the shift-add tab's ``tap``).
    """

    #: The fields the page's links change: ``lang`` first, the others last, in this order.
    OUTER: ClassVar[tuple[str, ...]] = ("lang", "present", "tab", "t")

    query: Any

    def fields(self, **changes: Any) -> dict[str, str]:
        """The canonical query of the view with ``changes``, in a fixed order."""
        raise NotImplementedError

    def url(self, base: str, **changes: Any) -> str:
        """The canonical URL of this view, or of the view with ``changes`` applied."""
        if changes.keys() <= set(self.OUTER):
            q = self.query
            defaults = query_defaults(type(q))
            outer: dict[str, str] = {}
            for name in self.OUTER:
                put(outer, name, changes.get(name, getattr(q, name)), getattr(defaults, name))
            parts = [urlencode({k: v}) for k, v in outer.items()]
            if self._middle:
                parts.insert(1 if "lang" in outer else 0, self._middle)
            return base + ("?" + "&".join(parts) if parts else "")
        fields = self.fields(**changes)
        return base + ("?" + urlencode(fields, safe=",") if fields else "")

    @cached_property
    def _middle(self) -> str:
        """The encoded canonical fields other than the outer ones."""
        fields = {k: v for k, v in self.fields().items() if k not in self.OUTER}
        return urlencode(fields, safe=",")


def query_defaults(model: type[Any]) -> Any:
    """A page query model's defaults (an instance built from nothing)."""
    return model()
