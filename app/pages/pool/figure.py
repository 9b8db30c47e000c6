"""What the pooling pages' exported figures say about a step: the window's values, and the
maximum or the average of them."""

from __future__ import annotations

from app.figures.spec import FigureSpec, joined
from app.pages.format import num, term
from app.pages.pool.step import PoolStepView
from convcore.trace import AvgPoolStep


def caption(view: PoolStepView) -> str:
    """``y[i, j] = max(…) = m`` or ``y[i, j] = (… + …) / divisor = a``."""
    step = view.step
    if isinstance(step, AvgPoolStep):
        summed = joined([term(float(t.value)) for t in view.terms])
        return f"{view.yname} = ({summed}) / {step.divisor} = {num(step.result)}"
    values = joined([t.text for t in view.terms], sep=", ")
    return f"{view.yname} = max({values}) = {num(step.result)}"


FIGURE = FigureSpec(caption=caption)
