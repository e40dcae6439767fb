"""Masked (causal) self-attention and a small GPT-style language model (PyTorch).

``MaskedAttention`` writes multi-head causal self-attention out step by step — the q, k, v
projections, scaled scores, the causal mask, softmax, dropout, the weighted sum and the output
projection — so that a reader can follow it and plot its attention weights. ``GPT`` stacks pre-LN
transformer blocks built on it, with token and position embeddings and an output layer that shares
its weights with the token embedding.

Every tensor created inside takes the dtype and device of the input, so the modules work in float32
and float64, on the CPU and on CUDA.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# Targets equal to this are not scored by GPT's loss (torch's cross_entropy default).
IGNORE_INDEX = -100


class MaskedAttention(nn.Module):
    """Multi-head causal self-attention.

    Inputs:
    - n_embd: C, the width of the token vectors; must be divisible by n_head
    - n_head: number of heads, each of size C / n_head
    - block_size: the longest sequence the causal mask is built for
    - dropout: dropout probability on the attention weights and on the output
    - keep_attention: if True, every forward pass stores its attention weights (B, n_head, T, T) in
      ``self.attention`` (detached), for plotting

    ``forward(x)`` takes x of shape (B, T, C) with T <= block_size and returns (B, T, C); position t
    of the output depends only on positions 0..t of the input.
    """

    def __init__(self, n_embd, n_head, block_size, dropout=0.0, keep_attention=False):
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd={n_embd} must be divisible by n_head={n_head}")
        self.n_embd, self.n_head, self.block_size = n_embd, n_head, block_size
        self.query = nn.Linear(n_embd, n_embd)
        self.key = nn.Linear(n_embd, n_embd)
        self.value = nn.Linear(n_embd, n_embd)
        self.proj = nn.Linear(n_embd, n_embd)
        self.attn_dropout = nn.Dropout(dropout)
        self.out_dropout = nn.Dropout(dropout)
        self.keep_attention = keep_attention
        self.attention = None
        # mask[t, s] is True where query t may look at key s (s <= t). A buffer, so it follows .to(device).
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size, dtype=torch.bool)),
                             persistent=False)

    def _heads(self, x, B, T):
        """(B, T, C) -> (B, n_head, T, head_size)."""
        return x.view(B, T, self.n_head, self.n_embd // self.n_head).transpose(1, 2)

    def forward(self, x):
        """Causal multi-head attention of x (B, T, C) -> (B, T, C), x's dtype and device.

        Project x to queries, keys and values (``self.query``, ``self.key``, ``self.value``), split
        each into n_head heads of size C / n_head, score every query against every key scaled by
        1/√(head size), hide the future (``self.mask[:T, :T]`` is True where a query may look),
        softmax over the keys, apply ``self.attn_dropout``, mix the values, put the heads side by
        side again and apply ``self.proj`` and ``self.out_dropout``. With ``keep_attention`` set,
        store the weights (B, n_head, T, T), detached, in ``self.attention``.

        Explained in chapter 7, *Transformers* ("Attention, on a small example").
        """
        if x.dim() != 3 or x.shape[-1] != self.n_embd:
            raise ValueError(f"x must have shape (B, T, {self.n_embd}), got {tuple(x.shape)}")
        B, T, C = x.shape
        if T > self.block_size:
            raise ValueError(f"sequence length {T} exceeds block_size {self.block_size}")
        # BEGIN SOLUTION
        q, k, v = (self._heads(f(x), B, T) for f in (self.query, self.key, self.value))
        # q·k/√d: scaling q (T·d numbers) is cheaper than scaling the scores (T·T numbers)
        scores = (q / math.sqrt(C // self.n_head)) @ k.transpose(-2, -1)         # (B, nh, T, T)
        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))            # no looking ahead
        weights = F.softmax(scores, dim=-1)
        if self.keep_attention:
            self.attention = weights.detach()
        y = self.attn_dropout(weights) @ v                                        # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)                          # heads side by side
        return self.out_dropout(self.proj(y))
        # END SOLUTION


def fused_attention(attn, x):
    """What ``attn(x)`` computes, with PyTorch's fused ``scaled_dot_product_attention`` (no dropout).

    Uses attn's projections and heads; the referee that chapter 7, the tests and the bench compare
    the written-out MaskedAttention with. x: (B, T, C) -> (B, T, C). (It computes what students
    write in MaskedAttention.forward, so the student version strips its body too.)
    """
    # BEGIN SOLUTION
    B, T, C = x.shape
    q, k, v = (f(x).view(B, T, attn.n_head, C // attn.n_head).transpose(1, 2)     # (B, nh, T, hs)
               for f in (attn.query, attn.key, attn.value))
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return attn.proj(y.transpose(1, 2).reshape(B, T, C))
    # END SOLUTION


class Block(nn.Module):
    """A pre-LN transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, n_embd, n_head, block_size, dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = MaskedAttention(n_embd, n_head, block_size, dropout)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd),
                                 nn.Dropout(dropout))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


@dataclass(frozen=True)
class GPTConfig:
    """The sizes of a GPT (as in nanoGPT): vocabulary, context length, depth, heads and width.

    - vocab_size: V, the number of token ids; block_size: the longest context, in tokens
    - n_layer: transformer blocks; n_head: attention heads per block; n_embd: C, the width
      (divisible by n_head); dropout: on attention weights, block outputs and embeddings
    """

    vocab_size: int
    block_size: int
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd={self.n_embd} must be divisible by n_head={self.n_head}")
        if min(self.vocab_size, self.block_size, self.n_layer, self.n_head) < 1:
            raise ValueError(f"every size of a GPTConfig must be positive, got {self}")


class GPT(nn.Module):
    """A small GPT: token + position embeddings, ``n_layer`` pre-LN blocks, a final LayerNorm and a
    linear output layer tied to the token embedding.

    ``GPT(config, seed=0)`` with a :class:`GPTConfig`; ``seed`` seeds the initialization (normal
    with std 0.02, zero biases) without touching torch's global random state.

    ``forward(idx, targets=None)``: idx (B, T) integer tokens -> logits (B, T, vocab_size), and the
    mean cross-entropy over the positions whose target is not ``IGNORE_INDEX`` (-100) when targets
    (B, T) are given (else None).
    """

    def __init__(self, config, seed=0):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT takes a GPTConfig, got {type(config).__name__}")
        self.config = config
        self.vocab_size, self.block_size = config.vocab_size, config.block_size
        c = config
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.tok_emb = nn.Embedding(c.vocab_size, c.n_embd)
            self.pos_emb = nn.Embedding(c.block_size, c.n_embd)
            self.drop = nn.Dropout(c.dropout)
            self.blocks = nn.ModuleList([Block(c.n_embd, c.n_head, c.block_size, c.dropout)
                                         for _ in range(c.n_layer)])
            self.ln_f = nn.LayerNorm(c.n_embd)
            self.head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
            self.head.weight = self.tok_emb.weight            # weight tying
            self.apply(self._init)

    @staticmethod
    def _init(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def forward(self, idx, targets=None):
        if idx.dim() != 2:
            raise ValueError(f"idx must have shape (B, T), got {tuple(idx.shape)}")
        B, T = idx.shape
        if T > self.block_size:
            raise ValueError(f"sequence length {T} exceeds block_size {self.block_size}")
        positions = torch.arange(T, device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=IGNORE_INDEX)
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None, stop_token=None):
        """Extend idx (B, T) by up to ``max_new_tokens`` tokens, one at a time.

        - temperature: divides the logits; 0 means greedy (always the most likely token)
        - top_k: if given, sample only among the k most likely tokens
        - generator: a torch.Generator for reproducible sampling
        - stop_token: stop early once every sequence has produced this token

        Returns the extended tensor (B, T + new) on idx's device.
        """
        was_training = self.training
        self.eval()
        done = torch.zeros(idx.shape[0], dtype=torch.bool, device=idx.device)
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.block_size:])
            logits = logits[:, -1, :]
            if temperature == 0:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                probs = F.softmax(logits, dim=-1)
                nxt = torch.multinomial(probs, 1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
            if stop_token is not None:
                done |= nxt[:, 0] == stop_token
                if bool(done.all()):
                    break
        self.train(was_training)
        return idx
