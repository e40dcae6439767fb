"""MaskedAttention against PyTorch's fused attention, causality, GPT.generate, and the trainer."""

import pytest
import torch
import torch.nn.functional as F

from hwlib import trainer
from hwlib.transformer import GPT, MaskedAttention


def _fused(attn, x):
    """The same attention computed by torch's scaled_dot_product_attention with attn's weights."""
    B, T, C = x.shape
    q, k, v = (f(x).view(B, T, attn.n_head, C // attn.n_head).transpose(1, 2) for f in (attn.query, attn.key, attn.value))
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return attn.proj(y.transpose(1, 2).reshape(B, T, C))


def test_masked_attention_equals_fused_attention_in_float64():
    torch.manual_seed(0)
    attn = MaskedAttention(n_embd=16, n_head=4, block_size=8).double()
    x = torch.randn(3, 7, 16, dtype=torch.float64)
    torch.testing.assert_close(attn(x), _fused(attn, x), rtol=1e-12, atol=1e-12)


def test_masked_attention_is_causal_and_keeps_weights():
    torch.manual_seed(1)
    attn = MaskedAttention(n_embd=8, n_head=2, block_size=6, keep_attention=True).double()
    x = torch.randn(2, 6, 8, dtype=torch.float64)
    y = attn(x)
    weights = attn.attention
    assert weights.shape == (2, 2, 6, 6)
    assert torch.all(weights.triu(1) == 0)                                  # nothing above the diagonal
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 2, 6, dtype=torch.float64))
    for t in range(5):
        changed = x.clone()
        changed[:, t + 1:] += torch.randn_like(changed[:, t + 1:])         # change the future of position t
        torch.testing.assert_close(attn(changed)[:, :t + 1], y[:, :t + 1], rtol=0, atol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_masked_attention_keeps_dtype_and_rejects_bad_shapes(dtype):
    attn = MaskedAttention(n_embd=8, n_head=2, block_size=4).to(dtype)
    assert attn(torch.randn(1, 4, 8, dtype=dtype)).dtype == dtype
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, 8\)"):
        attn(torch.randn(1, 4, 6, dtype=dtype))
    with pytest.raises(ValueError, match="exceeds block_size"):
        attn(torch.randn(1, 5, 8, dtype=dtype))
    with pytest.raises(ValueError, match="divisible"):
        MaskedAttention(n_embd=10, n_head=3, block_size=4)


def test_gpt_shapes_tied_weights_and_reproducible_generation():
    model = GPT(vocab_size=11, block_size=8, n_embd=16, n_head=2, n_layer=2, seed=0)
    assert model.head.weight is model.tok_emb.weight
    idx = torch.randint(0, 11, (3, 5), generator=torch.Generator().manual_seed(0))
    logits, loss = model(idx, idx)
    assert logits.shape == (3, 5, 11) and loss.ndim == 0
    a = model.generate(idx, 6, temperature=1.0, top_k=4, generator=torch.Generator().manual_seed(5))
    b = model.generate(idx, 6, temperature=1.0, top_k=4, generator=torch.Generator().manual_seed(5))
    assert a.shape == (3, 11) and torch.equal(a, b) and torch.equal(a[:, :5], idx)
    greedy = model.generate(idx, 3, temperature=0)
    assert torch.equal(greedy, model.generate(idx, 3, temperature=0))
    assert torch.equal(GPT(11, 8, 16, 2, 2, seed=0).tok_emb.weight, model.tok_emb.weight)   # seeded init


def _copy_task(n=256, T=6, vocab=8, seed=0):
    """Predict the previous token: y[t] = x[t-1] (position 0 ignored)."""
    x = torch.randint(0, vocab, (n, T), generator=torch.Generator().manual_seed(seed))
    y = torch.full_like(x, -100)
    y[:, 1:] = x[:, :-1]
    return x, y


def test_trainer_learns_a_tiny_task_reproducibly():
    def train():
        model = GPT(vocab_size=8, block_size=6, n_embd=32, n_head=2, n_layer=1, seed=0)
        config = trainer.TrainConfig(max_iters=150, batch_size=32, learning_rate=3e-3, min_lr=3e-4, warmup_iters=10,
                                     eval_interval=50, eval_fn=lambda m: {"val_loss": m(*_copy_task(seed=1))[1]},
                                     device="cpu", seed=0)
        return trainer.run(model, _copy_task(), config)
    history = train()
    assert history["eval_iter"] == [50, 100, 150] and len(history["loss"]) == 150
    assert history["val_loss"][-1] < 0.3 * history["val_loss"][0]
    assert history["lr"][9] == pytest.approx(3e-3) and history["lr"][-1] == pytest.approx(3e-4, rel=1e-2)
    assert train()["loss"] == history["loss"]


def test_trainer_stops_on_nan():
    model = GPT(vocab_size=8, block_size=6, n_embd=16, n_head=2, n_layer=1)
    with torch.no_grad():
        model.ln_f.weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="diverged"):
        trainer.run(model, _copy_task(), trainer.TrainConfig(max_iters=5, device="cpu"))


def test_multiplication_format_split_and_targets():
    import numpy as np
    from hwlib import arithmetic
    assert arithmetic.format_example(12, 34) == "12*34=8040" and arithmetic.format_example(7, 5) == "07*05=5300"
    train, test = arithmetic.split_pairs(num_digits=2, test_fraction=0.1, seed=0)
    assert len(train) + len(test) == 10000
    train_keys = {tuple(sorted(p)) for p in train.tolist()}
    assert not train_keys & {tuple(sorted(p)) for p in test.tolist()}      # no pair in both, in either order
    x, y = arithmetic.tensors(test[:3])
    assert x.shape == (3, 9) and y.shape == (3, 9)
    assert (y[:, :5] == -100).all() and (y[:, 5:] >= 0).all()
    assert arithmetic.decode(torch.cat([x[0], y[0, -1:]])) == arithmetic.format_example(*test[0])
    assert arithmetic.format_example(12, 34, scratchpad=True) == "12*34=840+630=8040"   # 48, 36, then 408
    assert arithmetic.format_example(99, 99, scratchpad=True) == "99*99=198+198=1089"
    xs, ys = arithmetic.tensors(test[:3], scratchpad=True)
    assert xs.shape == (3, 17) and (ys[:, :5] == -100).all() and (ys[:, 5:] >= 0).all()
    with pytest.raises(ValueError, match="not in the multiplication vocabulary"):
        arithmetic.encode("1-2")
    with pytest.raises(ValueError, match="at most 2 digits"):
        arithmetic.format_example(100, 2)
    model = GPT(vocab_size=len(arithmetic.VOCAB), block_size=9, n_embd=16, n_head=2, n_layer=1)
    answers, texts = arithmetic.predict_products(model, test[:4])
    assert answers.shape == (4,) and len(texts) == 4 and all(len(t) == 4 for t in texts)
    assert 0.0 <= arithmetic.exact_match(model, test[:4]) <= 1.0
    assert np.issubdtype(answers.dtype, np.integer)


def test_char_tokenizer_and_windows():
    from hwlib.text import CharTokenizer, clean_story, windows
    assert clean_story("â€œHi!â€\x9d  she said.\n") == '"Hi!" she said.'
    tok = CharTokenizer("hello world")
    ids = tok.encode("hello")
    assert tok.decode(ids) == "hello" and ids.dtype == torch.long
    with pytest.raises(ValueError, match=r"\['z'\]"):
        tok.encode("zoo")
    x, y = windows(torch.arange(10), block_size=4, stride=2)
    assert x.tolist()[0] == [0, 1, 2, 3] and y.tolist()[0] == [1, 2, 3, 4] and x.shape == (3, 4)
