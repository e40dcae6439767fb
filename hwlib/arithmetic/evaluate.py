"""How well a model multiplies: its greedy answers to the test prompts, and their exact match.

The model reads a prompt such as ``12*34=`` and writes the rest greedily (``temperature=0``); only
the final product, after the last ``=``, is scored, and only if all of its digits are right.
"""

import numpy as np
import torch

from hwlib.arithmetic.data import TOKENIZER, example_length, format_example, prompt_length


def predict_products(model, pairs, num_digits=2, scratchpad=False, batch_size=1000):
    """The model's greedy answers for each pair, as integers (-1 where the output is not a number).

    Returns (answers, texts): an int64 array and the generated text after each prompt.
    """
    device = next(model.parameters()).device
    p = prompt_length(num_digits)
    new_tokens = example_length(num_digits, scratchpad) - p
    answers, texts = [], []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start:start + batch_size]
        prompts = torch.stack([TOKENIZER.encode(format_example(int(a), int(b), num_digits)[:p])
                               for a, b in chunk]).to(device)
        out = model.generate(prompts, new_tokens, temperature=0)[:, p:]
        for row in out.cpu():
            text = TOKENIZER.decode(row)
            product = text.rsplit("=", 1)[-1][::-1]
            texts.append(text)
            answers.append(int(product) if product.isdigit() and len(product) == 2 * num_digits else -1)
    return np.array(answers, dtype=np.int64), texts


def exact_match(model, pairs, num_digits=2, scratchpad=False):
    """Fraction of pairs whose whole product the model gets right (greedy decoding)."""
    truth = pairs[:, 0] * pairs[:, 1]
    return float(np.mean(predict_products(model, pairs, num_digits, scratchpad)[0] == truth))
