"""hwlib.solver.Solver: learning, reproducibility, best-epoch restore, divergence, checks."""

import numpy as np
import pytest

from hwlib.models import TwoLayerNet
from hwlib.solver import Solver


def _toy_data(seed=0, n=300):
    """Three Gaussian blobs in 4-D: a problem a small net solves in a few epochs."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((3, 4)) * 3
    y = rng.integers(0, 3, n)
    X = (centers[y] + rng.standard_normal((n, 4))).astype(np.float32)
    return {"X_train": X[:200], "y_train": y[:200], "X_val": X[200:], "y_val": y[200:]}


def _solver(seed=0, **kwargs):
    model = TwoLayerNet(input_dim=4, hidden_dim=16, num_classes=3, seed=seed)
    options = dict(update_rule="adam", optim_config={"learning_rate": 1e-2}, batch_size=20, num_epochs=5,
                   verbose=False, seed=seed)
    options.update(kwargs)
    return Solver(model, _toy_data(), **options)


def test_solver_improves_loss_and_is_reproducible():
    solver = _solver().train()
    losses = solver.history.loss
    assert solver.history.checkpoint_iters == [10, 20, 30, 40, 50]
    assert solver.history.lr == [1e-2] * 50 and len(solver.history.seconds) == 5
    assert len(losses) == 5 * 10 and np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    assert solver.val_acc_history[-1] > 0.9 and len(solver.train_acc_history) == 5
    again = _solver().train()
    assert again.loss_history == losses
    other = _solver(seed=1).train()
    assert other.loss_history != losses


def test_solver_restores_the_best_validation_parameters():
    solver = _solver(num_epochs=6)
    seen = []
    original = solver._evaluate

    def spy():
        seen.append({k: v.copy() for k, v in solver.model.params.items()})
        return original()
    solver._evaluate = spy
    solver.train()
    best = int(np.argmax(solver.val_acc_history))      # the first epoch with the highest accuracy
    for name, value in solver.model.params.items():
        np.testing.assert_array_equal(value, seen[best][name])
    # the restored parameters really score the reported best accuracy on the whole validation set
    assert solver.check_accuracy(solver.X_val, solver.y_val) == solver.best_val_acc


def test_solver_stops_on_nan_with_a_clear_message():
    data = _toy_data()
    data["X_train"] = data["X_train"].copy()
    data["X_train"][37, 1] = np.nan
    solver = Solver(TwoLayerNet(input_dim=4, hidden_dim=8, num_classes=3), data, batch_size=20, verbose=False)
    with pytest.raises(FloatingPointError, match="training diverged: the loss is nan at iteration"):
        solver.train()
    assert all(np.isfinite(w).all() for w in solver.model.params.values())


def test_solver_diverges_with_a_huge_learning_rate():
    solver = _solver(update_rule="sgd", optim_config={"learning_rate": 1e8}, num_epochs=3)
    with pytest.raises(FloatingPointError, match="diverged"), np.errstate(over="ignore", invalid="ignore"):
        solver.train()


def test_solver_validates_its_data_and_prints_progress(capsys):
    with pytest.raises(ValueError, match="missing"):
        Solver(TwoLayerNet(input_dim=4), {"X_train": np.zeros((2, 4))})
    data = _toy_data()
    data["y_val"] = data["y_val"][:5]
    with pytest.raises(ValueError, match="X_val has 100 rows but y_val has 5"):
        Solver(TwoLayerNet(input_dim=4), data)
    _solver(verbose=True, num_epochs=1, print_every=5).train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 10) loss:" in out and "(Iteration 10 / 10)" in out and "(Epoch 1 / 1) train_acc" in out
