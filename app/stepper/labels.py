"""Names the page shows for presets, patterns and fields, marked for translation.

The templates pass them through ``_()``; marking them here with ``N_`` lets Babel extract
them into the catalogue (``tests/pages/test_i18n.py`` checks that none is missing).
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

FIELD_LABELS = {
    "h": N_("input height"),
    "w": N_("input width"),
    "ci": N_("input channels"),
    "co": N_("output channels"),
    "groups": N_("groups"),
    "xp": N_("input"),
    "seed": N_("seed"),
    "x": N_("input values"),
    "xs": N_("input values"),
    "kp": N_("kernel"),
    "kp0": N_("kernel"),
    "kh": N_("kernel height"),
    "kw": N_("kernel width"),
    "k": N_("kernel values"),
    "ks": N_("kernel values"),
    "sh": N_("stride (rows)"),
    "sw": N_("stride (columns)"),
    "pad": N_("padding"),
    "ph": N_("padding (rows)"),
    "pw": N_("padding (columns)"),
    "dh": N_("dilation (rows)"),
    "dw": N_("dilation (columns)"),
    "mode": N_("padding mode"),
    "bias": N_("bias"),
    "b": N_("bias values"),
    "flip": N_("true convolution"),
    "tab": N_("method"),
    "t": N_("step"),
    "lang": N_("language"),
}

AXIS_LABELS = {"height": N_("height"), "width": N_("width")}

MODE_LABELS = {
    "zeros": N_("zeros"),
    "reflect": N_("reflect"),
    "replicate": N_("replicate"),
    "circular": N_("circular"),
}

TAB_LABELS = {
    "loop": N_("Loop"),
    "im2col": N_("im2col"),
    "kmatrix": N_("Kernel matrix"),
    "torch": N_("PyTorch"),
}
