"""Views of a computation that the pages draw, worked out from indices like the step traces.

- :mod:`convcore.views.fields`: which cells a window reads and which windows read a cell
  (the receptive-field links between an input grid and an output grid);
- :mod:`convcore.views.shift_add`: conv2d as a sum of shifted input planes, one tap at a
  time (the planes the ``shift_add`` method adds up);
- :mod:`convcore.views.pool`: a pooling's receptive fields, its windows as one strided view
  and as shifted planes, what ``ceil_mode`` keeps or drops, an average's divisor, ties.
"""

from convcore.views.fields import WindowMap, conv2d_window_map
from convcore.views.pool import pool_window_map
from convcore.views.shift_add import ShiftAddTap, ShiftAddView, shift_add_view

__all__ = [
    "ShiftAddTap",
    "ShiftAddView",
    "WindowMap",
    "conv2d_window_map",
    "pool_window_map",
    "shift_add_view",
]
