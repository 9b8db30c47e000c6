"""The oracle: the same calls made through ``torch.nn.functional``, torch imported lazily.

These wrappers convert numpy in and out and otherwise leave every check to torch, so that
the tests compare convcore's verdicts with torch's own. The tutorial's 2-D ``(H, W)`` form,
which torch does not have, is sent as one channel of one sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _torch() -> Any:
    import torch  # heavy: imported on first use only

    return torch


def torch_version() -> str:
    """The installed torch version, e.g. ``'2.13.0+cpu'``."""
    return str(_torch().__version__)


def set_threads(threads: int) -> None:
    """Let torch use ``threads`` intra-op threads (a server checking small calls wants 1).

    Examples
    --------
    >>> import torch
    >>> set_threads(torch.get_num_threads())  # unchanged
    """
    _torch().set_num_threads(threads)


def _array(value: ArrayLike) -> NDArray[np.floating]:
    """float32 kept, anything else float64; C order, so that torch can share the memory."""
    array = np.asarray(value)
    if array.dtype != np.float32:
        array = array.astype(np.float64, copy=False)
    # not np.ascontiguousarray: it turns a 0-d array (a scalar bias) into shape (1,)
    return np.asarray(array, order="C")


def _tensor(value: ArrayLike | None) -> Any:
    return None if value is None else _torch().from_numpy(_array(value))


def _conv_tensors(
    input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None
) -> tuple[Any, Any, Any, bool]:
    """x, w, b as tensors, a 2-D input with a 2-D kernel lifted to one channel of one sample.

    The lift is a numpy view, made before the conversion: torch's own indexing costs
    several times more, and the API runs this check on every response.
    """
    x, w = _array(input), _array(weight)
    b = None if bias is None else _array(bias)
    two_d = x.ndim == 2 and w.ndim == 2
    if two_d:
        x, w = x[None, None], w[None, None]
        b = b.reshape(1) if b is not None and b.ndim == 0 else b
    from_numpy = _torch().from_numpy
    return from_numpy(x), from_numpy(w), None if b is None else from_numpy(b), two_d


def conv2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
    *,
    padding_mode: str = "zeros",
) -> NDArray[np.floating]:
    """``F.conv2d``, or ``nn.Conv2d``'s forward when ``padding_mode`` is not 'zeros'.

    Examples
    --------
    >>> conv2d(np.arange(9.0).reshape(3, 3), [[0.0, 1.0], [2.0, 3.0]])
    array([[19., 25.],
           [37., 43.]])
    """
    torch = _torch()
    x, w, b, two_d = _conv_tensors(input, weight, bias)
    if padding_mode == "zeros" or w.dim() != 4:
        out = torch.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups)
    else:
        module = torch.nn.Conv2d(
            w.shape[1] * groups if isinstance(groups, int) and groups > 0 else w.shape[1],
            w.shape[0],
            tuple(w.shape[2:]),
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            bias=b is not None,
            padding_mode=padding_mode,
        )
        out = module._conv_forward(x, w, b)
    out = out.detach().numpy()
    return out[0, 0] if two_d else out


def conv_transpose2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: Any = 1,
    dilation: Any = 1,
) -> NDArray[np.floating]:
    """``F.conv_transpose2d``; a 2-D input with a 2-D kernel is one channel of one sample.

    Examples
    --------
    >>> conv_transpose2d([[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2)), stride=2)
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]])
    """
    torch = _torch()
    x, w, b, two_d = _conv_tensors(input, weight, bias)
    out = torch.nn.functional.conv_transpose2d(
        x, w, b, stride, padding, output_padding, groups, dilation
    )
    out = out.detach().numpy()
    return out[0, 0] if two_d else out


def unfold(
    input: ArrayLike, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> NDArray[np.floating]:
    """``F.unfold`` on numpy arrays."""
    out = _torch().nn.functional.unfold(_tensor(input), kernel_size, dilation, padding, stride)
    return out.numpy()


def fold(
    input: ArrayLike,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> NDArray[np.floating]:
    """``F.fold`` on numpy arrays."""
    out = _torch().nn.functional.fold(
        _tensor(input), output_size, kernel_size, dilation, padding, stride
    )
    return out.numpy()


def max_pool2d(
    input: ArrayLike,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: Any = False,
    return_indices: Any = False,
) -> Any:
    """``F.max_pool2d``; a 2-D ``(H, W)`` input is pooled as one channel and stays 2-D.

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(4, 4), 3, padding=1, stride=2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x = _tensor(input)
    two_d = x.dim() == 2
    out = _torch().nn.functional.max_pool2d(
        x[None] if two_d else x,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode=ceil_mode,
        return_indices=return_indices,
    )
    arrays = [t.numpy()[0] if two_d else t.numpy() for t in (out if return_indices else [out])]
    return tuple(arrays) if return_indices else arrays[0]


def avg_pool2d(
    input: ArrayLike,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: Any = False,
    count_include_pad: Any = True,
    divisor_override: Any = None,
) -> NDArray[np.floating]:
    """``F.avg_pool2d``; a 2-D ``(H, W)`` input is pooled as one channel and stays 2-D.

    Examples
    --------
    >>> avg_pool2d(np.arange(9.0).reshape(3, 3), 2, stride=1)
    array([[2., 3.],
           [5., 6.]])
    """
    x = _tensor(input)
    two_d = x.dim() == 2
    out = (
        _torch()
        .nn.functional.avg_pool2d(
            x[None] if two_d else x,
            kernel_size,
            stride,
            padding,
            ceil_mode,
            count_include_pad,
            divisor_override,
        )
        .numpy()
    )
    return out[0] if two_d else out
