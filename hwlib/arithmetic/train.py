"""Training chapter 7's multiplication GPT: one ``hwlib.experiments.Experiment`` on the training pairs."""

import numpy as np

from hwlib import trainer
from hwlib.arithmetic.data import TOKENIZER, tensors
from hwlib.arithmetic.evaluate import exact_match


def train_multiplier(train_pairs, test_pairs, experiment, scratchpad=False, full=False, num_digits=2,
                     seed=0, device=None):
    """Train a fresh GPT of ``experiment``'s sizes on ``train_pairs`` and return (model, history).

    ``experiment`` (an ``hwlib.experiments.Experiment``) gives the model, the batch size, the
    schedule, the weight decay and the steps at full scale (``full`` true) or CI scale. The history
    (see hwlib.trainer.run) has the training loss per step and, at every evaluation, 'train_acc'
    (exact match on 1,000 fixed training pairs) and 'test_acc' (on all test pairs).
    """
    X, Y = tensors(train_pairs, num_digits, scratchpad)
    model = experiment.build(seed=seed, vocab_size=TOKENIZER.vocab_size)
    if X.shape[1] > model.block_size:
        raise ValueError(f"examples of {X.shape[1]} tokens do not fit block_size {model.block_size}")
    probe = train_pairs[np.random.default_rng(seed).choice(len(train_pairs), min(1000, len(train_pairs)),
                                                            replace=False)]

    def accuracies(m):
        return {"train_acc": exact_match(m, probe, num_digits, scratchpad),
                "test_acc": exact_match(m, test_pairs, num_digits, scratchpad)}

    config = experiment.train_config(full, eval_fn=accuracies, seed=seed, device=device)
    return model, trainer.run(model, (X, Y), config)
