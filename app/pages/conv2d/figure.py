"""What conv2d's exported figures say about a step: ``y[o, i, j] = x×w + … = result``."""

from __future__ import annotations

from app.figures.spec import FigureSpec, joined
from app.pages.conv2d.step import StepView
from app.pages.format import num, term


def caption(view: StepView) -> str:
    """The step's sum with its numbers (the middle terms left out when there are many).

    The bias, when there is one, is added last.
    """
    bias = "" if view.step.bias is None else f" + {term(view.step.bias)}"
    products = joined([t.text for t in view.terms])
    return f"{view.yname} = {products}{bias} = {num(view.step.result)}"


FIGURE = FigureSpec(caption=caption)
