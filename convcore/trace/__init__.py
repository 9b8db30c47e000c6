"""Step traces: every operation explained one number at a time, as JSON-ready records.

A tracer is built once per configuration (validated exactly as the operation validates it)
and gives ``.count`` steps; ``.step(t)`` computes step ``t`` from indices in O(taps), and
every step's ``to_dict()`` is plain JSON.
"""

from convcore.trace.base import Tracer
from convcore.trace.conv2d import Conv2dTracer, trace_conv2d
from convcore.trace.model import (
    AvgPoolStep,
    ConvStep,
    ConvTap,
    EquivalentConvStep,
    EquivalentConvTap,
    Im2colColumn,
    KernelMatrixRow,
    MaxPoolStep,
    PoolTap,
    ScatterStep,
    ScatterTap,
    TraceInfo,
)
from convcore.trace.pooling import (
    AvgPoolTracer,
    MaxPoolTracer,
    trace_avg_pool2d,
    trace_max_pool2d,
)
from convcore.trace.transposed import (
    EquivalentConvTracer,
    ScatterTracer,
    trace_conv_transpose2d,
)

__all__ = [
    "AvgPoolStep",
    "AvgPoolTracer",
    "Conv2dTracer",
    "ConvStep",
    "ConvTap",
    "EquivalentConvStep",
    "EquivalentConvTap",
    "EquivalentConvTracer",
    "Im2colColumn",
    "KernelMatrixRow",
    "MaxPoolStep",
    "MaxPoolTracer",
    "PoolTap",
    "ScatterStep",
    "ScatterTap",
    "ScatterTracer",
    "TraceInfo",
    "Tracer",
    "trace_avg_pool2d",
    "trace_conv2d",
    "trace_conv_transpose2d",
    "trace_max_pool2d",
]
