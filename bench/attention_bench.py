"""Attention speed: hwlib.transformer.MaskedAttention (written out) vs torch's fused
scaled_dot_product_attention, and training throughput of chapter 7's two models.

Usage: python bench/attention_bench.py [--threads N] [--repeats R] [--device cpu|cuda]

Table 1: milliseconds per forward+backward of one attention layer at the chapter's model sizes
(batch × sequence × width, heads), written-out vs fused, same weights and thread count.
Table 2: training tokens per second of the full GPT (forward, backward, AdamW step) for the
multiplication and TinyStories models of chapter 7, at their CI batch sizes.
"""

import argparse
import os
import time


def _parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--device", default=None, help="default: hwlib.device.default_device()")
    return p.parse_args()


ARGS = _parse()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from hwlib.device import default_device  # noqa: E402
from hwlib.transformer import CHAPTER_MODELS, GPT, MaskedAttention  # noqa: E402

torch.set_num_threads(ARGS.threads)
DEVICE = torch.device(ARGS.device) if ARGS.device else default_device()


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


def fused(attn, x):
    B, T, C = x.shape
    q, k, v = (f(x).view(B, T, attn.n_head, C // attn.n_head).transpose(1, 2)
               for f in (attn.query, attn.key, attn.value))
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return attn.proj(y.transpose(1, 2).reshape(B, T, C))


def attention_table():
    print(f"{'model':<15}{'B×T×C, heads':<22}{'written-out ms':>15}{'fused ms':>10}{'ratio':>7}{'max |diff|':>12}")
    for name, cfg in CHAPTER_MODELS.items():
        B, T, C, H = cfg["batch_size"], cfg["block_size"], cfg["n_embd"], cfg["n_head"]
        attn = MaskedAttention(C, H, T).to(DEVICE)
        x = torch.randn(B, T, C, device=DEVICE, requires_grad=True)

        def step(f):
            return lambda: f(x).sum().backward()

        ours = best_time(step(attn), ARGS.repeats)
        theirs = best_time(step(lambda z: fused(attn, z)), ARGS.repeats)
        with torch.no_grad():
            diff = (attn(x) - fused(attn, x)).abs().max().item()
        print(f"{name:<15}{f'{B}×{T}×{C}, {H}':<22}{1e3 * ours:>15.2f}{1e3 * theirs:>10.2f}"
              f"{ours / theirs:>7.2f}{diff:>12.1e}")


def throughput_table():
    print(f"\n{'model':<15}{'parameters':>11}{'batch×T':>10}{'ms/step':>9}{'tokens/s':>10}")
    for name, cfg in CHAPTER_MODELS.items():
        model = GPT(cfg["vocab_size"], cfg["block_size"], cfg["n_embd"], cfg["n_head"], cfg["n_layer"]).to(DEVICE)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        B, T = cfg["batch_size"], cfg["block_size"]
        idx = torch.randint(0, cfg["vocab_size"], (B, T), device=DEVICE)

        def step():
            _, loss = model(idx, idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        seconds = best_time(step, ARGS.repeats)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"{name:<15}{n_params:>11,}{f'{B}×{T}':>10}{1e3 * seconds:>9.1f}{B * T / seconds:>10,.0f}")


if __name__ == "__main__":
    print(f"device {DEVICE}, {ARGS.threads} threads, float32, best of {ARGS.repeats}\n")
    attention_table()
    throughput_table()
