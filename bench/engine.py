"""convcore's methods side by side with torch.nn.functional, in one process.

Run (unset the OpenBLAS overrides this machine sets, which slow numpy's GEMM):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench.engine

For every case, torch and each convcore method run in turn, round after round (so that all
of them see the same background load), with the same thread count for numpy's BLAS and
torch; each keeps its best time over the rounds. The Markdown table gives torch's time,
ours, and the ratio torch time / our time (above 1: faster than torch), with the floor the
design sets for the op's fastest method; a closing table picks the fastest method per case.
Both libraries get the same arrays, float32 unless ``--dtype float64``.

On a machine other processes keep busy, two-thread wall times say little: torch's worker
threads wait for each other whenever one is descheduled. ``--threads 1 --clock cpu``
compares the CPU time each call spends on this one thread instead, which that load does
not inflate (it still shares caches and memory bandwidth).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

import convcore as cc
from bench.bounds import BOUNDS
from bench.common import best_seconds_interleaved, describe_machine, load_average, pin_threads
from bench.common import table as markdown_table
from convcore.geometry import resolve_padding

ALL = ("*",)  # every registered method of the op


@dataclass(frozen=True)
class Case:
    """One call to time: an op, its input (and weight) shapes, keyword arguments."""

    op: str
    name: str
    x: tuple[int, ...]
    weight: tuple[int, ...] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    methods: tuple[str, ...] = ALL
    floor: float | None = None  # ratio the fastest method must reach (DESIGN §7)
    bound: str | None = None  # the bare work that bounds the methods (bench.bounds)

    def method_names(self) -> tuple[str, ...]:
        """The methods to time, ``ALL`` expanded from the registry."""
        return tuple(cc.METHODS[self.op]) if self.methods == ALL else self.methods


FAST_CONV = ("im2col", "shift_add")
TRANSPOSED = ("col2im", "zero_insert", "scatter")
MAX_3X3 = {"kernel_size": 3, "stride": 2, "padding": 1}


def conv(name: str, x: tuple, weight: tuple, floor: float | None = None, **kwargs: Any) -> Case:
    """A conv2d case timed with the fast methods, and with the work that bounds them."""
    bound = "passes" if kwargs.get("groups", 1) == x[1] == weight[0] else "matmul"
    return Case("conv2d", name, x, weight, kwargs, FAST_CONV, floor, bound)


CASES = [
    # the layers DESIGN §7 sets floors for
    conv("dense 3×3, 64→64, 56², batch 4", (4, 64, 56, 56), (64, 64, 3, 3), 0.8, padding=1),
    conv("pointwise 1×1, 256→128, 28², batch 8", (8, 256, 28, 28), (128, 256, 1, 1), 0.8),
    conv("stem 7×7/2, 3→64, 224²", (1, 3, 224, 224), (64, 3, 7, 7), 0.7, stride=2, padding=3),
    conv(
        "depthwise 3×3, 128 ch, 56², batch 8",
        (8, 128, 56, 56),
        (128, 1, 3, 3),
        padding=1,
        groups=128,
    ),
    Case(
        "max_pool2d",
        "max 3×3/2, 64 ch, 112², batch 8",
        (8, 64, 112, 112),
        None,
        MAX_3X3,
        ("window",),
        0.8,
    ),
    Case(
        "avg_pool2d",
        "avg 2×2/2, 256 ch, 28², batch 8",
        (8, 256, 28, 28),
        None,
        {"kernel_size": 2},
        ("window",),
        0.8,
    ),
    # no floor: the indices, a larger dense layer, transposed convolution, teaching sizes
    Case(
        "max_pool2d",
        "max 3×3/2 with indices",
        (8, 64, 112, 112),
        None,
        {**MAX_3X3, "return_indices": True},
        ("window",),
    ),
    conv("dense 3×3, 128→128, 28², batch 32", (32, 128, 28, 28), (128, 128, 3, 3), padding=1),
    Case(
        "conv_transpose2d",
        "DCGAN up 4×4/2",
        (16, 256, 8, 8),
        (256, 128, 4, 4),
        {"stride": 2, "padding": 1},
        TRANSPOSED,
    ),
    Case(
        "conv_transpose2d",
        "decoder 3×3/2",
        (8, 64, 28, 28),
        (64, 32, 3, 3),
        {"stride": 2, "padding": 1, "output_padding": 1},
        TRANSPOSED,
    ),
    # the sizes students and API users send (what the default method should be good at)
    Case("conv2d", "tutorial 3×3 input, 2×2 kernel", (3, 3), (2, 2), {}, FAST_CONV),
    Case("conv2d", "teaching 4→4, 16², 3×3", (1, 4, 16, 16), (4, 4, 3, 3), {"padding": 1}),
    Case(
        "conv2d",
        "stepper's heaviest page: 4→4, 16², 7×7, groups 2, same, reflect",
        (1, 4, 16, 16),
        (4, 2, 7, 7),
        {"groups": 2, "padding": "same", "padding_mode": "reflect"},
        FAST_CONV,
    ),
    Case("conv2d", "MNIST-sized 1→8, 28², 5×5", (1, 1, 28, 28), (8, 1, 5, 5), {}, FAST_CONV),
    Case(
        "conv2d",
        "RGB 3→8, 64², 3×3/2",
        (1, 3, 64, 64),
        (8, 3, 3, 3),
        {"stride": 2, "padding": 1},
        FAST_CONV,
    ),
    Case(
        "conv_transpose2d",
        "teaching 2→2, 8², 3×3/2",
        (1, 2, 8, 8),
        (2, 2, 3, 3),
        {"stride": 2, "padding": 1},
    ),
    Case("max_pool2d", "teaching max 3×3/2", (1, 2, 16, 16), None, MAX_3X3),
    Case(
        "avg_pool2d",
        "teaching avg 3×3/2",
        (1, 2, 16, 16),
        None,
        {**MAX_3X3, "count_include_pad": False},
    ),
]


def calls(case: Case, dtype: type) -> tuple[Callable[[], Any], Callable[[str], Any]]:
    """torch's call and ours (given a method name) on the same random arrays."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(case.x).astype(dtype)]
    if case.weight is not None:
        arrays.append(rng.standard_normal(case.weight).astype(dtype))
    # torch has no 2-D (H, W) form: give it the one-sample, one-channel tensors it needs
    tensors = [torch.from_numpy(a)[(None, None) if a.ndim == 2 else ()] for a in arrays]
    torch_fn, ours_fn = torch_call(case), getattr(cc, case.op)

    def run_torch() -> Any:
        with torch.no_grad():
            return torch_fn(*tensors)

    return run_torch, lambda method: ours_fn(*arrays, **case.kwargs, method=method)


def torch_call(case: Case) -> Callable[..., torch.Tensor]:
    """The functional call; a padding mode is F.pad then F.conv2d, as nn.Conv2d does it."""
    kwargs = dict(case.kwargs)
    mode = kwargs.pop("padding_mode", "zeros")
    if mode == "zeros":
        return lambda *tensors: getattr(F, case.op)(*tensors, **kwargs)
    kernel = case.weight[-2:] if case.weight else (1, 1)
    top, bottom, left, right = resolve_padding(kwargs.pop("padding"), kernel, (1, 1), (1, 1), mode)
    return lambda x, w: F.conv2d(F.pad(x, (left, right, top, bottom), mode=mode), w, **kwargs)


def check_agree(ours: Any, theirs: Any) -> None:
    """Same values (and indices) before anything is timed."""
    pairs = zip(ours, theirs, strict=True) if isinstance(ours, tuple) else [(ours, theirs)]
    for mine, torch_result in pairs:
        theirs_np = torch_result.numpy().reshape(mine.shape)  # 2-D cases: drop torch's axes
        np.testing.assert_allclose(mine, theirs_np, rtol=1e-3, atol=1e-3)


def bench_case(
    case: Case, dtype: type, repeats: int, clock: Callable[[], float]
) -> dict[str, float]:
    """Best seconds of torch and of each method, interleaved."""
    run_torch, run_ours = calls(case, dtype)
    fns: dict[str, Callable[[], Any]] = {"torch": run_torch}
    for method in case.method_names():
        check_agree(run_ours(method), run_torch())
        fns[method] = lambda method=method: run_ours(method)
    return best_seconds_interleaved(fns, repeats, clock=clock)


def bound_row(case: Case, dtype: type, repeats: int, clock: Callable[[], float]) -> list[str]:
    """The bare work bounding the case's methods, timed beside torch: a row of the table."""
    if case.bound is None or case.weight is None:
        return []
    run_torch, run_ours = calls(case, dtype)
    out_size = run_ours(FAST_CONV[0]).shape[-2:]
    bare = BOUNDS[case.bound](case.x, case.weight, out_size, dtype)
    best = best_seconds_interleaved({"torch": run_torch, "bound": bare}, repeats, clock=clock)
    t_torch, t_bound = best["torch"], best["bound"]
    return [
        case.name,
        case.bound,
        f"{t_torch * 1e3:.2f}",
        f"{t_bound * 1e3:.2f}",
        f"{t_torch / t_bound:.2f}",
    ]


def rows_for(case: Case, best: dict[str, float]) -> tuple[list[list[str]], list[str]]:
    """Rows of the full table, and the case's summary row (its fastest method)."""
    t_torch = best.pop("torch")
    rows = [
        [case.op, case.name, method, f"{t_torch * 1e3:.2f}", f"{s * 1e3:.2f}", f"{t_torch / s:.2f}"]
        for method, s in best.items()
    ]
    fastest = min(best, key=best.__getitem__)
    ratio = t_torch / best[fastest]
    verdict = "—" if case.floor is None else ("met" if ratio >= case.floor else "missed")
    floor = "—" if case.floor is None else f"≥ {case.floor:.1f}"
    return rows, [case.name, fastest, f"{ratio:.3f}", floor, verdict]


def main() -> None:
    """Parse arguments, time every case, print the machine line and the two tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15, help="rounds; best of them counts")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="cpu: this thread's CPU time, immune to other processes' load (--threads 1 only)",
    )
    args = parser.parse_args()
    if args.clock == "cpu" and args.threads != 1:
        parser.error("--clock cpu measures one thread: use it with --threads 1")
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    _limits = pin_threads(args.threads)
    dtype = np.dtype(args.dtype).type
    print(describe_machine(args.threads))
    print(
        f"{args.dtype}; best of {args.repeats} interleaved rounds after one warm-up; "
        f"{'CPU time of this thread' if args.clock == 'cpu' else 'wall time'}\n"
    )
    rows, summary, bounds = [], [], []
    for case in CASES:
        if args.only in case.name:
            case_rows, case_summary = rows_for(case, bench_case(case, dtype, args.repeats, clock))
            rows += case_rows
            summary.append(case_summary)
            if case.floor is not None or case.bound == "passes":
                bounds.append(bound_row(case, dtype, args.repeats, clock))
    header = ["op", "case", "method", "torch ms", "ours ms", "torch / ours"]
    print(markdown_table(rows, header))
    print()
    print(markdown_table(summary, ["case", "fastest method", "torch / ours", "floor", ""]))
    print("\nThe bare numpy work that bounds the methods (bench/bounds.py), beside torch:\n")
    header = ["case", "bound", "torch ms", "bound ms", "torch / bound"]
    print(markdown_table([row for row in bounds if row], header))
    print(f"\nload average at the end: {load_average()}")


if __name__ == "__main__":
    main()
