"""Names the pages show for controls, arguments, presets and patterns, marked for translation.

The templates pass them through ``_()``; marking them here with ``N_`` lets Babel extract
them into the catalogue (``tests/pages/test_i18n.py`` checks that none is missing, and that
every option of every operation in :data:`convcore.spec.OPS` has its labels here, so a new
page cannot forget one).
"""

from __future__ import annotations

from app.i18n import N_

INPUT_LABELS = {
    "arange": N_("0, 1, 2, … (the tutorial's example)"),
    "random": N_("Random integers (seeded)"),
    "checkerboard": N_("Checkerboard"),
    "edge": N_("Vertical edge"),
    "impulse": N_("Impulse (a single 1)"),
    "patch": N_("Image patch (a face)"),
    "custom": N_("Edited values"),
}

KERNEL_LABELS = {
    "identity": N_("Identity"),
    "box_blur": N_("Box blur"),
    "gaussian": N_("Gaussian blur"),
    "sharpen": N_("Sharpen"),
    "sobel_x": N_("Sobel x"),
    "sobel_y": N_("Sobel y"),
    "laplacian": N_("Laplacian"),
    "emboss": N_("Emboss"),
    "outline": N_("Outline"),
    "tutorial_2x2": N_("Tutorial 2×2"),
    "random": N_("Random integers (seeded)"),
    "custom": N_("Edited values"),
}

#: Each argument of any operation: its label, then the labels of its row and column fields
#: (a pair), or of its one field.
ARG_LABELS: dict[str, tuple[str, ...]] = {
    "input": (N_("input values"),),
    "weight": (N_("kernel values"),),
    "bias": (N_("bias values"),),
    "stride": (N_("Stride"), N_("stride (rows)"), N_("stride (columns)")),
    "padding": (N_("Padding"), N_("padding (rows)"), N_("padding (columns)")),
    "output_padding": (
        N_("Output padding"),
        N_("output padding (rows)"),
        N_("output padding (columns)"),
    ),
    "dilation": (N_("Dilation"), N_("dilation (rows)"), N_("dilation (columns)")),
    "groups": (N_("Groups"), N_("groups")),
    "padding_mode": (N_("Padding mode"), N_("padding mode")),
    "kernel_size": (N_("Window size"), N_("window height"), N_("window width")),
    "ceil_mode": (N_("Round the output size up (ceil_mode)"), N_("ceil_mode")),
    "return_indices": (N_("Return the indices of the maxima"), N_("return_indices")),
    "count_include_pad": (N_("Count padding cells in the divisor"), N_("count_include_pad")),
    "divisor_override": (N_("Divisor override"), N_("divisor override")),
}

#: What an optional argument left empty means, said under its control (and read with it).
EMPTY_NOTES: dict[str, str] = {
    "stride": N_("Empty: the same as the window size, torch's default."),
    "divisor_override": N_("Empty: no override; the divisor follows count_include_pad."),
}

#: The labels of the choices of ``choice`` arguments and of the padding words.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "padding_mode": {
        "zeros": N_("zeros"),
        "reflect": N_("reflect"),
        "replicate": N_("replicate"),
        "circular": N_("circular"),
    },
    "padding": {"explicit": N_("explicit"), "same": N_("same"), "valid": N_("valid")},
}

#: The page's own controls (everything in the form that is not an argument of the op):
#: its label, then its fields' labels.
CONTROL_LABELS: dict[str, tuple[str, ...]] = {
    "xp": (N_("Values"), N_("input")),
    "size": (N_("Size"), N_("input height"), N_("input width")),
    "ci": (N_("Channels"), N_("input channels")),
    "seed": (N_("Seed"), N_("seed of the random values")),
    "kp": (N_("Values"), N_("kernel")),
    "ksize": (N_("Size"), N_("kernel height"), N_("kernel width")),
    "co": (N_("Output channels"), N_("output channels")),
    "bias": (N_("Bias"), N_("bias")),
    "flip": (N_("True convolution (flip the kernel)"), N_("true convolution")),
    "padding-size": (N_("Padding size"),),
    "tab": (N_("Method"), N_("method")),
    "t": (N_("Step"), N_("step")),
    "lang": (N_("Language"), N_("language")),
    "present": (N_("Presentation mode"), N_("presentation mode")),
    "tap": (N_("Tap"), N_("tap")),
}

#: Each page control's URL names (the spec's arguments take theirs from
#: :data:`app.pages.params.URL_NAMES`).
CONTROL_FIELDS: dict[str, tuple[str, ...]] = {
    "xp": ("xp",),
    "size": ("h", "w"),
    "ci": ("ci",),
    "seed": ("seed",),
    "input": ("x", "xs"),
    "kp": ("kp", "kp0"),
    "ksize": ("kh", "kw"),
    "co": ("co",),
    "weight": ("k", "ks"),
    "bias": ("bias", "b"),
    "flip": ("flip",),
    "tab": ("tab",),
    "t": ("t",),
    "lang": ("lang",),
    "present": ("present",),
    "tap": ("tap",),
}

AXIS_LABELS = {"height": N_("height"), "width": N_("width")}
