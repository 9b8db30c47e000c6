"""The one exception type convcore raises for bad arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ConvcoreError(ValueError):
    """An argument, or a combination of arguments, that the operation cannot accept.

    Every message names the argument and quotes the values received, so that a student
    can act on it without reading the source. It subclasses ``ValueError`` so that code
    written against numpy conventions keeps working.

    The error is structured as well as readable: ``template`` is the message with ``{name}``
    fields, ``values`` fills them in, and ``params`` names the arguments at fault (the first
    one is the argument to change). So the API can point a 422's ``loc`` at the field, a page
    can put the message next to its control, and a translation can reword the template:
    ``gettext(err.template).format(**err.values)``. Templates are literal strings at the raise
    site so that Babel extracts them (keyword ``ConvcoreError``).

    Parameters
    ----------
    template : str
        The message, with ``{name}`` fields for ``values``.
    params : str or sequence of str
        The argument(s) the message is about, by the operation's own names (``'stride'``,
        ``'weight'``); empty when it is about the call as a whole.
    **values
        The values quoted in the message.

    Examples
    --------
    >>> import convcore as cc
    >>> try:
    ...     cc.conv2d([[1.0, 2.0]], [[1.0, 1.0, 1.0]])
    ... except cc.ConvcoreError as err:
    ...     print(err)
    kernel 1×3 (dilated 1×3) does not fit the padded input 1×2
    >>> err = ConvcoreError("stride must be positive, got stride={stride}", "stride", stride=0)
    >>> str(err), err.params, err.values
    ('stride must be positive, got stride=0', ('stride',), {'stride': 0})
    """

    def __init__(self, template: str, params: str | Sequence[str] = (), **values: Any) -> None:
        self.template = template
        self.values = values
        self.params: tuple[str, ...] = (params,) if isinstance(params, str) else tuple(params)
        super().__init__(template.format(**values) if values else template)

    def with_params(self, params: str | Sequence[str]) -> ConvcoreError:
        """The same message about other arguments (a rule that turns out to involve more).

        >>> err = ConvcoreError("stride must be positive, got stride={stride}", "stride", stride=0)
        >>> err.with_params(("stride", "padding")).params
        ('stride', 'padding')
        """
        return ConvcoreError(self.template, params, **self.values)

    @property
    def message(self) -> str:
        """The message with the values in (``str(err)``)."""
        return str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        # keep params and values across pickling (a process pool, pytest-xdist)
        return (_rebuild, (self.template, self.params, self.values))


def _rebuild(template: str, params: tuple[str, ...], values: dict[str, Any]) -> ConvcoreError:
    return ConvcoreError(template, params, **values)
