"""Numerical gradients by centered differences, and the relative error used to compare them.

Explained in chapter 1, *Backpropagation by hand*. Centered differences
``(f(x + h) - f(x - h)) / 2h`` have error O(h²), so in float64 with h = 1e-5 a correct analytic
gradient agrees to about 1e-8 relative error or better; a wrong one is usually off by 1e-2 or more.
Run gradient checks in float64: float32 cannot resolve a 1e-5 step.

The array you pass is never modified: the perturbations happen on a private copy.
"""

import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function.

    Inputs:
    - f: function taking an array shaped like x and returning a scalar
    - x: point of shape (any), floating dtype (use float64)
    - h: step size

    Returns:
    - grad: array shaped like x, ``grad[i] ≈ ∂f/∂x[i]``, same dtype as x
    """
    return eval_numerical_gradient_array(lambda z: np.asarray(f(z)), x, np.ones(()), h)


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of an array-valued function contracted with an upstream gradient.

    Computes ``grad[i] = Σ_j df[j] · ∂f(x)[j]/∂x[i]`` — what a layer's backward pass returns for
    the input x when the upstream derivative is ``df``.

    Inputs:
    - f: function taking an array shaped like x and returning an array shaped like df
    - x: point, floating dtype (use float64)
    - df: upstream derivative, shape of f(x)
    - h: step size

    Returns:
    - grad: array shaped like x, same dtype as x
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a floating-point array, got dtype {x.dtype}")
    point = x.copy()                       # perturb a copy: the caller's x stays untouched
    flat = point.reshape(-1)               # a view of the copy
    grad = np.zeros_like(point)
    flat_grad = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        pos = np.array(f(point), copy=True)
        flat[i] = old - h
        neg = np.array(f(point), copy=True)
        flat[i] = old
        if pos.shape != np.shape(df):
            raise ValueError(f"f(x) has shape {pos.shape} but df has shape {np.shape(df)}")
        flat_grad[i] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def rel_error(x, y):
    """Maximum element-wise relative error ``|x - y| / max(1e-8, |x| + |y|)`` as a Python float."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"cannot compare arrays of shapes {x.shape} and {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def norm_rel_error(x, y):
    """Relative error of whole arrays, ``‖x − y‖ / max(1e-8, ‖x‖ + ‖y‖)``, as a Python float.

    Unlike rel_error it is not dominated by elements whose gradient is nearly zero (where the
    finite-difference round-off of about 1e-16·|loss|/h is as large as the gradient itself), so it
    suits deep or gated models such as an LSTM unrolled over time.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"cannot compare arrays of shapes {x.shape} and {y.shape}")
    return float(np.linalg.norm(x - y) / max(1e-8, np.linalg.norm(x) + np.linalg.norm(y)))


def layer_gradient_errors(forward, backward, inputs, seed=0, h=1e-5, metric=None):
    """Check a forward/backward pair against numerical gradients for every input.

    Inputs:
    - forward: ``forward(*inputs) -> (out, cache)``, or ``(out_1, ..., out_k, cache)`` for a layer
      with several outputs (e.g. the LSTM step's next_h and next_c)
    - backward: ``backward(dout, cache)`` (or ``backward(dout_1, ..., dout_k, cache)``) returning the
      gradient, or a tuple of gradients, one per input, in order
    - inputs: dict name -> float64 array, in the order forward takes them
    - seed: seed of the random upstream derivatives
    - metric: rel_error (default: the largest element-wise error) or norm_rel_error

    Returns:
    - dict name -> relative error between the analytic and the numerical gradient
    """
    names, arrays = list(inputs), list(inputs.values())
    *outs, cache = forward(*arrays)
    rng = np.random.default_rng(seed)
    douts = [rng.standard_normal(np.shape(out)) for out in outs]
    grads = backward(*douts, cache)
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(arrays):
        raise ValueError(f"backward returned {len(grads)} gradients for {len(arrays)} inputs {names}")
    # Several outputs: the loss is Σ_k <dout_k, out_k>, i.e. one flat output contracted with one flat dout.
    flat_dout = np.concatenate([d.ravel() for d in douts])
    errors = {}
    for k, (name, analytic) in enumerate(zip(names, grads)):
        def f_of_input(z, k=k):
            *outputs, _ = forward(*arrays[:k], z, *arrays[k + 1:])
            return np.concatenate([np.ravel(o) for o in outputs])
        numerical = eval_numerical_gradient_array(f_of_input, arrays[k], flat_dout, h)
        errors[name] = (metric or rel_error)(analytic, numerical)
    return errors


def model_gradient_errors(model, X, y, h=1e-5, metric=rel_error):
    """Relative error of a model's analytic gradients against centered differences, per parameter.

    Inputs:
    - model: an object with ``params`` (dict of arrays) and ``loss(X, y) -> (loss, grads)``, as in
      hwlib.models; use a small float64 instance
    - X, y: a small batch
    - metric: rel_error (the largest element-wise error, default) or norm_rel_error

    Returns:
    - {parameter name: relative error}. The model's parameters are restored after each probe.
    """
    _, grads = model.loss(X, y)
    errors = {}
    for name, value in model.params.items():
        def loss_of(p, name=name):
            saved, model.params[name] = model.params[name], p
            try:
                return model.loss(X, y)[0]
            finally:
                model.params[name] = saved
        errors[name] = metric(grads[name], eval_numerical_gradient(loss_of, value.copy(), h))
    return errors


def compare_gradients(analytic, references, tol):
    """Print how far each analytic gradient is from each reference, and assert all are below ``tol``.

    Inputs:
    - analytic: dict name -> array (e.g. {"dW": dw, "db": db})
    - references: dict reference name -> dict name -> array (e.g. {"numerical": {...}, "torch": {...}})
    - tol: the largest relative error accepted

    Prints one line per gradient, e.g. ``dW   vs numerical 3.1e-10   vs torch 2.2e-16``, returns
    the dict of errors {(name, reference): error}, and raises AssertionError if one is >= tol.
    """
    errors = {}
    width = max(len(name) for name in analytic)
    for name, grad in analytic.items():
        parts = []
        for ref_name, ref in references.items():
            errors[name, ref_name] = rel_error(grad, ref[name])
            parts.append(f"vs {ref_name} {errors[name, ref_name]:.1e}")
        print(f"{name:<{width}}   " + "   ".join(parts))
    worst = max(errors, key=errors.get)
    if not errors[worst] < tol:      # an explicit raise: ``assert`` would vanish under python -O
        raise AssertionError(f"{worst[0]} vs {worst[1]}: relative error {errors[worst]:.1e} >= {tol:.0e}")
    return errors
