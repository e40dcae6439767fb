"""hwlib.transformer: MaskedAttention against the fused kernel, causality, dtypes, GPTConfig and GPT."""

import pytest
import torch

from hwlib.transformer import GPT, GPTConfig, MaskedAttention, fused_attention


def test_masked_attention_equals_fused_attention_in_float64():
    torch.manual_seed(0)
    attn = MaskedAttention(n_embd=16, n_head=4, block_size=8).double()
    x = torch.randn(3, 7, 16, dtype=torch.float64)
    torch.testing.assert_close(attn(x), fused_attention(attn, x), rtol=1e-12, atol=1e-12)


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
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
    model = GPT(config, seed=0)
    assert model.head.weight is model.tok_emb.weight
    idx = torch.randint(0, 11, (3, 5), generator=torch.Generator().manual_seed(0))
    logits, loss = model(idx, idx)
    assert logits.shape == (3, 5, 11) and loss.ndim == 0
    a = model.generate(idx, 6, temperature=1.0, top_k=4, generator=torch.Generator().manual_seed(5))
    b = model.generate(idx, 6, temperature=1.0, top_k=4, generator=torch.Generator().manual_seed(5))
    assert a.shape == (3, 11) and torch.equal(a, b) and torch.equal(a[:, :5], idx)
    greedy = model.generate(idx, 3, temperature=0)
    assert torch.equal(greedy, model.generate(idx, 3, temperature=0))
    assert torch.equal(GPT(config, seed=0).tok_emb.weight, model.tok_emb.weight)   # seeded init
    assert not torch.equal(GPT(config, seed=1).tok_emb.weight, model.tok_emb.weight)


def test_gpt_config_checks():
    with pytest.raises(ValueError, match="divisible"):
        GPTConfig(vocab_size=5, block_size=4, n_head=3, n_embd=8)
    with pytest.raises(TypeError, match="GPTConfig"):
        GPT(11)
