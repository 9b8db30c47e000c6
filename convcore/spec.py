"""Each operation's arguments, described once: name, kind, bounds, default, choices.

This is the bottom of convcore: it imports nothing else from the package. Everything that
spells out an operation's arguments derives from it or is checked against it by a test:
the op front-ends and their tracers (``tests/convcore/test_spec.py`` compares signatures),
the API's request schemas (built from :data:`OPS` with the server's limits as bounds), the
pages' query models (the same arguments with the pages' smaller limits), the PyTorch code
generator (which writes only arguments that differ from torch's defaults) and the docs.

Bounds come in two parts. ``minimum`` is torch's own rule (stride at least 1, padding not
negative) and holds everywhere. ``size`` says what kind of quantity the argument is — a
spatial length, a channel count, a kernel side — so that a server or a page can cap it with
its own limit for that kind (see :meth:`Arg.maximum`).

Examples
--------
>>> spec = OPS["conv2d"]
>>> [arg.name for arg in spec.options]
['stride', 'padding', 'dilation', 'groups', 'padding_mode']
>>> spec.arg("stride").minimum, spec.arg("stride").default
(1, 1)
>>> [arg.name for arg in spec.torch_keywords]
['stride', 'padding', 'dilation', 'groups']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: What the padding cells of a convolution hold, as ``torch.nn.Conv2d`` names it.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")

#: The string values conv2d's ``padding`` accepts besides sizes.
PADDING_WORDS = ("same", "valid")

#: How an argument is written:
#: ``tensor``   an array (its ``ndim`` range is given);
#: ``pair``     an int or an (height, width) pair;
#: ``padding``  a pair, or one of :data:`PADDING_WORDS` (conv2d);
#: ``int``      a plain integer;
#: ``flag``     True or False (only a real bool, as torch's parser insists);
#: ``choice``   one string of ``choices``.
#: ``optional`` on an :class:`Arg` adds ``None`` to any of these.
Kind = Literal["tensor", "pair", "padding", "int", "flag", "choice"]

#: What kind of quantity an integer argument (or a tensor's axis) is, so that each limit set
#: can cap it: ``side`` a spatial length (stride, padding, dilation, a height or width),
#: ``channels`` a channel count (groups), ``kernel`` a kernel side (kernel_size), ``batch``
#: a batch size, ``value`` any other integer.
Size = Literal["side", "channels", "kernel", "batch", "value"]

_REQUIRED = object()


@dataclass(frozen=True)
class Arg:
    """One argument of one operation.

    Attributes
    ----------
    name : str
        As torch spells it.
    kind : Kind
        How the value is written (see :data:`Kind`).
    default : object
        torch's default; :attr:`required` when there is none.
    optional : bool
        ``None`` is a value (``bias``, a pool's ``stride``, ``divisor_override``).
    minimum : int or None
        Smallest value torch accepts (per entry of a pair); None when torch has no bound
        of its own (conv2d's padding may be negative under the non-zero padding modes).
    nonzero : bool
        Zero is refused even though smaller and larger values are fine.
    size : Size
        What kind of quantity it is, for the caller's own upper limit.
    choices : tuple of str
        The values of a ``choice`` argument.
    ndim : tuple of int
        ``(fewest, most)`` axes of a ``tensor`` argument.
    ndims : tuple of int
        The axis counts a ``tensor`` accepts when not every count in ``ndim``'s range is
        (a conv weight is 2-D or 4-D, never 3-D); empty otherwise.
    axes : tuple of Size
        What each axis of a ``tensor`` is, aligned to the last axis (``('batch',
        'channels', 'side', 'side')`` for an input of 2 to 4 axes), for the caller's limits.
    single : bool
        A one-entry list means both axes (``[2]`` for ``(2, 2)``), as torch reads most
        sizes; ``F.unfold`` and ``F.fold`` refuse it.
    functional : bool
        An argument of the ``torch.nn.functional`` call (``padding_mode`` is only
        ``nn.Conv2d``'s: the code generator writes an ``F.pad`` instead).
    help : str
        One line for schemas, forms and docs.
    """

    name: str
    kind: Kind
    default: Any = _REQUIRED
    optional: bool = False
    minimum: int | None = None
    nonzero: bool = False
    size: Size = "value"
    choices: tuple[str, ...] = ()
    ndim: tuple[int, int] = (0, 0)
    ndims: tuple[int, ...] = ()
    axes: tuple[Size, ...] = ()
    single: bool = True
    functional: bool = True
    help: str = ""

    @property
    def required(self) -> bool:
        """No default: the caller must give it."""
        return self.default is _REQUIRED

    @property
    def allowed_ndims(self) -> tuple[int, ...]:
        """The numbers of axes a ``tensor`` accepts.

        >>> OPS["conv2d"].arg("weight").allowed_ndims, OPS["conv2d"].arg("input").allowed_ndims
        ((2, 4), (2, 3, 4))
        """
        return self.ndims or tuple(range(self.ndim[0], self.ndim[1] + 1))

    def axis_sizes(self, ndim: int) -> tuple[Size, ...]:
        """What each axis of an ``ndim``-axis value of this tensor is (see ``axes``).

        >>> OPS["conv2d"].arg("input").axis_sizes(3)
        ('channels', 'side', 'side')
        """
        return self.axes[len(self.axes) - ndim :] if ndim else ()

    def maximum(self, limits: Mapping[str, int]) -> int | None:
        """The largest value under ``limits``, keyed by argument name, then by size kind.

        >>> OPS["conv2d"].arg("stride").maximum({"side": 128})
        128
        >>> OPS["conv2d"].arg("stride").maximum({"side": 16, "stride": 8})
        8
        >>> OPS["conv2d"].arg("padding_mode").maximum({"side": 16}) is None
        True
        """
        if self.kind not in ("pair", "padding", "int"):
            return None
        if self.name in limits:
            return limits[self.name]
        return limits.get(self.size)

    def is_default(self, value: Any) -> bool:
        """``value`` means the default, also when written as a pair (``(1, 1)`` for 1).

        >>> OPS["conv2d"].arg("stride").is_default((1, 1))
        True
        >>> OPS["max_pool2d"].arg("stride").is_default(None)
        True
        """
        default = self.default
        if default is None or isinstance(default, bool):
            return value is default
        if isinstance(value, list | tuple) and self.kind in ("pair", "padding"):
            return all(v == default for v in value)
        return bool(value == default)


@dataclass(frozen=True)
class OpSpec:
    """One operation: its torch counterpart and its arguments in torch's signature order."""

    name: str
    torch: str
    summary: str
    args: tuple[Arg, ...]

    def arg(self, name: str) -> Arg:
        """The argument called ``name``; KeyError naming the choices otherwise."""
        for arg in self.args:
            if arg.name == name:
                return arg
        raise KeyError(f"{self.name} has no argument {name!r}; it has {self.names}")

    @property
    def names(self) -> tuple[str, ...]:
        """Every argument's name, in signature order."""
        return tuple(arg.name for arg in self.args)

    @property
    def tensors(self) -> tuple[Arg, ...]:
        """The array arguments (input, weight, bias)."""
        return tuple(arg for arg in self.args if arg.kind == "tensor")

    @property
    def options(self) -> tuple[Arg, ...]:
        """Every argument that is not an array, in signature order."""
        return tuple(arg for arg in self.args if arg.kind != "tensor")

    @property
    def torch_keywords(self) -> tuple[Arg, ...]:
        """The options ``torch.nn.functional`` takes, in its order, except a pool's kernel_size
        (written positionally)."""
        return tuple(arg for arg in self.options if arg.functional and not arg.required)

    def defaults(self) -> dict[str, Any]:
        """Every option with a default, by name.

        >>> OPS["avg_pool2d"].defaults()["count_include_pad"]
        True
        """
        return {arg.name: arg.default for arg in self.options if not arg.required}


# ---------------------------------------------------------------------------------------------
# the arguments several operations share

_IMAGE_AXES: tuple[Size, ...] = ("batch", "channels", "side", "side")
_WEIGHT_AXES: tuple[Size, ...] = ("channels", "channels", "kernel", "kernel")

_INPUT = Arg(
    "input",
    "tensor",
    ndim=(2, 4),
    axes=_IMAGE_AXES,
    help="(N, C, H, W), unbatched (C, H, W), or the tutorial's (H, W).",
)
_BIAS = Arg(
    "bias",
    "tensor",
    default=None,
    optional=True,
    ndim=(0, 1),
    axes=("channels",),
    help="One value per output channel (one number for the 2-D form).",
)
_STRIDE = Arg(
    "stride",
    "pair",
    default=1,
    minimum=1,
    size="side",
    help="Step between neighbouring windows, per axis.",
)
_DILATION = Arg(
    "dilation",
    "pair",
    default=1,
    minimum=1,
    size="side",
    help="Step between the taps of one window (1: no gaps).",
)
_GROUPS = Arg(
    "groups",
    "int",
    default=1,
    minimum=1,
    size="channels",
    help="Independent channel groups; must divide the channel counts.",
)
_KERNEL_SIZE = Arg("kernel_size", "pair", minimum=1, size="kernel", help="Window size (kH, kW).")
_POOL_STRIDE = Arg(
    "stride",
    "pair",
    default=None,
    optional=True,
    minimum=1,
    size="side",
    help="Step between windows; None (null in JSON) means kernel_size.",
)
_POOL_PADDING = Arg(
    "padding",
    "pair",
    default=0,
    minimum=0,
    size="side",
    help="Cells added on each side, at most half the kernel size.",
)
_CONV_PADDING = Arg(
    "padding",
    "padding",
    default=0,
    size="side",
    choices=PADDING_WORDS,
    help="Cells added on each side: an int, (height, width), 'same' "
    "(stride 1: keep the size) or 'valid' (none); negative crops under the "
    "non-zero padding modes.",
)
_PADDING_MODE = Arg(
    "padding_mode",
    "choice",
    default="zeros",
    choices=PADDING_MODES,
    functional=False,
    help="What the padding cells hold (nn.Conv2d's padding_mode).",
)
_CEIL_MODE = Arg(
    "ceil_mode",
    "flag",
    default=False,
    help="Round the output size up: a last window may hang over the edge.",
)


OPS: dict[str, OpSpec] = {
    spec.name: spec
    for spec in (
        OpSpec(
            "conv2d",
            "torch.nn.functional.conv2d",
            "2-D cross-correlation.",
            (
                _INPUT,
                Arg(
                    "weight",
                    "tensor",
                    ndim=(2, 4),
                    ndims=(2, 4),
                    axes=_WEIGHT_AXES,
                    help="(C_out, C_in/groups, kH, kW), or (kH, kW) with a 2-D input.",
                ),
                _BIAS,
                _STRIDE,
                _CONV_PADDING,
                _DILATION,
                _GROUPS,
                _PADDING_MODE,
            ),
        ),
        OpSpec(
            "conv_transpose2d",
            "torch.nn.functional.conv_transpose2d",
            "2-D transposed convolution: every input value stamps the scaled kernel.",
            (
                _INPUT,
                Arg(
                    "weight",
                    "tensor",
                    ndim=(2, 4),
                    ndims=(2, 4),
                    axes=_WEIGHT_AXES,
                    help="(C_in, C_out/groups, kH, kW) — input channels first — or (kH, kW) "
                    "with a 2-D input.",
                ),
                _BIAS,
                _STRIDE,
                Arg(
                    "padding",
                    "pair",
                    default=0,
                    minimum=0,
                    size="side",
                    help="Cells cropped from each side of the stamped output.",
                ),
                Arg(
                    "output_padding",
                    "pair",
                    default=0,
                    minimum=0,
                    size="side",
                    help="Cells added at the bottom and right; smaller than the stride or "
                    "the dilation.",
                ),
                _GROUPS,
                _DILATION,
            ),
        ),
        OpSpec(
            "max_pool2d",
            "torch.nn.functional.max_pool2d",
            "Largest value under each window, channel by channel.",
            (
                _INPUT,
                _KERNEL_SIZE,
                _POOL_STRIDE,
                _POOL_PADDING,
                _DILATION,
                _CEIL_MODE,
                Arg(
                    "return_indices",
                    "flag",
                    default=False,
                    help="Also return each maximum's flat index (row·W + col) in its plane.",
                ),
            ),
        ),
        OpSpec(
            "avg_pool2d",
            "torch.nn.functional.avg_pool2d",
            "Mean of each window, channel by channel.",
            (
                _INPUT,
                _KERNEL_SIZE,
                _POOL_STRIDE,
                _POOL_PADDING,
                _CEIL_MODE,
                Arg(
                    "count_include_pad",
                    "flag",
                    default=True,
                    help="Count padding cells in the divisor.",
                ),
                Arg(
                    "divisor_override",
                    "int",
                    default=None,
                    optional=True,
                    nonzero=True,
                    help="Divide every window's sum by this instead (not 0).",
                ),
            ),
        ),
    )
}


#: The functions that show the matrices behind conv2d: im2col (``F.unfold``'s layout) and
#: the unrolled kernel matrix (no torch counterpart: ``torch`` is empty).
MATRIX_OPS: dict[str, OpSpec] = {
    spec.name: spec
    for spec in (
        OpSpec(
            "unfold",
            "torch.nn.functional.unfold",
            "Every sliding window as a column (im2col).",
            (
                Arg(
                    "input",
                    "tensor",
                    ndim=(3, 4),
                    axes=_IMAGE_AXES,
                    help="(N, C, H, W) or unbatched (C, H, W), as F.unfold takes.",
                ),
                Arg(
                    "kernel_size",
                    "pair",
                    minimum=1,
                    size="kernel",
                    single=False,
                    help="Window size (kH, kW).",
                ),
                Arg(
                    "dilation",
                    "pair",
                    default=1,
                    minimum=1,
                    size="side",
                    single=False,
                    help=_DILATION.help,
                ),
                Arg(
                    "padding",
                    "pair",
                    default=0,
                    minimum=0,
                    size="side",
                    single=False,
                    help="Zeros added on each side.",
                ),
                Arg(
                    "stride",
                    "pair",
                    default=1,
                    minimum=1,
                    size="side",
                    single=False,
                    help=_STRIDE.help,
                ),
            ),
        ),
        OpSpec(
            "kernel_matrix",
            "",
            "The unrolled matrix K with conv2d(x).ravel() == K @ x.ravel().",
            (
                Arg(
                    "weight",
                    "tensor",
                    ndim=(2, 4),
                    ndims=(2, 4),
                    axes=_WEIGHT_AXES,
                    help="(C_out, C_in/groups, kH, kW), or a 2-D (kH, kW) kernel.",
                ),
                Arg(
                    "input_size",
                    "pair",
                    minimum=1,
                    size="side",
                    help="(H, W) of the unpadded input.",
                ),
                _STRIDE,
                _CONV_PADDING,
                _DILATION,
                _GROUPS,
                _PADDING_MODE,
            ),
        ),
    )
}


def op_spec(op: str) -> OpSpec:
    """The description of ``op`` (in :data:`OPS` or :data:`MATRIX_OPS`); KeyError otherwise.

    >>> op_spec("max_pool2d").torch
    'torch.nn.functional.max_pool2d'
    >>> op_spec("unfold").arg("kernel_size").single
    False
    """
    for table in (OPS, MATRIX_OPS):
        if op in table:
            return table[op]
    raise KeyError(f"unknown operation {op!r}; known: {', '.join([*OPS, *MATRIX_OPS])}")
