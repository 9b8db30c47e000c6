"""The stepper pages: one core, and a small description per operation.

Every page lives at ``/<op>`` (named as :data:`convcore.spec.OPS` and the API name the op) and
is served by one handler, :func:`app.pages.render.serve`, with shared partials
(``templates/partials/``: the form, the step bar, the messages, the tabs) and one script
(``static/pages.js``: steps, playing, keys, links between grids, keeping the field being
typed in). A page brings only what is its own, in a :class:`~app.pages.page.Page`:

- its **query model**, derived from the op's arguments in :data:`convcore.spec.OPS` by
  :func:`~app.pages.query.page_query`, with the pages' limits
  (:data:`~app.pages.params.PAGE_LIMITS`) and the URL names every page shares
  (:data:`~app.pages.params.URL_NAMES`: ``stride`` is ``sh``/``sw`` everywhere);
- its **form**, as fieldsets naming the op's options (drawn from the spec by the shared
  macros) and page controls (``size``, ``kp``, …, macros in ``partials/controls.html``);
- ``prepare``: the query resolved into arrays and validated by convcore (a tracer, or
  :class:`~app.pages.problems.Problems` with each message next to its control);
- ``step``: one step's view, with its :class:`~app.pages.highlight.Highlight` (the taps, the
  current cell, the grids it works on; the only thing a step sends besides its arithmetic
  and its tab's part);
- ``board``: what stays on screen while stepping (the grids, with ids ``X<c>``, ``K<o>-<i>``,
  ``Y<o>`` and ``data-steps`` on the grids whose cells are the steps, and the link maps for
  the links between grids: one window map, or a list of maps each naming its rule,
  ``window`` or ``stamp``, and the grid it reads);
- its **tabs** (a template each, with a ``panel`` and an ``at_step`` macro) and its own
  **partials**: the grids, the arithmetic (the element ``#arith``), an explanation, an intro
  above the settings; and ``links`` (what its templates link to: the same configuration on
  another page, presets, examples).

What every page shares lives here too, to be used rather than copied: the input from a
pattern or typed cells (:mod:`app.pages.inputs`), the canonical URL of a view
(:mod:`app.pages.address`) and, for a page with a weight, :mod:`app.pages.arrays` (query →
input, weight, bias and the canonical URL, given the weight's layout), :mod:`app.pages.boards`
(kernel and output grids), :mod:`app.pages.torch_tab` (the PyTorch tab). A step whose numbers
change a grid (a canvas that fills up) puts the changed cells in its highlight (``values``);
the script asks for a step saying the step on screen (``shown``), so only those travel.

Adding a page (``/max_pool2d``, say):

1. ``app/pages/max_pool2d/``: ``config.py`` (query → arrays, canonical URL), ``setup.py``
   (validate with the op's tracer; advice next to controls), ``step.py`` (the trace step →
   its Highlight and arithmetic), ``board.py`` (the grids), ``tabs.py`` (each tab's views),
   and ``__init__.py`` with ``max_pool2d_page()`` returning the :class:`Page`;
2. ``templates/max_pool2d/``: ``grids.html``, ``arith.html``, a template per tab;
3. one line in :func:`app.pages.registry.build_pages`; labels of any new control in
   :mod:`app.pages.labels`; the new strings translated (``tests/pages/test_i18n.py``).

The route, the navigation, the form's fields and bounds, the messages, the step transport,
keyboard and play, presentation and print modes, and the links between grids come with the
core. conv2d is built this way (:mod:`app.pages.conv2d`), and so are conv_transpose2d
(:mod:`app.pages.conv_transpose2d`: its steps run over input values on two tabs and over
output values on the others) and the two pools, one description for both
(:mod:`app.pages.pool`).
"""
