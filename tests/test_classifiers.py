"""hwlib.models.classifiers: gradients against finite differences, initialization, input checks."""

import numpy as np
import pytest

from hwlib.gradcheck import model_gradient_errors
from hwlib.models import ConvNet, TwoLayerNet


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


def test_softmax_classifier_gradients():
    from hwlib.models import SoftmaxClassifier
    rng = np.random.default_rng(3)
    model = SoftmaxClassifier(input_dim=5, num_classes=3, reg=0.2, dtype=np.float64)
    _check_model_gradients(model, rng.standard_normal((4, 5)), rng.integers(0, 3, 4))
