"""Links between the conv2d page and this one, and this page's presets.

From a conv2d configuration, its transpose: the conv_transpose2d with the same weight whose
kernel matrix is Kᵀ (:func:`convcore.views.transpose_of_conv2d`: the same stride, padding,
dilation and groups, ``output_padding`` chosen so the shape comes back), whose input is the
conv2d's output. From here, back: the conv2d this transposes
(:func:`convcore.views.conv2d_of_transpose`), with the input the conv2d had (``fxp``,
``fx``). A link is the target page's own canonical URL of the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

import convcore as cc
from app.i18n import N_
from app.pages.arrays import join_cells
from app.pages.query import query_dict
from convcore.patterns import input_pattern, kernel_pattern
from convcore.views import conv2d_of_transpose, transpose_of_conv2d

#: The other page's tab that shows the same method (conv2d ⇄ conv_transpose2d).
TO_TRANSPOSED_TAB = {"kmatrix": "kt", "im2col": "col2im", "torch": "torch"}
TO_CONV2D_TAB = {"kt": "kmatrix", "col2im": "im2col", "torch": "torch"}


def link(pages: Mapping[str, Any], root: str, op: str, fields: Mapping[str, Any]) -> str | None:
    """The canonical URL of ``op``'s page with ``fields`` (as that page writes its own), or
    None when that page's limits refuse them (an input larger than its grids)."""
    page = pages[op]
    items = [(name, _text(value)) for name, value in fields.items()]
    try:
        query = page.query.model_validate(query_dict(items))
    except ValidationError:
        return None
    config, _ = page.prepare(query, lambda text: text, lambda _name: None)
    url: str = config.url(f"{root}/{op}")
    return url


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)


def _kernel_fields(kp: str, seed: int, kernel: np.ndarray, flipped: bool) -> dict[str, Any]:
    """The fields that make the same weight: its preset, its seed, or its values."""
    kh, kw = kernel.shape[-2:]
    if flipped or kp == "custom":
        return {"kp": "custom", "kh": kh, "kw": kw, "k": join_cells(kernel)}
    if kp == "random":
        return {"kp": "random", "seed": seed, "kh": kh, "kw": kw}
    return {"kp": kp}


def _sizes(stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int]) -> Any:
    return {
        "sh": stride[0],
        "sw": stride[1],
        "ph": padding[0],
        "pw": padding[1],
        "dh": dilation[0],
        "dw": dilation[1],
    }


#: Why there is no link: the other page's grids are smaller than its input would be.
TOO_BIG = N_(
    "The other operation would take this %(h)s×%(w)s output as its input, larger than the "
    "other page's grids."
)


def _sizes_of(shape: tuple[int, int, int]) -> dict[str, int]:
    return {"h": shape[1], "w": shape[2]}


# ---------------------------------------------------------------------------------------------
# from the conv2d page


@dataclass(frozen=True)
class Conv2dLinks:
    """What the conv2d page links to: its transpose, or why it has none (``why_not``, a
    catalogue template with ``values``)."""

    transpose: str | None
    why_not: str = ""  # N_-marked
    values: Mapping[str, Any] = field(default_factory=dict)


def conv2d_links(config: Any, setup: Any, root: str, pages: Mapping[str, Any]) -> Conv2dLinks:
    """The conv2d page's link to its transpose (the ``links`` of its page description)."""
    if setup is None or "conv_transpose2d" not in pages:
        return Conv2dLinks(None)
    adjoint = transpose_of_conv2d(setup.geometry)
    if adjoint is None:
        return Conv2dLinks(
            None,
            N_(
                "The transpose of this convolution is no conv_transpose2d: it pads with "
                "copies, or more on one side than the other. Choose zeros and an even padding."
            ),
        )
    q, weight = config.query, config.weight
    out = setup.tracer.call.run("im2col")  # (C_out, Ho, Wo): the page's own prepared call
    fields: dict[str, Any] = {
        "lang": q.lang,
        "h": adjoint.input_shape[1],
        "w": adjoint.input_shape[2],
        "ci": adjoint.input_shape[0],
        "co": adjoint.output_shape[0],
        "xp": "custom",
        "x": join_cells(out),
        **_kernel_fields(config.kp, q.seed, weight, bool(q.flip)),
        "groups": adjoint.groups,
        **_sizes(adjoint.stride, adjoint.padding, adjoint.dilation),
        "oph": adjoint.output_padding[0],
        "opw": adjoint.output_padding[1],
        "fxp": q.xp,
    }
    if q.xp == "random":
        fields["seed"] = q.seed
    if q.xp == "custom":
        fields["fx"] = join_cells(config.x)
    fields["tab"] = TO_TRANSPOSED_TAB.get(q.tab, "scatter")
    url = link(pages, root, "conv_transpose2d", fields)
    if url is None:
        return Conv2dLinks(None, TOO_BIG, _sizes_of(adjoint.input_shape))
    return Conv2dLinks(url)


# ---------------------------------------------------------------------------------------------
# from this page


@dataclass(frozen=True)
class Preset:
    """A configuration worth starting from: its name, what it shows, and its links."""

    label: str  # N_-marked
    description: str  # N_-marked
    url: str
    conv2d: str = ""  # the conv2d it comes from, '' for none


@dataclass(frozen=True)
class TransposedLinks:
    """What this page links to: the conv2d it transposes (or why not), and the presets."""

    forward: str | None
    exact: bool  # that conv2d gives this page's input shape back
    presets: list[Preset]
    why_not: str = ""  # N_-marked
    values: Mapping[str, Any] = field(default_factory=dict)


def transposed_links(
    config: Any, setup: Any, root: str, pages: Mapping[str, Any]
) -> TransposedLinks:
    """The links of the transposed page (the ``links`` of its page description)."""
    presets = _presets(root, pages, config.query.lang)
    if setup is None or "conv2d" not in pages:
        return TransposedLinks(None, True, presets)
    adjoint = conv2d_of_transpose(setup.geometry)
    q = config.query
    fields: dict[str, Any] = {
        "lang": q.lang,
        "h": adjoint.input_shape[1],
        "w": adjoint.input_shape[2],
        "ci": adjoint.input_shape[0],
        "co": adjoint.output_shape[0],
        "xp": q.fxp,
    }
    forward_input = config.forward_input
    size = int(np.prod(adjoint.input_shape))
    if q.fxp == "custom" and (forward_input is None or forward_input.size != size):
        fields["xp"] = "arange"  # the values the link came with no longer fit
    elif q.fxp == "custom":
        fields["x"] = join_cells(forward_input)
    if fields["xp"] == "random":
        fields["seed"] = q.seed
    fields |= _kernel_fields(config.kp, q.seed, setup.weight, False)
    fields |= {
        "groups": adjoint.groups,
        **_sizes(adjoint.stride, adjoint.padding, adjoint.dilation),
    }
    fields["tab"] = TO_CONV2D_TAB.get(q.tab, "loop")
    url = link(pages, root, "conv2d", fields)
    if url is None:
        return TransposedLinks(
            None, adjoint.exact, presets, TOO_BIG, _sizes_of(adjoint.input_shape)
        )
    return TransposedLinks(url, adjoint.exact, presets)


def _start(lang: str, height: int, width: int, kernel: str) -> dict[str, Any]:
    return {"lang": lang, "h": height, "w": width, "kp": kernel}


def fixed(pages: Mapping[str, Any], root: str, op: str, fields: Mapping[str, Any]) -> str:
    """The link of a preset: always within the pages' limits."""
    url = link(pages, root, op, fields)
    if url is None:
        raise ValueError(f"a preset outside the {op} page's limits: {dict(fields)}")
    return url


def _presets(root: str, pages: Mapping[str, Any], lang: str) -> list[Preset]:
    """The page's presets (see the README): every number from convcore."""
    here = "conv_transpose2d"
    # the tutorial: a 3×3 kernel on a 4×4 input gives 2×2; Kᵀ takes it back to 4×4
    x = input_pattern("arange", (1, 4, 4))
    emboss = kernel_pattern("emboss", (1, 1, 3, 3))
    y = cc.conv2d(x, emboss)
    tutorial = {"lang": lang, "h": 2, "w": 2, "xp": "custom", "x": join_cells(y)}
    tutorial |= {"kp": "emboss", "tab": "kt"}
    # a bilinear 4×4 kernel at stride 2, padding 1: each value spread over its neighbours
    ramp = np.array([1.0, 3.0, 3.0, 1.0]) / 4
    bilinear = np.outer(ramp, ramp)
    upsample = {"lang": lang, "h": 4, "w": 4, "kp": "custom", "kh": 4, "kw": 4}
    upsample |= {"k": join_cells(bilinear), **_sizes((2, 2), (1, 1), (1, 1))}
    # ones through ones: the output counts the stamps on each cell
    ones = {"lang": lang, "h": 4, "w": 4, "xp": "custom", "x": join_cells(np.ones(16))}
    ones |= {"kp": "custom", "kh": 3, "kw": 3, "k": join_cells(np.ones(9))}
    ones |= _sizes((2, 2), (0, 0), (1, 1))
    # the gradient of a conv2d (Sobel x, stride 2, padding 1, 5×5 → 3×3) for loss = Σ y
    forward = {"lang": lang, "h": 5, "w": 5, "kp": "sobel_x", **_sizes((2, 2), (1, 1), (1, 1))}
    gradient = {"lang": lang, "h": 3, "w": 3, "xp": "custom", "x": join_cells(np.ones(9))}
    gradient |= {"kp": "sobel_x", **_sizes((2, 2), (1, 1), (1, 1))}
    return [
        Preset(
            N_("The tutorial's Kᵀ"),
            N_(
                "conv2d takes a 4×4 input to 2×2 with a 3×3 kernel; Kᵀ takes those 2×2 back to 4×4."
            ),
            fixed(pages, root, here, tutorial),
            fixed(pages, root, "conv2d", {**_start(lang, 4, 4, "emboss"), "tab": "kmatrix"}),
        ),
        Preset(
            N_("Upsample ×2"),
            N_("A 4×4 kernel, stride 2, padding 1 (the DCGAN layer), with bilinear weights."),
            fixed(pages, root, here, upsample),
        ),
        Preset(
            N_("3×3 stride 2: the checkerboard"),
            N_("Ones through ones: each output counts the stamps that overlap on it."),
            fixed(pages, root, here, ones),
        ),
        Preset(
            N_("The gradient of a conv2d"),
            N_(
                "The input is the gradient of the loss Σ y with respect to y (all ones); the "
                "output is the gradient with respect to the conv2d's input."
            ),
            fixed(pages, root, here, gradient),
            fixed(pages, root, "conv2d", forward),
        ),
    ]
