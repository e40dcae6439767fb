"""The multiplication data: strings like ``12*34=8040`` (answer digits reversed), split and tensors.

Format, for ``num_digits`` = d: both operands are written with exactly d digits (zero-padded), the
product with exactly 2d digits, **least significant digit first**, e.g. 12 × 34 = 408 becomes
``12*34=8040``. Reversing the answer lets the model produce digits in the order carries propagate
(the last digit of a product depends only on the last digits of the operands), which makes the task
much easier to learn left to right.

With ``scratchpad=True`` the answer is preceded by the partial products, one per digit of b, each
also least significant digit first and d + 1 digits long: 12 × 34 becomes ``12*34=840+630=8040``
(12·4 = 48 → ``840``, 12·3 = 36 → ``630``, then 408 → ``8040``). Each partial product is a
one-digit multiplication and the product is their shifted sum, so every digit the model writes
depends on a few nearby digits; without the scratchpad it must compute a whole two-digit product
in one step per digit.

The model reads the prompt ``12*34=`` and is trained to predict everything after it (the targets
of the prompt positions are IGNORE_INDEX, which ``GPT``'s loss ignores); only the final product, after the
last ``=``, is scored. Splitting is by *unordered* pair:
a×b and b×a are always in the same split, so the test set holds products the model has never seen
in either order.
"""

import numpy as np
import torch

from hwlib.tokenizer import CharTokenizer
from hwlib.transformer import IGNORE_INDEX

# The 13 symbols of the task, one token each: encode('12*34=8040') -> ids, decode(ids) -> text.
TOKENIZER = CharTokenizer("0123456789*=+")


def _reversed(value, width):
    return f"{value:0{width}d}"[::-1]


def format_example(a, b, num_digits=2, scratchpad=False):
    """``a*b=`` then the reversed, zero-padded product, e.g. (12, 34) -> '12*34=8040'; with
    ``scratchpad`` the reversed partial products a·b_j come first: '12*34=840+630=8040'."""
    if not (0 <= a < 10 ** num_digits and 0 <= b < 10 ** num_digits):
        raise ValueError(f"operands must have at most {num_digits} digits, got {a} and {b}")
    prompt = f"{a:0{num_digits}d}*{b:0{num_digits}d}="
    if scratchpad:
        digits = f"{b:0{num_digits}d}"[::-1]                 # b's digits, least significant first
        prompt += "+".join(_reversed(a * int(d), num_digits + 1) for d in digits) + "="
    return prompt + _reversed(a * b, 2 * num_digits)


def example_length(num_digits=2, scratchpad=False):
    """Characters of a formatted example."""
    return len(format_example(0, 0, num_digits, scratchpad))


def prompt_length(num_digits=2):
    """Characters before the answer: 'ab*cd=' has 2d + 2."""
    return 2 * num_digits + 2


def split_pairs(num_digits=2, test_fraction=0.1, seed=0):
    """All ordered pairs (a, b) with d-digit operands (0 included), split by unordered pair.

    Returns (train_pairs, test_pairs): int arrays of shape (n, 2); {a, b} never occurs in both.
    """
    n = 10 ** num_digits
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    pairs = np.stack([a.ravel(), b.ravel()], axis=1)
    keys = np.sort(pairs, axis=1)                            # {a, b} as (min, max)
    unique = np.unique(keys, axis=0)
    rng = np.random.default_rng(seed)
    test_keys = unique[rng.permutation(len(unique))[:round(test_fraction * len(unique))]]
    in_test = (keys[:, None, :] == test_keys[None, :, :]).all(-1).any(-1)
    return pairs[~in_test], pairs[in_test]


def tensors(pairs, num_digits=2, scratchpad=False):
    """(X, Y) for teacher forcing: X = example[:-1], Y = example[1:] with the prompt's targets set to
    IGNORE_INDEX (the prompt is given, not predicted)."""
    seqs = torch.stack([TOKENIZER.encode(format_example(int(a), int(b), num_digits, scratchpad)) for a, b in pairs])
    x, y = seqs[:, :-1].clone(), seqs[:, 1:].clone()
    y[:, :prompt_length(num_digits) - 1] = IGNORE_INDEX
    return x, y
