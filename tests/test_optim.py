"""hwlib.optim: each update rule against steps computed by hand, dtype and input checks."""

import numpy as np
import pytest

from hwlib import optim

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


@pytest.mark.parametrize("rule, torch_optimizer, config", [
    ("sgd", "SGD", {"learning_rate": 0.1}),
    ("sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.8}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-8}),
    ("adam", "Adam", {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-8}),
])
def test_update_rules_follow_torch_optim_for_five_steps(rule, torch_optimizer, config):
    """torch.optim as an independent referee: the same gradients, five steps, the same weights
    (cs231n's velocity v is -lr times torch's momentum buffer, so the steps agree)."""
    torch = pytest.importorskip("torch")
    names = {"learning_rate": "lr", "momentum": "momentum", "decay_rate": "alpha",
             "epsilon": "eps"}
    kwargs = {names[k]: v for k, v in config.items() if k in names}
    if "beta1" in config:
        kwargs["betas"] = (config["beta1"], config["beta2"])
    rng = np.random.default_rng(5)
    w = rng.standard_normal((3, 4))
    w_torch = torch.tensor(w, requires_grad=True)
    opt = getattr(torch.optim, torch_optimizer)([w_torch], **kwargs)
    update, state = optim.get_update_rule(rule), dict(config)
    for _ in range(5):
        dw = rng.standard_normal(w.shape)
        w, state = update(w, dw, state)
        w_torch.grad = torch.tensor(dw)
        opt.step()
    np.testing.assert_allclose(w, w_torch.detach().numpy(), rtol=1e-10, atol=1e-12)
