"""Step traces: every operation explained one number at a time, as JSON-ready records.

A tracer is built once per configuration (validated exactly as the operation validates it)
and gives ``.count`` steps; ``.step(t)`` computes step ``t`` from indices in O(taps).
"""

from convcore.trace.base import Tracer
from convcore.trace.conv2d import Conv2dTracer, trace_conv2d
from convcore.trace.model import (
    ConvStep,
    ConvTap,
    Im2colColumn,
    KernelMatrixRow,
    TraceInfo,
)

__all__ = [
    "Conv2dTracer",
    "ConvStep",
    "ConvTap",
    "Im2colColumn",
    "KernelMatrixRow",
    "TraceInfo",
    "Tracer",
    "trace_conv2d",
]
