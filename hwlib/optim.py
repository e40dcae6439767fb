"""First-order update rules, in the cs231n signature ``update(w, dw, config) -> (next_w, config)``.

``w`` and ``dw`` are numpy arrays of the same shape and dtype; ``config`` is a dict of
hyperparameters plus the rule's running state (velocity, moving averages, step count). Pass
``None`` to get the defaults. Every rule returns a new array (``w`` is never modified in place),
keeps ``w``'s dtype, and returns a new config dict, so a caller's dict is never changed behind
its back.

The formulas, for learning rate ``a``:

* sgd:           ``w ← w - a·dw``
* sgd_momentum:  ``v ← μ·v - a·dw``,  ``w ← w + v``
* rmsprop:       ``c ← ρ·c + (1-ρ)·dw²``,  ``w ← w - a·dw / (√c + ε)``
* adam:          ``m ← β1·m + (1-β1)·dw``,  ``v ← β2·v + (1-β2)·dw²``,  ``t ← t+1``,
  ``w ← w - a·m̂ / (√v̂ + ε)`` with the bias corrections ``m̂ = m/(1-β1^t)``, ``v̂ = v/(1-β2^t)``

Explained in chapter 3, *Softmax classification and a two-layer network* ("How the Solver trains").
"""

import numpy as np

from hwlib.layers._checks import float_array, same_dtype, same_shape

__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam", "UPDATE_RULES", "get_update_rule"]


def _setup(w, dw, config, defaults):
    w, dw = float_array("w", w), float_array("dw", dw)
    same_shape("dw", dw, w.shape, "the shape of w")
    same_dtype(w=w, dw=dw)
    config = dict(config or {})
    unknown = set(config) - set(defaults) - {"velocity", "cache", "m", "v", "t"}
    if unknown:
        raise ValueError(f"unknown optimizer setting(s) {sorted(unknown)}; expected some of {sorted(defaults)}")
    for key, value in defaults.items():
        config.setdefault(key, value)
    return w, dw, config


def _state(config, key, like):
    """The running state ``config[key]`` (zeros the first time), checked against w's shape."""
    state = config.get(key)
    if state is None:
        return np.zeros_like(like)
    if np.shape(state) != like.shape:
        raise ValueError(f"optimizer state {key!r} has shape {np.shape(state)} but w has shape {like.shape}; "
                         "was this config used for a different parameter?")
    return state


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent.

    config: learning_rate (default 1e-2).
    """
    w, dw, config = _setup(w, dw, config, {"learning_rate": 1e-2})
    return (w - config["learning_rate"] * dw).astype(w.dtype, copy=False), config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum: a velocity that is a running sum of past gradients.

    config: learning_rate (1e-2), momentum (0.9); state: velocity (same shape as w).
    """
    w, dw, config = _setup(w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9})
    # BEGIN SOLUTION
    v = config["momentum"] * _state(config, "velocity", w) - config["learning_rate"] * dw
    config["velocity"] = v.astype(w.dtype, copy=False)
    return (w + config["velocity"]).astype(w.dtype, copy=False), config
    # END SOLUTION


def rmsprop(w, dw, config=None):
    """RMSProp: divide each step by a running root-mean-square of that weight's gradients.

    config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8); state: cache.
    """
    w, dw, config = _setup(w, dw, config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8})
    # BEGIN SOLUTION
    rho = config["decay_rate"]
    cache = rho * _state(config, "cache", w) + (1 - rho) * dw * dw
    config["cache"] = cache.astype(w.dtype, copy=False)
    step = config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return (w - step).astype(w.dtype, copy=False), config
    # END SOLUTION


def adam(w, dw, config=None):
    """Adam: momentum on the gradient and RMSProp on its square, both bias-corrected.

    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8); state: m, v, t.
    """
    w, dw, config = _setup(w, dw, config,
                           {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})
    # BEGIN SOLUTION
    b1, b2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1
    m = (b1 * _state(config, "m", w) + (1 - b1) * dw).astype(w.dtype, copy=False)
    v = (b2 * _state(config, "v", w) + (1 - b2) * dw * dw).astype(w.dtype, copy=False)
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    config.update(m=m, v=v, t=t)
    step = config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return (w - step).astype(w.dtype, copy=False), config
    # END SOLUTION


UPDATE_RULES = {"sgd": sgd, "sgd_momentum": sgd_momentum, "rmsprop": rmsprop, "adam": adam}


def get_update_rule(rule):
    """An update function, given itself or its name."""
    if callable(rule):
        return rule
    try:
        return UPDATE_RULES[rule]
    except KeyError:
        raise ValueError(f"unknown update rule {rule!r}; choose one of {sorted(UPDATE_RULES)}") from None
