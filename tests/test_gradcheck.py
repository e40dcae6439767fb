"""hwlib.gradcheck: numerical gradients, relative errors, and the checks that must catch a wrong gradient."""

import numpy as np
import pytest

from hwlib.layers import dense
from hwlib.gradcheck import (
    compare_gradients,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    layer_gradient_errors,
    model_gradient_errors,
    rel_error,
)
from hwlib.models import TwoLayerNet


def test_numerical_gradient_is_accurate_and_leaves_x_alone():
    x = np.random.default_rng(0).standard_normal((3, 4))
    x0 = x.copy()
    grad = eval_numerical_gradient(lambda z: np.sum(z ** 3), x)
    assert rel_error(grad, 3 * x ** 2) < 1e-7
    df = np.ones((3, 4))
    assert rel_error(eval_numerical_gradient_array(np.sin, x, df), np.cos(x)) < 1e-7
    np.testing.assert_array_equal(x, x0)
    with pytest.raises(TypeError):
        eval_numerical_gradient(np.sum, np.arange(3))


def test_rel_error_and_compare_gradients_catch_a_wrong_gradient(capsys):
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        rel_error(np.zeros(2), np.zeros(3))
    good = {"dW": np.array([1.0, 2.0])}
    compare_gradients(good, {"ref": {"dW": np.array([1.0, 2.0])}}, tol=1e-7)
    assert "dW   vs ref 0.0e+00" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="dW vs ref"):
        compare_gradients(good, {"ref": {"dW": np.array([1.0, 2.1])}}, tol=1e-7)


def test_layer_gradient_errors_flags_a_wrong_backward():
    x = np.random.default_rng(1).standard_normal((3, 4))
    wrong = layer_gradient_errors(dense.relu_forward, lambda d, c: d, {"x": x})   # forgets the mask
    assert wrong["x"] > 1e-3


def test_model_gradient_errors_catches_a_wrong_gradient():
    model = TwoLayerNet(input_dim=3, hidden_dim=4, num_classes=2, dtype=np.float64)
    X, y = np.random.default_rng(0).standard_normal((3, 3)), np.array([0, 1, 1])
    right = model_gradient_errors(model, X, y)
    original = model.loss
    model.loss = lambda X, y=None: (original(X, y)[0], {**original(X, y)[1], "b2": np.zeros(2)}) if y is not None else original(X)
    assert max(right.values()) < 1e-7 and model_gradient_errors(model, X, y)["b2"] > 1e-2
