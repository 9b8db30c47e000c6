"""Views of a computation that the pages draw, worked out from indices like the step traces.

- :mod:`convcore.views.fields`: which cells a window reads and which windows read a cell
  (the receptive-field links between an input grid and an output grid);
- :mod:`convcore.views.shift_add`: conv2d as a sum of shifted input planes, one tap at a
  time (the planes the ``shift_add`` method adds up);
- :mod:`convcore.views.pool`: a pooling's receptive fields, its windows as one strided view
  and as shifted planes, what ``ceil_mode`` keeps or drops, an average's divisor, ties;
- :mod:`convcore.views.transposed`: conv_transpose2d's stamps (where they land, how they
  overlap, the canvas as it fills), its equivalent direct convolution's windows, and the
  conv2d it is the transpose of.
"""

from convcore.views.fields import WindowMap, conv2d_window_map
from convcore.views.pool import pool_window_map
from convcore.views.shift_add import ShiftAddTap, ShiftAddView, shift_add_view
from convcore.views.transposed import (
    Adjoint,
    Canvas,
    Col2imColumn,
    StampMap,
    canvas_regions,
    col2im_column,
    conv2d_of_transpose,
    running_canvas,
    stamp_counts,
    stamp_map,
    transpose_of_conv2d,
    zero_insert_window_map,
)

__all__ = [
    "Adjoint",
    "Canvas",
    "Col2imColumn",
    "ShiftAddTap",
    "ShiftAddView",
    "StampMap",
    "WindowMap",
    "canvas_regions",
    "col2im_column",
    "conv2d_of_transpose",
    "conv2d_window_map",
    "pool_window_map",
    "running_canvas",
    "shift_add_view",
    "stamp_counts",
    "stamp_map",
    "transpose_of_conv2d",
    "zero_insert_window_map",
]
