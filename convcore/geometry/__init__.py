"""The geometry layer: validated, normalised descriptions of each operation's configuration.

A geometry is everything about a call except the numbers in its arrays: sizes, strides,
padding, groups, and the output size, checked as torch checks them. It is built from
parameters and shapes alone (:mod:`convcore.params`, :mod:`convcore.shapes`,
:mod:`convcore.padding`), so everything above it can use it: the methods take one, the
registry lists the methods, and the op front-ends, the tracers and :mod:`convcore.prepare`
build one. Cost figures (multiply-adds, padded or canvas values, kernel-matrix entries, the
size of a trace) are properties, so a caller compares them with its limits without working
them out again.

>>> g = conv2d_geometry((1, 1, 5, 5), (1, 1, 3, 3), stride=2, padding=1)
>>> g.out_size, g.multiply_adds
((3, 3), 81)
"""

from convcore.geometry.conv2d import Conv2dGeometry, conv2d_geometry, resolve_padding
from convcore.geometry.pool import Pool2dGeometry, avg_divisor_args, pool2d_geometry
from convcore.geometry.transposed import ConvTranspose2dGeometry, conv_transpose2d_geometry
from convcore.params import Padding

#: Any operation's geometry.
Geometry = Conv2dGeometry | ConvTranspose2dGeometry | Pool2dGeometry

__all__ = [
    "Conv2dGeometry",
    "ConvTranspose2dGeometry",
    "Geometry",
    "Padding",
    "Pool2dGeometry",
    "avg_divisor_args",
    "conv2d_geometry",
    "conv_transpose2d_geometry",
    "pool2d_geometry",
    "resolve_padding",
]
