"""convcore: 2-D convolution, the ways a course teaches it, with torch's signatures.

>>> import convcore as cc
>>> cc.conv2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
array([[19., 25.],
       [37., 43.]])
"""

from convcore.convolution import conv2d
from convcore.errors import ConvcoreError
from convcore.geometry import (
    Conv2dGeometry,
    ConvTranspose2dGeometry,
    Pool2dGeometry,
    conv2d_geometry,
    conv_transpose2d_geometry,
    pool2d_geometry,
)
from convcore.kernel_matrix import kernel_matrix
from convcore.pooling import avg_pool2d, max_pool2d
from convcore.prepare import (
    Prepared,
    PreparedConv,
    PreparedPool,
    prepare_avg_pool2d,
    prepare_conv2d,
    prepare_conv_transpose2d,
    prepare_max_pool2d,
)
from convcore.registry import METHODS, Method, get_method
from convcore.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    dilated_extent,
    pool_output_size,
    same_padding,
)
from convcore.trace import (
    trace_avg_pool2d,
    trace_conv2d,
    trace_conv_transpose2d,
    trace_max_pool2d,
)
from convcore.transposed import conv_transpose2d
from convcore.unfold import fold, unfold

__version__ = "0.1.0"

__all__ = [
    "METHODS",
    "Conv2dGeometry",
    "ConvTranspose2dGeometry",
    "ConvcoreError",
    "Method",
    "Pool2dGeometry",
    "Prepared",
    "PreparedConv",
    "PreparedPool",
    "__version__",
    "avg_pool2d",
    "conv2d",
    "conv2d_geometry",
    "conv_output_size",
    "conv_transpose2d",
    "conv_transpose2d_geometry",
    "conv_transpose_output_size",
    "dilated_extent",
    "fold",
    "get_method",
    "kernel_matrix",
    "max_pool2d",
    "pool2d_geometry",
    "pool_output_size",
    "prepare_avg_pool2d",
    "prepare_conv2d",
    "prepare_conv_transpose2d",
    "prepare_max_pool2d",
    "same_padding",
    "trace_avg_pool2d",
    "trace_conv2d",
    "trace_conv_transpose2d",
    "trace_max_pool2d",
    "unfold",
]
