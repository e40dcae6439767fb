# student version of 07_transformers cell cell-05; book cell 352abf004946
torch.manual_seed(0)
attn = MaskedAttention(n_embd=32, n_head=4, block_size=16, keep_attention=True).double()
x = torch.randn(2, 16, 32, dtype=torch.float64)
ours = attn(x)
x_later = x.clone()
x_later[:, 10:] += 1.0  # change tokens 10..15
leak = (attn(x_later)[:, :10] - ours[:, :10]).abs().max().item()
print(f"output shape {tuple(ours.shape)} for input shape {tuple(x.shape)}")
print(f"change in outputs 0..9 after changing tokens 10..15: {leak}")
assert ours.shape == x.shape and leak == 0
