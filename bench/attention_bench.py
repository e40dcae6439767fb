"""Attention speed: hwlib.transformer.MaskedAttention (written out) vs torch's fused
scaled_dot_product_attention, and training throughput of chapter 7's two models.

Usage: python bench/attention_bench.py [--threads N] [--repeats R] [--device cpu|cuda] [--record]

Table 1: milliseconds per forward+backward of one attention layer at the chapter's model sizes
(batch × sequence × width, heads), written-out vs fused, same weights and thread count.
Table 2: training tokens per second of the full GPT (forward, backward, AdamW step) for the
multiplication and TinyStories models of chapter 7, at their batch sizes. With --record both
tables are also written to book/results/attention_bench.json, which chapter 7 shows.
"""

import argparse
import os
import time

from hwbook.reproducible import pin_threads


def _parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--device", default=None, help="default: hwlib.device.resolve_device()")
    p.add_argument("--record", action="store_true", help="also write book/results/attention_bench.json")
    return p.parse_args()


ARGS = _parse()
pin_threads(ARGS.threads)  # before numpy and torch are imported

import torch  # noqa: E402

from hwlib.device import resolve_device  # noqa: E402
from hwlib.experiments import EXPERIMENTS  # noqa: E402
from hwlib.transformer import GPT, MaskedAttention, fused_attention  # noqa: E402

torch.set_num_threads(ARGS.threads)
# The chapter's two models (the scratchpad run trains the multiplication model with other settings).
BENCHED = ("multiplication", "tinystories")
DEVICE = resolve_device(ARGS.device)


def best_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        if DEVICE.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if DEVICE.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def attention_table():
    rows = []
    print(f"{'model':<15}{'B×T×C, heads':<22}{'written-out ms':>15}{'fused ms':>10}{'ratio':>7}{'max |diff|':>12}")
    for name in BENCHED:
        cfg = EXPERIMENTS[name].model
        B, T, C, H = EXPERIMENTS[name].batch_size, cfg.block_size, cfg.n_embd, cfg.n_head
        attn = MaskedAttention(C, H, T).to(DEVICE)
        x = torch.randn(B, T, C, device=DEVICE, requires_grad=True)

        def step(f):
            return lambda: f(x).sum().backward()

        ours = best_time(step(attn), ARGS.repeats)
        theirs = best_time(step(lambda z: fused_attention(attn, z)), ARGS.repeats)
        with torch.no_grad():
            diff = (attn(x) - fused_attention(attn, x)).abs().max().item()
        print(f"{name:<15}{f'{B}×{T}×{C}, {H}':<22}{1e3 * ours:>15.2f}{1e3 * theirs:>10.2f}"
              f"{ours / theirs:>7.2f}{diff:>12.1e}")
        rows.append({"model": name, "shape": f"{B}×{T}×{C}", "heads": H, "ours_ms": 1e3 * ours,
                     "fused_ms": 1e3 * theirs, "max_diff": diff})
    return rows


def throughput_table():
    rows = []
    print(f"\n{'model':<15}{'parameters':>11}{'batch×T':>10}{'ms/step':>9}{'tokens/s':>10}")
    for name in BENCHED:
        cfg = EXPERIMENTS[name].model
        model = GPT(cfg).to(DEVICE)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        B, T = EXPERIMENTS[name].batch_size, cfg.block_size
        idx = torch.randint(0, cfg.vocab_size, (B, T), device=DEVICE)

        def step():
            _, loss = model(idx, idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        seconds = best_time(step, ARGS.repeats)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"{name:<15}{n_params:>11,}{f'{B}×{T}':>10}{1e3 * seconds:>9.1f}{B * T / seconds:>10,.0f}")
        rows.append({"model": name, "parameters": n_params, "batch": f"{B}×{T}", "ms_per_step": 1e3 * seconds,
                     "tokens_per_s": B * T / seconds})
    return rows


def record(attention, throughput):
    import json
    import platform
    from pathlib import Path

    from hwbook.reproducible import describe

    path = Path(__file__).resolve().parents[1] / "book" / "results" / "attention_bench.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"command": f"python bench/attention_bench.py --threads {ARGS.threads} --repeats {ARGS.repeats}",
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {describe()}, device {DEVICE}",
            "attention": attention, "throughput": throughput}
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"recorded {path}")


if __name__ == "__main__":
    print(f"device {DEVICE}, {ARGS.threads} threads, float32, best of {ARGS.repeats}\n")
    attention = attention_table()
    throughput = throughput_table()
    if ARGS.record:
        record(attention, throughput)
