"""hwlib.experiments: one record per run, read by the model, the training loop and the page."""

from dataclasses import replace

import numpy as np
import pytest

from hwlib import arithmetic
from hwlib.experiments import EXPERIMENTS, Experiment
from hwlib.transformer import GPTConfig


def test_records_build_their_model_and_training_settings():
    run = EXPERIMENTS["multiplication"]
    model = run.build(seed=3, vocab_size=20)
    assert model.config == replace(run.model, vocab_size=20)
    assert sum(p.numel() for p in run.build().parameters()) == 102_016
    full, ci = run.train_config(True, seed=4), run.train_config(False)
    assert (full.max_iters, full.eval_interval, full.seed) == (run.max_iters, run.eval_interval, 4)
    assert (ci.max_iters, ci.eval_interval) == (run.ci_iters, run.ci_eval_interval)
    for c in (full, ci):
        assert (c.batch_size, c.learning_rate, c.min_lr, c.warmup_iters, c.weight_decay) == (
            run.batch_size, run.learning_rate, run.min_lr, run.warmup_iters, run.weight_decay)
    assert f"weight decay {run.weight_decay:g}" in run.describe() and f"{run.max_iters:,}" in run.describe()
    assert set(EXPERIMENTS) == {"multiplication", "weak_decay", "scratchpad", "tinystories"}
    assert run.seeds_at(True) == run.seeds == (0, 1, 2) and run.seeds_at(False) == run.ci_seeds


def test_train_multiplier_trains_with_the_record():
    tiny = Experiment(model=GPTConfig(vocab_size=13, block_size=17, n_layer=1, n_head=2, n_embd=16),
                      batch_size=8, learning_rate=2e-3, min_lr=2e-4, warmup_iters=2, weight_decay=0.5,
                      max_iters=6, eval_interval=3, ci_iters=4, ci_eval_interval=2)
    train, test = arithmetic.split_pairs(num_digits=2, test_fraction=0.1, seed=0)
    model, history = arithmetic.train_multiplier(train[:50], test[:10], tiny, full=False, device="cpu")
    assert len(history.loss) == 4 and history.checkpoint_iters == [2, 4]
    assert max(history.lr) == pytest.approx(2e-3) and history.lr[-1] == pytest.approx(1.1e-3)   # cosine midway
    assert model.config.n_embd == 16 and set(history.metrics) == {"train_acc", "test_acc"}
    _, history = arithmetic.train_multiplier(train[:50], test[:10], tiny, full=True, device="cpu")
    assert len(history.loss) == 6 and history.checkpoint_iters == [3, 6]
    assert all(0 <= a <= 1 for a in np.concatenate(list(history.metrics.values())))
