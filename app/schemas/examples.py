"""Worked examples for /docs: each endpoint's request bodies, taken from the tutorial."""

from __future__ import annotations

from typing import Any

TUTORIAL_3X3 = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
TUTORIAL_4X4 = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]
ARANGE_5X5 = [[5 * r + c for c in range(5)] for r in range(5)]
SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]

Examples = dict[str, dict[str, Any]]

CONV2D: Examples = {
    "tutorial": {
        "summary": "The tutorial's 3×3 example",
        "description": "0×0 + 1×1 + 3×2 + 4×3 = 19: the output is [[19, 25], [37, 43]].",
        "value": {"input": TUTORIAL_3X3, "weight": [[0, 1], [2, 3]]},
    },
    "strided": {
        "summary": "Sobel x, stride 2, padding 1, by nested loops",
        "value": {
            "input": ARANGE_5X5,
            "weight": SOBEL_X,
            "stride": 2,
            "padding": 1,
            "method": "loop",
        },
    },
    "channels": {
        "summary": "Batched, two channels in, one out, bias, reflect padding",
        "value": {
            "input": [[TUTORIAL_3X3, TUTORIAL_3X3]],
            "weight": [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]]],
            "bias": [0.5],
            "padding": 1,
            "padding_mode": "reflect",
            "method": "kernel_matrix",
        },
    },
}

CONV_TRANSPOSE2D: Examples = {
    "upsample": {
        "summary": "Stride 2 doubles the size",
        "description": "Each input value stamps the 2×2 kernel, scaled, two cells apart.",
        "value": {"input": [[1, 2], [3, 4]], "weight": [[1, 1], [1, 1]], "stride": 2},
    },
    "zero_insert": {
        "summary": "The same through zero insertion and a direct convolution",
        "value": {
            "input": [[1, 2], [3, 4]],
            "weight": [[1, 2], [3, 4]],
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
            "method": "zero_insert",
        },
    },
}

MAX_POOL2D: Examples = {
    "tutorial": {
        "summary": "The tutorial's pooling example",
        "description": "4×4 arange, MaxPool2d(3, stride=2, padding=1): [[5, 7], [13, 15]].",
        "value": {"input": TUTORIAL_4X4, "kernel_size": 3, "stride": 2, "padding": 1},
    },
    "indices": {
        "summary": "2×2 windows with the indices of the maxima",
        "value": {
            "input": TUTORIAL_4X4,
            "kernel_size": 2,
            "return_indices": True,
            "method": "loop",
        },
    },
}

AVG_POOL2D: Examples = {
    "overlapping": {
        "summary": "Overlapping 2×2 means",
        "value": {"input": TUTORIAL_3X3, "kernel_size": 2, "stride": 1},
    },
    "exclude_padding": {
        "summary": "Padding left out of the divisor",
        "value": {
            "input": TUTORIAL_3X3,
            "kernel_size": 2,
            "padding": 1,
            "count_include_pad": False,
        },
    },
}

UNFOLD: Examples = {
    "tutorial": {
        "summary": "The tutorial's 3×3 input in 2×2 windows",
        "description": "Each column is one window, read row by row.",
        "value": {"input": [TUTORIAL_3X3], "kernel_size": 2},
    },
}

KERNEL_MATRIX: Examples = {
    "tutorial": {
        "summary": "The tutorial's 2×2 kernel over a 3×3 input",
        "description": "conv2d(x, w).ravel() == K @ x.ravel(): one row per output value.",
        "value": {"weight": [[0, 1], [2, 3]], "input_size": [3, 3]},
    },
    "strided": {
        "summary": "Sobel x with stride 2 and padding 1",
        "value": {"weight": SOBEL_X, "input_size": 5, "stride": 2, "padding": 1},
    },
}

SHAPE: Examples = {
    "conv2d": {
        "summary": "conv2d, stride 2, padding 1",
        "value": {
            "op": "conv2d",
            "input_shape": [1, 3, 32, 32],
            "weight_shape": [16, 3, 3, 3],
            "stride": 2,
            "padding": 1,
        },
    },
    "conv_transpose2d": {
        "summary": "Transposed conv that doubles the size",
        "value": {
            "op": "conv_transpose2d",
            "input_shape": [1, 16, 16, 16],
            "weight_shape": [16, 8, 3, 3],
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
        },
    },
    "max_pool2d": {
        "summary": "max_pool2d with ceil_mode",
        "value": {"op": "max_pool2d", "input_shape": [5, 5], "kernel_size": 2, "ceil_mode": True},
    },
    "invalid": {
        "summary": "A kernel that does not fit",
        "value": {"op": "conv2d", "input_shape": [2, 2], "weight_shape": [3, 3]},
    },
}

CONV2D_TRACE: Examples = {
    "first_step": {
        "summary": "Step 0 of the tutorial's example",
        "value": {"input": TUTORIAL_3X3, "weight": [[0, 1], [2, 3]], "start": 0, "count": 1},
    },
    "window": {
        "summary": "All four steps at once",
        "value": {"input": TUTORIAL_3X3, "weight": [[0, 1], [2, 3]], "start": 0, "count": 4},
    },
}

CONV_TRANSPOSE2D_TRACE: Examples = {
    "scatter": {
        "summary": "Input value 0 stamping the kernel",
        "value": {"input": [[1, 2], [3, 4]], "weight": [[1, 1], [1, 1]], "stride": 2},
    },
    "conv": {
        "summary": "The equivalent direct convolution, output value 5",
        "value": {
            "input": [[1, 2], [3, 4]],
            "weight": [[1, 2], [3, 4]],
            "stride": 2,
            "view": "conv",
            "start": 5,
        },
    },
}

MAX_POOL2D_TRACE: Examples = {
    "tutorial": {
        "summary": "The tutorial's pooling example, every step",
        "value": {"input": TUTORIAL_4X4, "kernel_size": 3, "stride": 2, "padding": 1, "count": 4},
    },
}

AVG_POOL2D_TRACE: Examples = {
    "exclude_padding": {
        "summary": "A corner window with padding left out of the divisor",
        "value": {
            "input": TUTORIAL_3X3,
            "kernel_size": 2,
            "padding": 1,
            "count_include_pad": False,
        },
    },
}
