"""hwlib.history.History: steps, evaluations, the best one by its monitor, and round trips."""

import pytest

from hwlib.history import History


def test_steps_checkpoints_and_the_best_evaluation():
    h = History(monitor="val_loss", mode="min")
    for step in range(6):
        h.log_step(2.0 - 0.1 * step, lr=1e-3)
        if step % 2 == 1:
            assert h.log_checkpoint(seconds=1.5, val_loss=[0.9, 0.7, 0.8][step // 2]) == (step // 2 < 2)
    assert h.checkpoint_iters == [2, 4, 6] and h.lr == [1e-3] * 6 and h.total_seconds == pytest.approx(4.5)
    assert (h.best_index, h.best_epoch, h.best_value) == (1, 2, 0.7) and h.last("val_loss") == 0.8
    assert History.from_dict(h.to_dict()) == h
    start = h.first(4)
    assert start.loss == h.loss[:4] and start.checkpoint_iters == [2, 4] and start.metrics["val_loss"] == [0.9, 0.7]


def test_ties_keep_the_first_and_metrics_must_stay_the_same():
    h = History()                                     # monitor val_acc, max
    assert h.best_index is None and h.best_value is None
    h.log_checkpoint(1.0, val_acc=0.5)
    assert not h.log_checkpoint(1.0, val_acc=0.5) and h.best_epoch == 1
    with pytest.raises(ValueError, match="same metrics"):
        h.log_checkpoint(1.0, train_acc=0.4)
    with pytest.raises(ValueError, match="mode"):
        History(mode="largest")
