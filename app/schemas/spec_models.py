"""The API's request models, derived from :mod:`convcore.spec` with the server's limits as bounds.

Nothing here spells out an operation's arguments: each field comes from the op's
:class:`~convcore.spec.Arg` (kind, default, minimum, nonzero, choices, help), its upper
bound from :class:`~app.settings.Settings` by the argument's size kind (a stride is a
``side``: at most ``max_side``), and its method names from convcore's registry. The same
bound is written into the OpenAPI schema and enforced by the field's validator, so the
schema is exactly as strict as the server; the validator runs convcore's own check
(:func:`convcore.params.check_arg`), so a stride of 0 gets convcore's message.

The settings differ per app, so the models are built per app (:func:`api_models`, cached
by settings).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticCustomError

import convcore as cc
from app.schemas.fields import (
    INT_BOUND,
    Flag,
    int_schema,
    integral,
    pair_schema,
    parse_bias,
    parse_int_or_pair,
    parse_tensor,
    tensor_schema,
)
from app.settings import Settings
from convcore import formulas
from convcore.errors import ConvcoreError
from convcore.params import check_arg
from convcore.spec import MATRIX_OPS, OPS, Arg, OpSpec, op_spec
from convcore.trace.transposed import VIEWS

# ---------------------------------------------------------------------------------------------
# bounds


@dataclass(frozen=True)
class Bounds:
    """The largest value of each size kind (``side``, ``channels`` …) and its setting.

    ``strict`` applies the spec's minimums too; the shape calculator is not strict (an
    invalid configuration is its answer, not a 422).
    """

    caps: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    strict: bool = True

    @classmethod
    def of(cls, settings: Settings) -> Bounds:
        """The server's bounds: every size kind capped by its setting."""
        return cls(
            {
                "side": (settings.max_side, "max_side"),
                "channels": (settings.max_channels, "max_channels"),
                "kernel": (settings.max_kernel_side, "max_kernel_side"),
                "batch": (settings.max_batch, "max_batch"),
            }
        )

    def cap(self, arg: Arg) -> tuple[int, str] | None:
        """(largest value, setting) of ``arg``, by its name then its size kind."""
        limits = {name: value for name, (value, _) in self.caps.items()}
        maximum = arg.maximum(limits)
        if maximum is None:
            return None
        setting = self.caps[arg.name if arg.name in self.caps else arg.size][1]
        return maximum, setting

    def axis_caps(self, arg: Arg) -> tuple[int | None, ...]:
        """The longest each axis of a tensor may be (aligned to the last axis)."""
        return tuple(self.caps[kind][0] if kind in self.caps else None for kind in arg.axes)


LENIENT = Bounds(strict=False)


# ---------------------------------------------------------------------------------------------
# one field per argument


def _convcore_check(arg: Arg, value: Any) -> None:
    """convcore's own rule for the argument, reported with convcore's message."""
    try:
        check_arg(arg, value)
    except ConvcoreError as err:
        raise PydanticCustomError("convcore_error", str(err)) from None


def _over(name: str, value: int, cap: tuple[int, str], below: bool = False) -> PydanticCustomError:
    limit, setting = cap
    if below:
        message = f"{name} is {value}, below the limit of {-limit} ({setting})"
    else:
        message = f"{name} is {value}, over the limit of {limit} ({setting})"
    return PydanticCustomError("limit_exceeded", message, {"limit": limit, "setting": setting})


def _check_cap(arg: Arg, value: int | tuple[int, ...], cap: tuple[int, str] | None) -> None:
    """The server's limit: a kernel side per axis, any other size on its largest entry."""
    if cap is None:
        return
    pair = value if isinstance(value, tuple) else (value,)
    if arg.size == "kernel":
        for axis, size in zip(("height", "width"), pair * (3 - len(pair)), strict=False):
            if size > cap[0]:
                raise _over(f"{arg.name} {axis}", size, cap)
    elif max(pair) > cap[0]:
        raise _over(arg.name, max(pair), cap)
    elif arg.minimum is None and min(pair) < -cap[0]:  # a crop is bounded as a pad is
        raise _over(arg.name, min(pair), cap, below=True)


def _pair_type(arg: Arg, bounds: Bounds) -> Any:
    """An int or [height, width]; conv2d's padding also 'same' / 'valid'."""
    cap = bounds.cap(arg)
    low = arg.minimum if bounds.strict else None
    if low is None and cap is not None:
        low = -cap[0]

    def validate(value: Any) -> int | tuple[int, ...] | str:
        if arg.kind == "padding" and isinstance(value, str):
            if value not in arg.choices:
                raise ValueError(
                    f"{arg.name} must be an integer, [height, width], "
                    f"{' or '.join(map(repr, arg.choices))}, got {value[:20]!r}"
                )
            return value
        parsed = parse_int_or_pair(value, single=arg.single)
        if bounds.strict:
            _convcore_check(arg, parsed)
        _check_cap(arg, parsed, cap)
        return parsed

    spellings = pair_schema(low, cap[0] if cap else None, arg.single)
    if arg.kind == "padding":
        spellings.append({"enum": list(arg.choices)})
    schema = {"anyOf": spellings, "description": arg.help or "An integer, or [height, width]."}
    return Annotated[int | tuple[int, ...] | str, PlainValidator(validate), WithJsonSchema(schema)]


def _int_type(arg: Arg, bounds: Bounds) -> Any:
    """A plain integer (groups, divisor_override); integral floats count."""
    cap = bounds.cap(arg)
    low = arg.minimum if bounds.strict else None

    def validate(value: Any) -> int:
        number = integral(value)
        if type(number) is not int:
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        if abs(number) > INT_BOUND:
            raise ValueError(f"integers must lie within ±{INT_BOUND}, got {value!r}")
        if bounds.strict:
            _convcore_check(arg, number)
        _check_cap(arg, number, cap)
        return number

    schema = int_schema(low, cap[0] if cap else None, arg.nonzero and bounds.strict)
    return Annotated[int, PlainValidator(validate), WithJsonSchema(schema)]


def _tensor_type(arg: Arg, bounds: Bounds) -> Any:
    """Nested lists of finite numbers, each axis as long as the limits allow."""
    low, high = arg.ndim
    caps = bounds.axis_caps(arg)
    if low == 0:  # a bias: one number (the tutorial's 2-D form), or one per channel
        schema = {
            "anyOf": [{"type": "number"}, tensor_schema(1, 1, "", max_items=caps)["anyOf"][0]],
            "description": arg.help,
        }
        return Annotated[NDArray[np.float64], PlainValidator(parse_bias), WithJsonSchema(schema)]
    ndims = arg.ndims

    def validate(value: Any) -> NDArray[np.float64]:
        return parse_tensor(value, low, high, ndims)

    schema = tensor_schema(low, high, arg.help, ndims, caps)
    return Annotated[NDArray[np.float64], PlainValidator(validate), WithJsonSchema(schema)]


def arg_field(arg: Arg, bounds: Bounds) -> tuple[Any, Any]:
    """The ``(annotation, FieldInfo)`` of one argument, for :func:`pydantic.create_model`."""
    kinds: dict[str, Callable[[Arg, Bounds], Any]] = {
        "tensor": _tensor_type,
        "pair": _pair_type,
        "padding": _pair_type,
        "int": _int_type,
    }
    if arg.kind in kinds:
        annotation = kinds[arg.kind](arg, bounds)
    elif arg.kind == "flag":
        annotation = Flag
    else:
        annotation = Literal[arg.choices]  # pydantic's message lists the choices
    if arg.optional:
        annotation = annotation | None
    default = ... if arg.required else arg.default
    return annotation, Field(default, description=arg.help)


# ---------------------------------------------------------------------------------------------
# the models


class OpBody(BaseModel):
    """A request carrying one operation's arguments (fields from :mod:`convcore.spec`)."""

    model_config = ConfigDict(extra="forbid")

    op: ClassVar[str] = ""

    def kwargs(self) -> dict[str, Any]:
        """The non-array arguments the request has, as convcore's functions take them."""
        fields = type(self).model_fields
        return {a.name: getattr(self, a.name) for a in op_spec(self.op).options if a.name in fields}

    def arrays(self) -> tuple[Any, ...]:
        """The array arguments the request has, in signature order (input, weight, bias)."""
        fields = type(self).model_fields
        return tuple(getattr(self, a.name) for a in op_spec(self.op).tensors if a.name in fields)

    if TYPE_CHECKING:  # the fields are built at run time from convcore.spec

        def __getattr__(self, name: str) -> Any: ...


def default_method(op: str) -> str | None:
    """The ``method`` default of convcore's public function for ``op``, if it has one."""
    function = getattr(cc, op, None)
    if function is None:
        return None
    parameter = inspect.signature(function).parameters.get("method")
    return None if parameter is None else str(parameter.default)


def _method_field(op: str) -> tuple[Any, Any]:
    """``method``: a name from convcore's registry, checked with the registry's message."""

    def validate(name: str) -> str:
        try:
            cc.get_method(op, name)
        except ConvcoreError as err:
            raise PydanticCustomError("convcore_error", str(err)) from None
        return name

    schema = {"type": "string", "enum": list(cc.METHODS[op])}
    annotation = Annotated[str, AfterValidator(validate), WithJsonSchema(schema)]
    return annotation, Field(
        default_method(op), description=f"A {op} method of GET /api/v1/methods."
    )


_VERIFY = (
    Flag,
    Field(
        True,
        description="Also run the matching torch.nn.functional call and report the difference.",
    ),
)

_TRACE_DOC = "Steps of the trace: ``count`` steps from ``start``."


def _trace_window(settings: Settings) -> dict[str, tuple[Any, Any]]:
    """``start`` and ``count``: which steps a trace request returns."""
    limit = settings.max_trace_steps

    def within(count: int) -> int:
        if count > limit:
            raise _over("count", count, (limit, "max_trace_steps"))
        return count

    # Field before BeforeValidator: the bounds then reach the JSON schema as min/max
    start = Annotated[int, Field(strict=True, ge=0, le=INT_BOUND), BeforeValidator(integral)]
    count = Annotated[
        int,
        Field(strict=True, ge=1, le=INT_BOUND),
        BeforeValidator(integral),
        AfterValidator(within),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": limit}),
    ]
    return {
        "start": (start, Field(0, description="First step, 0-based.")),
        "count": (
            count,
            Field(
                1,
                description="Number of steps: at most the server's max_trace_steps; fewer are "
                "returned when the trace ends first.",
            ),
        ),
    }


def _model(name: str, spec: OpSpec, doc: str, **fields: tuple[Any, Any]) -> type[OpBody]:
    definitions: dict[str, Any] = fields
    model = create_model(name, __base__=OpBody, __doc__=doc, **definitions)
    model.op = spec.name
    return model


def _fields(spec: OpSpec, bounds: Bounds, names: Any = None) -> dict[str, tuple[Any, Any]]:
    """One field per argument of ``spec`` (only ``names`` when given), in signature order."""
    return {a.name: arg_field(a, bounds) for a in spec.args if names is None or a.name in names}


def _signature_names(function: Callable[..., Any]) -> set[str]:
    return set(inspect.signature(function).parameters)


_CLASS_NAMES = {
    "conv2d": "Conv2d",
    "conv_transpose2d": "ConvTranspose2d",
    "max_pool2d": "MaxPool2d",
    "avg_pool2d": "AvgPool2d",
}


@dataclass(frozen=True)
class ApiModels:
    """Every request model of one app: per op, its request and its trace request."""

    requests: dict[str, type[OpBody]]
    traces: dict[str, type[OpBody]]
    unfold: type[OpBody]
    kernel_matrix: type[OpBody]


@cache
def api_models(settings: Settings) -> ApiModels:
    """The request models for an app with ``settings`` (built once per settings).

    Examples
    --------
    >>> models = api_models(Settings())
    >>> list(models.requests["conv2d"].model_fields)[:4]
    ['input', 'weight', 'bias', 'stride']
    >>> stride = models.requests["conv2d"].model_json_schema()["properties"]["stride"]
    >>> stride["anyOf"][0]["minimum"], stride["anyOf"][0]["maximum"]
    (1, 128)
    """
    bounds = Bounds.of(settings)
    requests, traces = {}, {}
    for op, spec in OPS.items():
        title = _CLASS_NAMES[op]
        requests[op] = _model(
            f"{title}Request",
            spec,
            f"POST /api/v1/{op}: {spec.torch}'s arguments, the method and the torch check.",
            **_fields(spec, bounds),
            method=_method_field(op),
            verify=_VERIFY,
        )
        tracer = getattr(cc, f"trace_{op}")
        extra = {"view": (Literal[VIEWS], Field("scatter", description=_VIEW_HELP))}
        traces[op] = _model(
            f"{title}TraceRequest",
            spec,
            f"POST /api/v1/{op}/trace: {spec.torch}'s arguments and the steps to return.",
            **_fields(spec, bounds, _signature_names(tracer)),
            **(extra if "view" in _signature_names(tracer) else {}),
            **_trace_window(settings),
        )
    unfold, kernel_matrix = MATRIX_OPS["unfold"], MATRIX_OPS["kernel_matrix"]
    return ApiModels(
        requests,
        traces,
        _model(
            "UnfoldRequest",
            unfold,
            "POST /api/v1/unfold: F.unfold's arguments.",
            **_fields(unfold, bounds),
            verify=_VERIFY,
        ),
        _model(
            "KernelMatrixRequest",
            kernel_matrix,
            "POST /api/v1/kernel_matrix: a conv2d weight and configuration, without the input.",
            **_fields(kernel_matrix, bounds),
            verify=_VERIFY,
        ),
    )


_VIEW_HELP = (
    "'scatter': a step per input value stamping the kernel; "
    "'conv': a step per output value of the equivalent direct convolution."
)

# ---------------------------------------------------------------------------------------------
# the shape calculator: sizes instead of arrays, no bounds but ±INT_BOUND

_Size = Annotated[int, Field(strict=True, ge=1, le=INT_BOUND), BeforeValidator(integral)]
Shape = Annotated[list[_Size], Field(min_length=2, max_length=4)]

_SHAPE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "conv2d": formulas.conv2d_shape,
    "conv_transpose2d": formulas.conv_transpose2d_shape,
    "max_pool2d": formulas.pool2d_shape,
    "avg_pool2d": formulas.pool2d_shape,
}


def shape_model(op: str) -> type[BaseModel]:
    """``/shape``'s body for ``op``: its shapes and the options its output size depends on."""
    spec = OPS[op]
    names = _signature_names(_SHAPE_FUNCTIONS[op])
    shapes = {"input_shape": (Shape, ...)}
    if "weight_shape" in names:
        shapes["weight_shape"] = (Shape, ...)
    definitions: dict[str, Any] = {
        "op": (Literal[op], ...),
        **shapes,
        **{a.name: arg_field(a, LENIENT) for a in spec.options if a.name in names},
    }
    return create_model(
        f"{_CLASS_NAMES[op]}ShapeRequest",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"{op} from shapes alone.",
        **definitions,
    )
