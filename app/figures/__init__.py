"""Figures for slides: any stepper page as an animated GIF (one frame per step) or one step as
a PNG, drawn on the server with Pillow.

A figure shows what the page shows, from the same data: the page's own board (the grids as
convcore filled them: padding with its copied values, inserted zeros, the canvas a transposed
convolution stamps onto) and, per step, the page's own step marks
(:class:`app.pages.highlight.Highlight`: the window's taps with their weights, the dilation
gaps, the current cell, a maximum and its ties, the canvas cells a stamp changed). Which
grids a figure draws, under which titles, and the line that says what a step computes, come
from the page's description
(:class:`app.figures.spec.FigureSpec`, ``Page.figure``); a page without its own gets the
default, which draws the board's ``inputs``, ``kernels``, ``outputs`` and ``indices``.

- :mod:`.spec`: what a page says about its figure;
- :mod:`.scene`: the board and the marks of a step → the look of every cell;
- :mod:`.layout`: where the grids go, and the cell size that fits the image's limits;
- :mod:`.style`, :mod:`.fonts`, :mod:`.tiles`: colours, fonts, one cell drawn;
- :mod:`.draw`: the figure of a configuration, frame by frame;
- :mod:`.gif`: an animated GIF written frame by frame, each frame only what changed;
- :mod:`.export`: a page query → the PNG or the GIF, within the server's limits.
"""
