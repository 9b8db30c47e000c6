"""The costliest request the server accepts at its limits, per endpoint and method, timed.

Run:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench.worst_case

Budget (DESIGN §7): with the default limits every accepted request costs at most about
1 s of CPU. This script searches a grid of configurations for each endpoint and method (every
method of convcore's registry), keeps those the server accepts (its own request models and
``app.plans``, the code a request goes through), ranks them by each cost figure the limits
bound (Python-level steps, multiply-adds and padded values, output values, kernel-matrix
entries, trace taps), and times the top few of each ranking through the whole app in
process (JSON decoding, validation, the computation, torch's check, the response): CPU
seconds by ``time.process_time``, best of ``--repeats``. The table shows the worst per
endpoint and method. It is a benchmark, not a test: numbers depend on the machine.

The pages' figures (``/<op>/animation.gif``, ``/<op>/step.png``) get rows too: the
heaviest page queries (:data:`EXPORTS`: the most steps the frame limit accepts, each with
the most taps, stamps or grids the pages allow), timed the same way.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

import convcore as cc
from app import plans
from app.errors import LimitExceededError
from app.main import create_app
from app.schemas.spec_models import OpBody, api_models
from app.settings import Settings
from bench.common import describe_machine, table

#: A body described by shapes (arrays) and values (everything else).
Shapes = dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class Candidate:
    """One request: endpoint, method (None for traces and inspect), shapes and options."""

    path: str
    method: str | None
    shapes: Shapes
    options: dict[str, Any]

    def values(self) -> int:
        """Numbers in the body's arrays."""
        return sum(int(np.prod(shape)) for shape in self.shapes.values())

    def describe(self) -> str:
        shapes = ", ".join(f"{k} {'×'.join(map(str, v))}" for k, v in self.shapes.items())
        options = ", ".join(f"{k}={v}" for k, v in self.options.items() if k != "verify")
        return f"{shapes}; {options}"

    def body(self, rng: np.random.Generator) -> dict[str, Any]:
        """The JSON body: small integers in every array (a short body, exact sums)."""
        arrays = {k: rng.integers(-3, 4, size=v).tolist() for k, v in self.shapes.items()}
        method = {"method": self.method} if self.method else {}
        return {**arrays, **self.options, **method}


# ---------------------------------------------------------------------------------------------
# the search space: each axis pushed to the limits and a few points between


def conv2d_grid() -> Iterator[tuple[Shapes, dict[str, Any]]]:
    for n, c_in, c_out, side, k, stride, dilation in itertools.product(
        (1, 8), (1, 4, 64), (1, 4, 64), (4, 16, 64, 128), (1, 3, 7, 16), (1, 2), (1, 4)
    ):
        for groups in {1, c_in} if c_out % c_in == 0 else {1}:
            for padding in {0, k // 2, 8}:
                shapes = {"input": (n, c_in, side, side), "weight": (c_out, c_in // groups, k, k)}
                yield shapes, {"stride": stride, "padding": padding, "dilation": dilation,
                               "groups": groups}  # fmt: skip


def conv_transpose2d_grid() -> Iterator[tuple[Shapes, dict[str, Any]]]:
    for n, c_in, c_out, side, k, stride, dilation in itertools.product(
        (1, 8), (1, 4, 64), (1, 4, 64), (8, 32, 64, 128), (1, 3, 7, 16), (1, 2, 4), (1, 4)
    ):
        shapes = {"input": (n, c_in, side, side), "weight": (c_in, c_out, k, k)}
        yield shapes, {"stride": stride, "dilation": dilation}


def pool_grid(op: str) -> Iterator[tuple[Shapes, dict[str, Any]]]:
    for n, c, side, k, stride in itertools.product(
        (1, 4, 8), (1, 4, 16), (16, 64, 127, 128), (2, 3, 8, 16), (1, 2, None)
    ):
        for padding in {0, k // 2}:
            options: dict[str, Any] = {"kernel_size": k, "stride": stride, "padding": padding}
            if op == "max_pool2d":
                for dilation, indices in itertools.product((1, 2), (False, True)):
                    yield {"input": (n, c, side, side)}, {**options, "dilation": dilation,
                                                          "return_indices": indices}  # fmt: skip
            else:
                yield {"input": (n, c, side, side)}, {**options, "count_include_pad": False}


GRIDS = {
    "conv2d": conv2d_grid,
    "conv_transpose2d": conv_transpose2d_grid,
    "max_pool2d": lambda: pool_grid("max_pool2d"),
    "avg_pool2d": lambda: pool_grid("avg_pool2d"),
}


def unfold_grid() -> Iterator[tuple[Shapes, dict[str, Any]]]:
    for n, c, side, k in itertools.product((1, 8), (1, 4, 64), (16, 64, 128), (2, 16)):
        yield {"input": (n, c, side, side)}, {"kernel_size": k}


def kernel_matrix_grid() -> Iterator[tuple[Shapes, dict[str, Any]]]:
    for c_in, c_out, side, k in itertools.product((1, 4, 16), (1, 4, 16), (4, 16, 64), (1, 3, 7)):
        shapes = {"weight": (c_out, c_in, k, k)}
        yield shapes, {"input_size": side, "padding": k // 2}


# ---------------------------------------------------------------------------------------------
# acceptance and cost: the server's own code


def body_model(model: type[OpBody], shapes: Shapes, options: dict[str, Any]) -> OpBody:
    """A request model with ``options`` validated as the server validates them, and zero
    arrays of ``shapes`` (built directly: the arrays' own checks are shape checks)."""
    placeholders = {k: np.zeros((1,) * len(v)).tolist() for k, v in shapes.items()}
    body = model.model_validate({**placeholders, **options})
    return body.model_copy(update={k: np.zeros(v) for k, v in shapes.items()})


def costs(
    path: str, method: str | None, body: OpBody, settings: Settings
) -> dict[str, float] | None:
    """The cost figures of an accepted request, or None when the server would refuse it."""
    try:
        if path.endswith("/unfold"):
            plans.plan_unfold(body.input.shape, body.kwargs(), settings)
            return {"values": float(body.input.size) * np.prod(body.kernel_size)}
        if path.endswith("/kernel_matrix"):
            g = plans.plan_kernel_matrix(body.weight.shape, body.kwargs(), settings)
            return {"matrix": g.matrix_entries}
        plan = plans.plan_op(body, settings, method)
        g = plan.call.geometry
        figures = {"work": g.work, "output": float(np.prod(plan.out_shape))}
        if method is not None:
            figures["steps"] = plan.call.python_steps(method)
            if cc.get_method(body.op, method).matrix:
                figures["matrix"] = g.matrix_entries
        else:
            view = getattr(body, "view", "output") if body.op == "conv_transpose2d" else "output"
            plans.check_trace(plan.call, body.count, view, settings)
            figures["taps"] = body.count * g.trace_size(view)[1]
        return figures
    except (cc.ConvcoreError, LimitExceededError, ValueError):
        return None


def candidates(settings: Settings, per_figure: int) -> dict[tuple[str, str], list[Candidate]]:
    """The accepted requests worth timing: the top few by each cost figure, per route."""
    models = api_models(settings)
    found: dict[tuple[str, str], list[tuple[dict[str, float], Candidate]]] = {}

    def consider(path: str, method: str | None, model: type[OpBody], shapes, options) -> None:
        try:
            body = body_model(model, shapes, options)
        except ValueError:  # a field over its bound: the schema refuses it
            return
        figures = costs(path, method, body, settings)
        if figures is not None:
            key = (path, method or "—")
            found.setdefault(key, []).append((figures, Candidate(path, method, shapes, options)))

    for op, grid in GRIDS.items():
        for shapes, options in grid():
            for method in cc.METHODS[op]:
                consider(f"/api/v1/{op}", method, models.requests[op], shapes, options)
            trace_options = {
                k: v for k, v in options.items() if k in models.traces[op].model_fields
            }
            for view in ("scatter", "conv") if op == "conv_transpose2d" else ("output",):
                extra = {"view": view} if op == "conv_transpose2d" else {}
                for count in (settings.max_trace_steps, 8, 1):
                    trace = {**trace_options, **extra, "count": count}
                    consider(f"/api/v1/{op}/trace", None, models.traces[op], shapes, trace)
    for shapes, options in unfold_grid():
        consider("/api/v1/unfold", None, models.unfold, shapes, options)
    for shapes, options in kernel_matrix_grid():
        consider("/api/v1/kernel_matrix", None, models.kernel_matrix, shapes, options)

    chosen: dict[tuple[str, str], list[Candidate]] = {}
    for key, entries in found.items():
        picks: list[Candidate] = []
        for figure in sorted({f for figures, _ in entries for f in figures}):
            # ties (a figure at its limit) go to the largest arrays: more to parse and check
            ranked = sorted(entries, key=lambda e, f=figure: (-e[0].get(f, 0), -e[1].values()))
            picks += [c for _, c in ranked[:per_figure] if c not in picks]
        chosen[key] = picks
    return chosen


def cpu_seconds(client: TestClient, candidate: Candidate, repeats: int) -> tuple[float, int]:
    """Best CPU time of the request through the app, and its status code."""
    body = json.dumps(candidate.body(np.random.default_rng(0)))
    headers = {"content-type": "application/json"}
    best, status = float("inf"), 0
    for _ in range(repeats):
        start = time.process_time()
        response = client.post(candidate.path, content=body, headers=headers)
        best = min(best, time.process_time() - start)
        status = response.status_code
    return best, status


#: Page queries at the pages' limits for the figure exports: as many steps as
#: max_export_frames (100) accepts, each step as heavy as the page allows (the most taps,
#: stamps and cells per frame, the largest image).
EXPORTS = {
    "conv2d": [
        # 100 steps of 196 taps over 4 input channels padded to 26×26 (reflect)
        "h=16&w=16&ci=4&co=1&kp=random&kh=7&kw=7&xp=random&sh=2&sw=2&ph=5&pw=5&mode=reflect",
        # 64 steps of 196 taps over 16 kernels
        "h=16&w=16&ci=4&co=4&kp=random&kh=7&kw=7&xp=random&sh=3&sw=3&mode=circular",
        # 100 steps in 4 groups, dilated
        "h=16&w=16&ci=4&co=4&groups=4&kp=random&kh=4&kw=4&xp=random&sh=3&sw=3&ph=2&pw=2&dh=2&dw=2",
        # 100 steps of 49 taps on one 16×16 input, 'same'
        "h=10&w=10&kp=random&kh=7&kw=7&xp=random&pad=same&mode=replicate",
    ],
    "conv_transpose2d": [
        # 100 stamps of 4 × 49 cells on a 34×34 canvas per output channel
        "h=10&w=10&ci=1&co=4&kp=random&kh=7&kw=7&xp=random&sh=3&sw=3&ph=3&pw=3",
        # 100 columns, each stamping 4 inputs onto 4 outputs
        "h=10&w=10&ci=4&co=4&kp=random&kh=5&kw=5&xp=random&sh=3&sw=3&ph=2&pw=2&tab=col2im",
        # 100 outputs over 4 zero-inserted inputs
        "h=4&w=4&ci=4&co=1&kp=random&kh=7&kw=7&xp=random&sh=3&sw=3&ph=3&pw=3&tab=zero_insert",
    ],
    "max_pool2d": [
        "h=10&w=10&ci=1&kh=7&kw=7&sh=1&sw=1&ph=3&pw=3&xp=random&ri=1",
        "h=16&w=16&ci=4&kh=7&kw=7&sh=4&sw=4&ph=3&pw=3&xp=random&ri=1&ceil=1",
    ],
    "avg_pool2d": [
        "h=10&w=10&ci=1&kh=7&kw=7&sh=1&sw=1&ph=3&pw=3&xp=random&ceil=1",
        "h=16&w=16&ci=4&kh=7&kw=7&sh=4&sw=4&ph=3&pw=3&xp=random&cip=0",
    ],
}


def export_rows(client: TestClient, repeats: int) -> list[list[str]]:
    """The figure exports of :data:`EXPORTS`: the worst per page and kind."""
    rows = []
    for op, queries in EXPORTS.items():
        for last in ("animation.gif", "step.png"):
            timed = []
            for query in queries:
                path = f"/{op}/{last}?{query}" + ("&t=50" if last == "step.png" else "")
                best, status, size = float("inf"), 0, 0
                for _ in range(repeats):
                    start = time.process_time()
                    response = client.get(path)
                    best = min(best, time.process_time() - start)
                    status, size = response.status_code, len(response.content)
                timed.append((best, status, size, query))
            seconds, status, size, query = max(timed)
            refused = sum(1 for _, s, _, _ in timed if s != 200)
            note = f"{size / 1e3:.0f} kB" + (f"; {refused} refused!" if refused else "")
            rows.append([f"/{op}/{last}", "—", f"{seconds:.3f}", str(status), query, note])
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--per-figure", type=int, default=3, help="candidates timed per figure")
    parser.add_argument(
        "--exports-only", action="store_true", help="time only the pages' figure exports"
    )
    args = parser.parse_args()
    settings = Settings()
    print(describe_machine(settings.compute_threads))
    print("limits:", settings.model_dump(exclude={"max_body_bytes", "inline_work"}))
    chosen = {} if args.exports_only else candidates(settings, args.per_figure)
    rows, worst = [], 0.0
    with TestClient(create_app(settings)) as client:  # the lifespan sets the server's threads
        for row in export_rows(client, args.repeats):
            rows.append(row)
            worst = max(worst, float(row[2]))
        for (path, method), picks in sorted(chosen.items()):
            timed = [(cpu_seconds(client, c, args.repeats), c) for c in picks]
            (seconds, status), candidate = max(timed, key=lambda t: t[0][0])
            worst = max(worst, seconds)
            refused = [c for (_, s), c in timed if s != 200]
            note = f"{len(refused)} refused!" if refused else ""
            rows.append([path, method, f"{seconds:.3f}", str(status), candidate.describe(), note])
            print(rows[-1], flush=True)
    print()
    print(table(rows, ["endpoint", "method", "CPU s", "status", "worst request", ""]))
    print(f"\nworst accepted request: {worst:.3f} s of CPU")


if __name__ == "__main__":
    main()
