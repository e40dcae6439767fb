"""hwlib.trainer.run: learning a tiny task reproducibly, its schedule and history, divergence."""

import pytest
import torch

from hwlib import trainer
from hwlib.transformer import GPT, IGNORE_INDEX, GPTConfig

TINY = GPTConfig(vocab_size=8, block_size=6, n_layer=1, n_head=2, n_embd=32)


def _copy_task(n=256, T=6, vocab=8, seed=0):
    """Predict the previous token: y[t] = x[t-1] (position 0 ignored)."""
    x = torch.randint(0, vocab, (n, T), generator=torch.Generator().manual_seed(seed))
    y = torch.full_like(x, IGNORE_INDEX)
    y[:, 1:] = x[:, :-1]
    return x, y


def test_trainer_learns_a_tiny_task_reproducibly():
    def train():
        model = GPT(TINY, seed=0)
        config = trainer.TrainConfig(max_iters=150, batch_size=32, learning_rate=3e-3, min_lr=3e-4, warmup_iters=10,
                                     eval_interval=50, eval_fn=lambda m: {"val_loss": m(*_copy_task(seed=1))[1]},
                                     device="cpu", seed=0)
        return trainer.run(model, _copy_task(), config)
    history = train()
    assert history.checkpoint_iters == [50, 100, 150] and len(history.loss) == 150 and not history.per_epoch
    val = history.metrics["val_loss"]
    assert val[-1] < 0.3 * val[0] and history.best_index == 2 and len(history.seconds) == 3
    # linear warm-up to the peak over 10 steps, then a cosine down to min_lr at the last step
    assert history.lr[0] == pytest.approx(3e-4) and history.lr[9] == pytest.approx(3e-3)
    assert history.lr[-1] == pytest.approx(3e-4, rel=1e-2)
    assert all(a >= b for a, b in zip(history.lr[10:], history.lr[11:]))
    assert train().loss == history.loss


def test_trainer_stops_on_nan():
    model = GPT(TINY)
    with torch.no_grad():
        model.ln_f.weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="diverged"):
        trainer.run(model, _copy_task(), trainer.TrainConfig(max_iters=5, device="cpu"))


def test_keep_best_restores_the_weights_of_the_best_evaluation():
    model = GPT(TINY, seed=0)
    scores, snapshots = iter([3.0, 1.0, 2.0]), []

    def metrics(m):
        snapshots.append({k: v.clone() for k, v in m.state_dict().items()})
        return {"val_loss": next(scores)}

    keep = trainer.KeepBest(model, metrics)
    config = trainer.TrainConfig(max_iters=30, batch_size=16, eval_interval=10, eval_fn=keep, device="cpu")
    history = trainer.run(model, _copy_task(), config)
    assert keep.best_index == history.best_index == 1 and keep.best_value == 1.0
    last = {k: v.clone() for k, v in model.state_dict().items()}
    assert not torch.equal(last["tok_emb.weight"], snapshots[1]["tok_emb.weight"])
    restored = keep.restore()
    assert restored is model
    assert all(torch.equal(v, snapshots[1][k]) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="mode"):
        trainer.KeepBest(model, metrics, mode="best")
    with pytest.raises(RuntimeError, match="nothing kept"):
        trainer.KeepBest(model, metrics).restore()
