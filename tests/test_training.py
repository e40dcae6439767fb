"""Update rules against hand-computed steps, the Solver, and gradient checks of the classifiers."""

import numpy as np
import pytest

from hwlib import optim
from hwlib.gradcheck import model_gradient_errors
from hwlib.models import ConvNet, TwoLayerNet
from hwlib.solver import Solver

W = np.array([[1.0, -2.0], [0.5, 3.0]])
DW = np.array([[0.1, -0.4], [2.0, 0.0]])


def test_sgd_step_by_hand():
    w0 = W.copy()
    next_w, config = optim.sgd(W, DW, {"learning_rate": 0.5})
    np.testing.assert_allclose(next_w, [[0.95, -1.8], [-0.5, 3.0]])
    np.testing.assert_array_equal(W, w0)                       # no in-place update
    assert config["learning_rate"] == 0.5


def test_momentum_two_steps_by_hand():
    w1, config = optim.sgd_momentum(W, DW, {"learning_rate": 0.1, "momentum": 0.9})
    np.testing.assert_allclose(config["velocity"], -0.1 * DW)
    np.testing.assert_allclose(w1, W - 0.1 * DW)
    w2, config = optim.sgd_momentum(w1, DW, config)
    np.testing.assert_allclose(config["velocity"], 0.9 * (-0.1 * DW) - 0.1 * DW)   # -0.19·dw
    np.testing.assert_allclose(w2, W - 0.29 * DW)


def test_rmsprop_step_by_hand():
    next_w, config = optim.rmsprop(W, DW, {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-8})
    cache = 0.1 * DW ** 2
    np.testing.assert_allclose(config["cache"], cache)
    np.testing.assert_allclose(next_w, W - 0.01 * DW / (np.sqrt(cache) + 1e-8))


def test_adam_first_two_steps_by_hand():
    # First step: m̂ = dw and v̂ = dw², so every weight with dw ≠ 0 moves by lr·sign(dw) (up to ε).
    w1, config = optim.adam(W, DW, {"learning_rate": 0.1})
    np.testing.assert_allclose(w1, W - 0.1 * np.sign(DW), atol=1e-6)
    assert config["t"] == 1
    w2, config = optim.adam(w1, 2 * DW, config)
    m = 0.9 * 0.1 * DW + 0.1 * 2 * DW                   # β1·m1 + (1-β1)·dw2
    v = 0.999 * 0.001 * DW ** 2 + 0.001 * 4 * DW ** 2
    step = 0.1 * (m / (1 - 0.9 ** 2)) / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)
    np.testing.assert_allclose(w2, w1 - step)
    assert config["t"] == 2


@pytest.mark.parametrize("rule", sorted(optim.UPDATE_RULES))
def test_update_rules_keep_dtype_and_reject_bad_input(rule):
    update = optim.get_update_rule(rule)
    w = W.astype(np.float32)
    next_w, config = update(w, DW.astype(np.float32), None)
    assert next_w.dtype == np.float32 and next_w.shape == w.shape
    next_w, _ = update(next_w, DW.astype(np.float32), config)      # state of float32 stays float32
    assert next_w.dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        update(W, DW[:1], None)
    with pytest.raises(TypeError):
        update(w, DW, None)
    with pytest.raises(ValueError, match="unknown optimizer setting"):
        update(W, DW, {"learnig_rate": 0.1})
    with pytest.raises(ValueError, match="unknown update rule"):
        optim.get_update_rule("adamw")


def _check_model_gradients(model, X, y):
    for name, error in model_gradient_errors(model, X, y).items():
        assert error < 1e-7, name
    return model.loss(X, y)[0]


def test_two_layer_net_gradients_and_initialization():
    rng = np.random.default_rng(0)
    model = TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3, reg=0.1, dtype=np.float64, seed=1)
    assert np.abs(model.params["W1"]).max() <= 1 / np.sqrt(6)
    assert np.abs(model.params["W2"]).max() <= 1 / np.sqrt(5)
    assert np.abs(model.params["W1"]).max() > 0.8 / np.sqrt(6)     # uniform over the whole range
    X, y = rng.standard_normal((4, 2, 3)), rng.integers(0, 3, 4)
    _check_model_gradients(model, X, y)
    assert model.loss(X).shape == (4, 3)


def test_convnet_gradients_and_shapes():
    rng = np.random.default_rng(1)
    model = ConvNet(input_dim=(2, 8, 8), num_filters=3, filter_size=3, hidden_dim=7, num_classes=4, reg=0.05,
                    dtype=np.float64, seed=2)
    assert model.params["W2"].shape == (3 * 3 * 3, 7)
    assert np.abs(model.params["W1"]).max() <= 1 / np.sqrt(2 * 3 * 3)
    X, y = rng.standard_normal((3, 2, 8, 8)), rng.integers(0, 4, 3)
    X0 = X.copy()
    loss = _check_model_gradients(model, X, y)
    assert np.isfinite(loss)
    np.testing.assert_array_equal(X, X0)
    assert model.loss(X).shape == (3, 4)


def test_models_reject_bad_input():
    model = ConvNet(input_dim=(1, 8, 8), num_filters=2, filter_size=3, hidden_dim=4)
    with pytest.raises(TypeError, match="float64 but the model's parameters are float32"):
        model.loss(np.zeros((2, 1, 8, 8)))
    with pytest.raises(ValueError, match=r"expects X of shape \(N, 1, 8, 8\)"):
        model.loss(np.zeros((2, 1, 9, 9), np.float32))
    with pytest.raises(ValueError, match="do not fit"):
        ConvNet(input_dim=(1, 4, 4), filter_size=5)
    with pytest.raises(ValueError, match="reg"):
        TwoLayerNet(reg=-1)


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
    losses = solver.loss_history
    assert len(losses) == 5 * 10 and np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    assert solver.val_acc_history[-1] > 0.9 and len(solver.train_acc_history) == 5
    again = _solver().train()
    assert again.loss_history == losses
    other = _solver(seed=1).train()
    assert other.loss_history != losses


def test_solver_restores_the_best_validation_parameters():
    solver = _solver(num_epochs=6)
    seen = []
    original = solver._record_accuracy

    def spy():
        original()
        seen.append({k: v.copy() for k, v in solver.model.params.items()})
    solver._record_accuracy = spy
    solver.train()
    best = int(np.argmax(solver.val_acc_history))      # the first epoch with the highest accuracy
    for name, value in solver.model.params.items():
        np.testing.assert_array_equal(value, seen[best][name])
    assert solver.best_val_acc == max(solver.val_acc_history)


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
    with pytest.raises(FloatingPointError, match="diverged"):
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
    assert "(Iteration 1 / 10) loss:" in out and "(Iteration 10 / 10)" in out and "(Epoch 1 / 1) train acc:" in out


def test_model_gradient_errors_catches_a_wrong_gradient():
    model = TwoLayerNet(input_dim=3, hidden_dim=4, num_classes=2, dtype=np.float64)
    X, y = np.random.default_rng(0).standard_normal((3, 3)), np.array([0, 1, 1])
    right = model_gradient_errors(model, X, y)
    original = model.loss
    model.loss = lambda X, y=None: (original(X, y)[0], {**original(X, y)[1], "b2": np.zeros(2)}) if y is not None else original(X)
    assert max(right.values()) < 1e-7 and model_gradient_errors(model, X, y)["b2"] > 1e-2


def test_softmax_classifier_gradients():
    from hwlib.models import SoftmaxClassifier
    rng = np.random.default_rng(3)
    model = SoftmaxClassifier(input_dim=5, num_classes=3, reg=0.2, dtype=np.float64)
    _check_model_gradients(model, rng.standard_normal((4, 5)), rng.integers(0, 3, 4))


def test_flip_and_crop_is_a_reproducible_mirror_and_shift():
    from hwlib.augment import flip_and_crop
    x = np.random.default_rng(0).random((6, 3, 5, 5)).astype(np.float32)
    x0 = x.copy()
    out = flip_and_crop(x, np.random.default_rng(1), pad=0)
    assert out.dtype == np.float32 and out.shape == x.shape
    for a, b in zip(out, x):                                   # pad 0: each image is itself or its mirror
        assert np.array_equal(a, b) or np.array_equal(a, b[..., ::-1])
    shifted = flip_and_crop(x, np.random.default_rng(2), pad=2)
    np.testing.assert_array_equal(shifted, flip_and_crop(x, np.random.default_rng(2), pad=2))
    np.testing.assert_array_equal(x, x0)
    # every output pixel is either zero padding or a pixel of the (possibly mirrored) image
    assert set(np.round(shifted.ravel(), 6)) <= set(np.round(x.ravel(), 6)) | {0.0}


def test_confusion_matrix_counts_and_checks():
    from hwlib.metrics import confusion_matrix
    cm = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 2, 1, 2]), 3)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)
    with pytest.raises(TypeError):
        confusion_matrix(np.array([0.0]), np.array([0]), 3)


def test_standardize_uses_training_statistics_only():
    from hwlib.data import standardize
    rng = np.random.default_rng(0)
    data = {"X_train": rng.random((20, 3, 4, 4)).astype(np.float32) * 5 + 2,
            "X_val": rng.random((5, 3, 4, 4)).astype(np.float32), "X_test": np.zeros((2, 3, 4, 4), np.float32)}
    out = standardize(data)
    np.testing.assert_allclose(out["X_train"].mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out["X_train"].std(axis=(0, 2, 3)), 1, atol=1e-5)
    np.testing.assert_allclose(out["X_test"], (0 - out["mean"]) / out["std"] + np.zeros((2, 3, 4, 4)))
    assert out["X_val"].dtype == np.float32 and data["X_train"].mean() > 2     # input untouched


def test_scale_switch(monkeypatch):
    from hwlib.scale import full_scale, pick, scale_name
    monkeypatch.delenv("HWLIB_FULL", raising=False)
    assert not full_scale() and pick(ci=1, full=2) == 1 and scale_name() == "CI"
    monkeypatch.setenv("HWLIB_FULL", "1")
    assert full_scale() and pick(ci=1, full=2) == 2 and scale_name() == "full"
