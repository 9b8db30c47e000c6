"""What the pooling pages' exported figures say about a step: the window's values, and the
maximum or the average of them."""

from __future__ import annotations

from app.figures.spec import FigureSpec, joined
from app.pages.format import num
from app.pages.pool.step import PoolStepView
from convcore.trace import AvgPoolStep


def caption(view: PoolStepView) -> str:
    """``y[i, j] = max(…) = m`` or ``y[i, j] = (… + …) / divisor = a``."""
    values = [t.text for t in view.terms]
    step = view.step
    if isinstance(step, AvgPoolStep):
        return f"{view.yname} = ({joined(values)}) / {step.divisor} = {num(step.result)}"
    return f"{view.yname} = max({joined(values, sep=', ')}) = {num(step.result)}"


FIGURE = FigureSpec(caption=caption)
