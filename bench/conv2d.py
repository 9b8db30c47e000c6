"""conv2d methods vs torch.nn.functional.conv2d on ResNet-like layers.

Run (unset the OpenBLAS overrides this machine sets, which slow numpy's GEMM):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/conv2d.py

Prints a Markdown table: median time, GFLOP/s (2·multiply-adds), and throughput as a
fraction of torch's, measured in this process with the same thread count for both.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

import convcore as cc
from bench.common import compare, describe_machine, pin_threads, table


@dataclass(frozen=True)
class Layer:
    """One convolution layer to time."""

    name: str
    x: tuple[int, int, int, int]
    weight: tuple[int, int, int, int]
    stride: int = 1
    padding: int = 0
    groups: int = 1
    methods: tuple[str, ...] = ("im2col",)

    def flops(self) -> float:
        """2 × multiply-adds of the convolution."""
        n, _, h, w = self.x
        c_out, c_in_g, kh, kw = self.weight
        oh = (h + 2 * self.padding - kh) // self.stride + 1
        ow = (w + 2 * self.padding - kw) // self.stride + 1
        return 2.0 * n * c_out * oh * ow * c_in_g * kh * kw


LAYERS = [
    Layer("resnet conv2_x 3×3", (8, 64, 56, 56), (64, 64, 3, 3), padding=1),
    Layer("resnet stem 7×7/2", (1, 3, 224, 224), (64, 3, 7, 7), stride=2, padding=3),
    Layer("resnet conv3_x 3×3", (32, 128, 28, 28), (128, 128, 3, 3), padding=1),
    Layer("depthwise 3×3", (8, 128, 56, 56), (128, 1, 3, 3), padding=1, groups=128),
    Layer("pointwise 1×1", (8, 256, 28, 28), (128, 256, 1, 1)),
    Layer(
        "teaching size (all methods)",
        (1, 4, 16, 16),
        (4, 4, 3, 3),
        padding=1,
        methods=("im2col", "loop", "kernel_matrix"),
    ),
]


def bench_layer(layer: Layer, repeats: int) -> list[list[str]]:
    """Time torch and each convcore method on one layer; check they agree."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(layer.x, dtype=np.float32)
    w = rng.standard_normal(layer.weight, dtype=np.float32)
    kwargs = {"stride": layer.stride, "padding": layer.padding, "groups": layer.groups}
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)

    def run_torch() -> np.ndarray:
        with torch.no_grad():
            return F.conv2d(tx, tw, **kwargs).numpy()

    return compare(
        layer.name,
        run_torch,
        lambda m: cc.conv2d(x, w, method=m, **kwargs),
        layer.methods,
        layer.flops(),
        repeats,
    )


def main() -> None:
    """Parse arguments, run every layer, print the machine line and the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    _limits = pin_threads(args.threads)
    print(describe_machine(args.threads))
    print("float32; median of", args.repeats, "runs after one warm-up\n")
    rows = [row for layer in LAYERS for row in bench_layer(layer, args.repeats)]
    print(table(rows, ["layer", "method", "ms", "GFLOP/s", "throughput vs torch"]))


if __name__ == "__main__":
    main()
