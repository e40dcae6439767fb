"""hwlib.models.classifiers: gradients against finite differences, initialization, input checks."""

import numpy as np
import pytest

from hwlib.gradcheck import model_gradient_errors
from hwlib.models import ConvNet, SoftmaxClassifier, TwoLayerNet


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


# ---------------------------------------------------------------------------------------------
# PyTorch referees: each model rebuilt from torch.nn.functional with the same parameters, so a
# wrong layer (average instead of max pooling, a missing ReLU, a doubled penalty) changes the
# loss even where finite differences of the model's own loss would agree with its gradients.
# ---------------------------------------------------------------------------------------------

def _torch_params(model):
    torch = pytest.importorskip("torch")
    return torch, {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}


def _compare_with_referee(model, X, y, referee_loss):
    torch, p = _torch_params(model)
    loss_ref = referee_loss(torch, p, torch.tensor(X), torch.tensor(y))
    loss_ref.backward()
    loss, grads = model.loss(X, y)
    np.testing.assert_allclose(loss, loss_ref.item(), rtol=1e-10, atol=1e-12)
    assert set(grads) == set(p)
    for name, tensor in p.items():
        np.testing.assert_allclose(grads[name], tensor.grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)


def _l2(p, names, reg):
    return 0.5 * reg * sum((p[n] ** 2).sum() for n in names)


def test_softmax_classifier_matches_torch():
    rng = np.random.default_rng(10)
    model = SoftmaxClassifier(input_dim=6, num_classes=4, reg=0.3, dtype=np.float64, seed=3)
    X, y = rng.standard_normal((5, 2, 3)), rng.integers(0, 4, 5)

    def referee(torch, p, X, y):
        scores = X.reshape(len(X), -1) @ p["W"] + p["b"]
        return torch.nn.functional.cross_entropy(scores, y) + _l2(p, ["W"], 0.3)

    _compare_with_referee(model, X, y, referee)


def test_two_layer_net_matches_torch():
    rng = np.random.default_rng(11)
    model = TwoLayerNet(input_dim=6, hidden_dim=7, num_classes=3, reg=0.2, dtype=np.float64, seed=4)
    # inputs of both signs and scale 3, so that many hidden units are negative: a net without
    # its ReLU gives another loss
    X, y = 3 * rng.standard_normal((8, 6)), rng.integers(0, 3, 8)

    def referee(torch, p, X, y):
        hidden = torch.relu(X @ p["W1"] + p["b1"])
        scores = hidden @ p["W2"] + p["b2"]
        return torch.nn.functional.cross_entropy(scores, y) + _l2(p, ["W1", "W2"], 0.2)

    _compare_with_referee(model, X, y, referee)


@pytest.mark.parametrize("shape", [(2, 8, 8), (1, 7, 10)])
def test_convnet_matches_torch(shape):
    rng = np.random.default_rng(12)
    model = ConvNet(input_dim=shape, num_filters=3, filter_size=3, hidden_dim=5, num_classes=4,
                    reg=0.1, dtype=np.float64, seed=5)
    X, y = rng.standard_normal((3,) + shape), rng.integers(0, 4, 3)

    def referee(torch, p, X, y):
        F = torch.nn.functional
        act = F.relu(F.conv2d(X, p["W1"], p["b1"]))          # filtering = torch's conv2d
        pooled = F.max_pool2d(act, 2, 2).flatten(1)
        scores = F.relu(pooled @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"]
        return F.cross_entropy(scores, y) + _l2(p, ["W1", "W2", "W3"], 0.1)

    _compare_with_referee(model, X, y, referee)
