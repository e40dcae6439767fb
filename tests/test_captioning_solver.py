"""hwlib.captioning_solver.CaptioningSolver: divergence, and a History that keeps the best val loss."""

import numpy as np
import pytest

from hwlib.captioning_solver import CaptioningSolver
from hwlib.models import CaptioningRNN

WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "dog": 5, "cat": 6, "runs": 7}


def _data(features):
    data = {"train_features": features, "train_captions": np.array([[1, 4, 5, 7, 2], [1, 4, 6, 2, 0]]),
            "train_image_idxs": np.array([0, 1])}
    data.update({k.replace("train", "val"): v for k, v in data.items()})
    return data


def test_solver_stops_on_nan():
    data = _data(np.full((2, 5), np.nan, np.float32))
    solver = CaptioningSolver(CaptioningRNN(WORDS, input_dim=5), data, verbose=False)
    with pytest.raises(FloatingPointError, match="diverged"):
        solver.train()


def test_history_records_val_loss_and_restores_the_lowest():
    data = _data(np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32))
    model = CaptioningRNN(WORDS, input_dim=5, wordvec_dim=8, hidden_dim=8, seed=0)
    snapshots = []
    solver = CaptioningSolver(model, data, optim_config={"learning_rate": 0.05}, batch_size=2, num_epochs=6,
                              lr_decay=0.9, verbose=False)
    evaluate = solver._evaluate

    def spy():
        snapshots.append({k: v.copy() for k, v in model.params.items()})
        return evaluate()
    solver._evaluate = spy
    solver.train()
    history = solver.history
    assert history.monitor == "val_loss" and history.mode == "min" and history.per_epoch
    assert len(history.loss) == 6 and history.checkpoint_iters == [1, 2, 3, 4, 5, 6]
    assert history.lr[0] == pytest.approx(0.05) and history.lr[-1] == pytest.approx(0.05 * 0.9 ** 5)
    best = int(np.argmin(history.metrics["val_loss"]))
    assert history.best_index == best
    for name, value in model.params.items():
        np.testing.assert_array_equal(value, snapshots[best][name])
    assert solver.validation_loss() == pytest.approx(min(history.metrics["val_loss"]), rel=1e-6)
