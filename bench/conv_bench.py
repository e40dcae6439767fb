"""Convolution forward+backward: hwlib (im2col + matmul) vs torch.nn.functional.conv2d vs explicit loops.

Usage: python bench/conv_bench.py [--threads N] [--repeats R] [--no-naive] [--record]

Prints one row per shape: milliseconds per forward+backward for each implementation, hwlib's
slowdown relative to torch, achieved GFLOP/s (2·N·F·C·HH·WW·H'·W' flops per pass, three passes)
against numpy's own matmul GFLOP/s on this machine, and the peak memory numpy allocates during
hwlib's forward+backward (the im2col windows and padded gradients, measured with tracemalloc).
torch and numpy run with the same thread count. With --record the table is also written to
book/results/conv_bench.json, which chapter 4 shows (so the page never carries typed timings).
"""

import argparse
import os
import sys
import time
import tracemalloc

from hwbook.reproducible import pin_threads

SHAPES = [  # (x shape, w shape)
    ((64, 3, 32, 32), (32, 3, 3, 3)),
    ((64, 32, 16, 16), (64, 32, 3, 3)),
    ((64, 1, 28, 28), (32, 1, 5, 5)),
    ((16, 64, 8, 8), (128, 64, 3, 3)),
]


def _parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-naive", action="store_true", help="skip the (slow) explicit-loop version")
    p.add_argument("--record", action="store_true", help="also write book/results/conv_bench.json")
    return p.parse_args()


ARGS = _parse()
# BLAS reads its thread count at import time, so set it before numpy is imported.
pin_threads(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from hwlib.layers import conv, naive  # noqa: E402



def best_time(fn, repeats):
    fn()                                   # warm-up (allocations, thread pools)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_gflops(repeats):
    a = np.random.default_rng(0).standard_normal((2048, 2048)).astype(np.float32)
    return 2 * 2048**3 / best_time(lambda: a @ a, repeats) / 1e9


def main():
    rng = np.random.default_rng(0)
    peak = matmul_gflops(ARGS.repeats)
    rows = []
    print(f"threads: {ARGS.threads}   numpy {np.__version__}   torch {torch.__version__}   "
          f"numpy float32 matmul (2048²): {peak:.1f} GFLOP/s")
    header = (f"{'x shape':>18} {'w shape':>16} | {'hwlib ms':>9} {'torch ms':>9} {'hwlib/torch':>11} "
              f"{'naive s':>8} {'speed-up':>8} | {'hwlib GFLOP/s':>13} {'% of matmul':>11} | {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    for xs, ws in SHAPES:
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        out_shape = (xs[0], ws[0], xs[2] - ws[2] + 1, xs[3] - ws[3] + 1)
        dout = rng.standard_normal(out_shape).astype(np.float32)

        def ours():
            out, cache = conv.conv_forward(x, w)
            conv.conv_backward(dout, cache)

        tx, tw, tdout = (torch.from_numpy(a) for a in (x, w, dout))

        def theirs():
            xx, ww = tx.clone().requires_grad_(), tw.clone().requires_grad_()
            F.conv2d(xx, ww).backward(tdout)

        t_ours, t_torch = best_time(ours, ARGS.repeats), best_time(theirs, ARGS.repeats)
        tracemalloc.start()
        ours()
        peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        flops = 3 * 2 * np.prod(out_shape) * ws[1] * ws[2] * ws[3]
        gflops = flops / t_ours / 1e9
        if ARGS.no_naive:
            naive_s, speedup = float("nan"), float("nan")
        else:
            start = time.perf_counter()
            naive.conv_backward_loops(dout, x, w)
            naive.conv_forward_loops(x, w)
            naive_s = time.perf_counter() - start
            speedup = naive_s / t_ours
        print(f"{str(xs):>18} {str(ws):>16} | {t_ours * 1e3:9.1f} {t_torch * 1e3:9.1f} {t_ours / t_torch:11.2f} "
              f"{naive_s:8.1f} {speedup:7.0f}x | {gflops:13.1f} {100 * gflops / peak:10.0f}% | {peak_mib:8.1f}")
        sys.stdout.flush()
        rows.append({"x": list(xs), "w": list(ws), "hwlib_ms": t_ours * 1e3, "torch_ms": t_torch * 1e3,
                     "naive_s": naive_s, "gflops": gflops, "peak_mib": peak_mib})
    if ARGS.record:
        record(rows, peak)


def record(rows, peak):
    import json
    import platform
    from pathlib import Path

    from hwbook.reproducible import describe

    path = Path(__file__).resolve().parents[1] / "book" / "results" / "conv_bench.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"command": f"python bench/conv_bench.py --threads {ARGS.threads} --repeats {ARGS.repeats}",
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {describe()}",
            "threads": ARGS.threads, "matmul_gflops": peak, "rows": rows}
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"recorded {path}")


if __name__ == "__main__":
    main()
