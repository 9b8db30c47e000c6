"""The one exception type convcore raises for bad arguments."""


class ConvcoreError(ValueError):
    """An argument, or a combination of arguments, that the operation cannot accept.

    Every message names the argument and quotes the values received, so that a student
    can act on it without reading the source. It subclasses ``ValueError`` so that code
    written against numpy conventions keeps working.

    Examples
    --------
    >>> import convcore as cc
    >>> try:
    ...     cc.conv2d([[1.0, 2.0]], [[1.0, 1.0, 1.0]])
    ... except cc.ConvcoreError as err:
    ...     print(err)
    kernel 1×3 (dilated 1×3) does not fit the padded input 1×2
    """
