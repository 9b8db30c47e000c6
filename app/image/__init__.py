"""Image mode: a real picture through any operation (``/image``, ``POST /api/v1/image/{op}``).

- :mod:`.decode`: an uploaded file → an upright 8-bit RGB picture, or a clear refusal;
- :mod:`.samples`: the bundled pictures (a photo, text, a checkerboard, one bright pixel);
- :mod:`.params`: the request's fields, one model per op, derived from :mod:`convcore.spec`;
- :mod:`.compute`: the picture and the fields → the op's call, checked by convcore and the
  limits (:mod:`app.plans`), and run;
- :mod:`.render`: the output as a picture (colour maps, legend, PNG);
- :mod:`.patch`: one output pixel's receptive field, patch and stepper link;
- :mod:`.upload`: multipart bodies read in memory;
- :mod:`.service` and :mod:`.page`: what the API route and the page do with all that.
"""
