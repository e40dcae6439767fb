"""hwlib.arithmetic: the multiplication format, the split by unordered pair, targets, predictions."""

import numpy as np
import pytest
import torch

from hwlib import arithmetic
from hwlib.transformer import GPT, IGNORE_INDEX, GPTConfig


def test_multiplication_format_split_and_targets():
    assert arithmetic.format_example(12, 34) == "12*34=8040" and arithmetic.format_example(7, 5) == "07*05=5300"
    train, test = arithmetic.split_pairs(num_digits=2, test_fraction=0.1, seed=0)
    assert len(train) + len(test) == 10000
    train_keys = {tuple(sorted(p)) for p in train.tolist()}
    assert not train_keys & {tuple(sorted(p)) for p in test.tolist()}      # no pair in both, in either order
    x, y = arithmetic.tensors(test[:3])
    assert x.shape == (3, 9) and y.shape == (3, 9)
    assert (y[:, :5] == IGNORE_INDEX).all() and (y[:, 5:] >= 0).all()
    assert arithmetic.TOKENIZER.decode(torch.cat([x[0], y[0, -1:]])) == arithmetic.format_example(*test[0])
    assert arithmetic.format_example(12, 34, scratchpad=True) == "12*34=840+630=8040"   # 48, 36, then 408
    assert arithmetic.format_example(99, 99, scratchpad=True) == "99*99=198+198=1089"
    xs, ys = arithmetic.tensors(test[:3], scratchpad=True)
    assert xs.shape == (3, 17) and (ys[:, :5] == IGNORE_INDEX).all() and (ys[:, 5:] >= 0).all()
    with pytest.raises(ValueError, match="not in the tokenizer's alphabet"):
        arithmetic.TOKENIZER.encode("1-2")
    with pytest.raises(ValueError, match="at most 2 digits"):
        arithmetic.format_example(100, 2)


class Oracle(torch.nn.Module):
    """A 'model' whose next token is read off the true example: greedy decoding must reproduce it."""

    def __init__(self, pairs, wrong_first_digit=False, scratchpad=False):
        super().__init__()
        self.block_size = 64
        self.examples = {arithmetic.format_example(int(a), int(b))[:6]: arithmetic.format_example(
            int(a), int(b), scratchpad=scratchpad) for a, b in pairs}
        self.wrong = wrong_first_digit
        self.weight = torch.nn.Parameter(torch.zeros(1))        # something for .parameters()

    def generate(self, idx, max_new_tokens, temperature=0):
        rows = []
        for row in idx:
            prompt = arithmetic.TOKENIZER.decode(row)
            text = self.examples[prompt][:len(prompt) + max_new_tokens]
            if self.wrong:
                text = text[:-4] + str((int(text[-4]) + 1) % 10) + text[-3:]
            rows.append(arithmetic.TOKENIZER.encode(text))
        return torch.stack(rows)


def test_predictions_are_read_from_the_generated_text():
    _, test = arithmetic.split_pairs(num_digits=2, test_fraction=0.1, seed=0)
    pairs = test[:20]
    answers, texts = arithmetic.predict_products(Oracle(pairs), pairs)
    assert np.array_equal(answers, pairs[:, 0] * pairs[:, 1]) and all(len(t) == 4 for t in texts)
    assert arithmetic.exact_match(Oracle(pairs), pairs) == 1.0
    assert arithmetic.exact_match(Oracle(pairs, wrong_first_digit=True), pairs) == 0.0
    assert arithmetic.exact_match(Oracle(pairs, scratchpad=True), pairs, scratchpad=True) == 1.0
    untrained = GPT(GPTConfig(vocab_size=arithmetic.TOKENIZER.vocab_size, block_size=9, n_layer=1, n_head=2,
                              n_embd=16))
    answers, texts = arithmetic.predict_products(untrained, pairs[:4])
    assert answers.shape == (4,) and np.issubdtype(answers.dtype, np.integer) and all(len(t) == 4 for t in texts)
