"""One module per method; :mod:`convcore.registry` lists them all."""
