"""The autograder: ``python -m hwlib.grade [PATH] [--json] [--only NAME ...]``.

Grades the ``hwlib`` package found in PATH (a folder holding ``hwlib/``; default: the package this
file belongs to) and prints, for each graded function, one of the seed autograder's codes:

====  =========================================================
0     success
1     unknown failure (the grader itself could not run the check)
2     unhandled exception in the student's code
40    NotImplementedError: not written yet
50    uncategorized wrong output (e.g. the wrong type)
51    wrong dtype
52    wrong shape
53    values differ beyond tolerance
54    values off by exactly 1.0
55    an input was modified in place
60    performance or converged loss not good enough (or too slow)
61    training diverged (NaN/inf)
====  =========================================================

Value checks call the function on fixed, seeded inputs (float32, so dtype slips show) and compare
with the reference outputs stored in ``grade_expected.npz`` (recorded from the reference solution
with ``--record``). Training checks train a small model and state their bar and time limit.
The exit status is 0 only when every check passes.
"""

import argparse
import copy
import importlib
import json
import signal
import sys
import time
import traceback
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

EXPECTED = Path(__file__).with_name("grade_expected.npz")
CODES = {0: "success", 1: "unknown failure", 2: "unhandled exception", 40: "not implemented",
         50: "wrong output", 51: "wrong dtype", 52: "wrong shape", 53: "values differ", 54: "off by exactly 1.0",
         55: "input mutated", 60: "not good enough", 61: "diverged"}


class GradeFailure(Exception):
    """A check's verdict other than success: a code from CODES and a one-line explanation."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class _Timeout(Exception):
    pass


@dataclass
class Result:
    name: str
    code: int
    message: str
    seconds: float


# ----------------------------------------------------------------------------------------------
# Comparing outputs
# ----------------------------------------------------------------------------------------------

def compare(label, actual, expected, rtol=1e-4, atol=1e-5):
    """Raise GradeFailure with the right code if ``actual`` is not ``expected`` (an ndarray)."""
    if not isinstance(actual, (np.ndarray, np.generic)):
        raise GradeFailure(50, f"{label}: expected a numpy array, got {type(actual).__name__}")
    actual = np.asarray(actual)
    if actual.dtype != expected.dtype:
        raise GradeFailure(51, f"{label}: dtype {actual.dtype}, expected {expected.dtype} (keep the input's dtype)")
    if actual.shape != expected.shape:
        raise GradeFailure(52, f"{label}: shape {actual.shape}, expected {expected.shape}")
    if np.issubdtype(expected.dtype, np.integer) or expected.dtype == bool:
        wrong = actual != expected
    else:
        wrong = ~np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not wrong.any():
        return
    diff = np.abs(actual[wrong].astype(np.float64) - expected[wrong].astype(np.float64))
    if np.allclose(diff, 1.0, rtol=0, atol=1e-3):
        raise GradeFailure(54, f"{label}: {wrong.sum()} of {wrong.size} values are off by exactly 1.0")
    raise GradeFailure(53, f"{label}: {wrong.sum()} of {wrong.size} values differ (largest difference "
                           f"{np.nanmax(diff) if np.isfinite(diff).any() else float('nan'):.3g})")


def _snapshot(value):
    return copy.deepcopy(value)


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return True     # other objects are not compared


def call(name, fn, *args, **kwargs):
    """Call the student's ``fn``; GradeFailure(55) if it changed any of its (array) arguments."""
    before = _snapshot((args, kwargs))
    result = fn(*args, **kwargs)
    if not _same(before, (args, kwargs)):
        raise GradeFailure(55, f"{name} modified one of its inputs in place; work on a copy")
    return result


# ----------------------------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------------------------

CHECKS = {}


def check(name, seconds=30.0, training=False):
    """Register ``fn(hw, rng) -> list of arrays`` (value check) or ``fn(hw, rng) -> None`` (training)."""
    def register(fn):
        CHECKS[name] = (fn, seconds, training)
        return fn
    return register


def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def _f32(*arrays):
    return [np.asarray(a, dtype=np.float32) for a in arrays]


class Student:
    """Access to the student's modules (``hw.layers``, ``hw.models`` ..., imported on first use) and
    to caches built by the grader's own forward code (``hw.reference_cache``)."""

    def __getattr__(self, module):
        return importlib.import_module(f"hwlib.{module}")

    def reference_cache(self, kind, *args):
        return _reference_caches()[kind](*args)


@check("layers.fc_forward")
def _fc_forward(hw, rng):
    x, w, b = _f32(rng.standard_normal((4, 3, 2)), rng.standard_normal((6, 5)), rng.standard_normal(5))
    return [call("fc_forward", hw.layers.fc_forward, x, w, b)[0]]


@check("layers.fc_backward")
def _fc_backward(hw, rng):
    x, w, b, dout = _f32(rng.standard_normal((4, 3, 2)), rng.standard_normal((6, 5)), rng.standard_normal(5),
                         rng.standard_normal((4, 5)))
    _, cache = hw.reference_cache("fc", x, w, b)
    return list(call("fc_backward", hw.layers.fc_backward, dout, cache))


@check("layers.relu_forward")
def _relu_forward(hw, rng):
    (x,) = _f32(rng.standard_normal((5, 6)))
    return [call("relu_forward", hw.layers.relu_forward, x)[0]]


@check("layers.relu_backward")
def _relu_backward(hw, rng):
    x, dout = _f32(rng.standard_normal((5, 6)), rng.standard_normal((5, 6)))
    return [call("relu_backward", hw.layers.relu_backward, dout, x)]


@check("layers.softmax_loss")
def _softmax_loss(hw, rng):
    (scores,) = _f32(3 * rng.standard_normal((6, 4)))
    loss, dscores = call("softmax_loss", hw.layers.softmax_loss, scores, rng.integers(0, 4, 6))
    return [np.asarray(loss), dscores]


@check("convolution.conv_forward")
def _conv_forward(hw, rng):
    x, w = _f32(rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)))
    return [call("conv_forward", hw.convolution.conv_forward, x, w)[0]]


@check("convolution.conv_backward")
def _conv_backward(hw, rng):
    x, w, dout = _f32(rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)),
                      rng.standard_normal((2, 4, 5, 5)))
    cache = (x, w, hw.convolution.im2col(x, 3, 2))          # what conv_forward caches
    return list(call("conv_backward", hw.convolution.conv_backward, dout, cache))


@check("pooling.max_pool_forward")
def _max_pool_forward(hw, rng):
    (x,) = _f32(rng.standard_normal((2, 3, 6, 8)))
    return [call("max_pool_forward", hw.pooling.max_pool_forward, x,
                 {"pool_height": 2, "pool_width": 2, "stride": 2})[0]]


@check("pooling.max_pool_backward")
def _max_pool_backward(hw, rng):
    x, dout = _f32(rng.standard_normal((2, 3, 6, 8)), rng.standard_normal((2, 3, 3, 4)))
    _, cache = hw.reference_cache("max_pool", x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    return [call("max_pool_backward", hw.pooling.max_pool_backward, dout, cache)]


def _optimizer_steps(hw, rng, rule, config):
    w, dw1, dw2 = _f32(rng.standard_normal((4, 5)), rng.standard_normal((4, 5)), rng.standard_normal((4, 5)))
    update = getattr(hw.optim, rule)
    w1, config = call(rule, update, w, dw1, dict(config))
    w2, _ = call(rule, update, w1, dw2, config)
    return [w1, w2]


@check("optim.sgd_momentum")
def _sgd_momentum(hw, rng):
    return _optimizer_steps(hw, rng, "sgd_momentum", {"learning_rate": 0.1, "momentum": 0.9})


@check("optim.rmsprop")
def _rmsprop(hw, rng):
    return _optimizer_steps(hw, rng, "rmsprop", {"learning_rate": 0.01})


@check("optim.adam")
def _adam(hw, rng):
    return _optimizer_steps(hw, rng, "adam", {"learning_rate": 0.01})


def _rnn_inputs(rng, gates, N=3, T=4, D=5, H=6):
    return _f32(rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), 0.4 * rng.standard_normal((D, gates * H)),
                0.4 * rng.standard_normal((H, gates * H)), 0.1 * rng.standard_normal(gates * H),
                rng.standard_normal((N, T, H)))


@check("rnn_layers.rnn_step_forward")
def _rnn_step_forward(hw, rng):
    x, h0, Wx, Wh, b, _ = _rnn_inputs(rng, 1)
    return [call("rnn_step_forward", hw.rnn_layers.rnn_step_forward, x[:, 0], h0, Wx, Wh, b)[0]]


@check("rnn_layers.rnn_step_backward")
def _rnn_step_backward(hw, rng):
    x, h0, Wx, Wh, b, dh = _rnn_inputs(rng, 1)
    _, cache = hw.reference_cache("rnn_step", x[:, 0], h0, Wx, Wh, b)
    return list(call("rnn_step_backward", hw.rnn_layers.rnn_step_backward, dh[:, 0], cache))


@check("rnn_layers.lstm_step_forward")
def _lstm_step_forward(hw, rng):
    x, h0, Wx, Wh, b, dh = _rnn_inputs(rng, 4)
    return list(call("lstm_step_forward", hw.rnn_layers.lstm_step_forward, x[:, 0], h0, dh[:, 0], Wx, Wh, b)[:2])


@check("rnn_layers.lstm_step_backward")
def _lstm_step_backward(hw, rng):
    x, h0, Wx, Wh, b, dh = _rnn_inputs(rng, 4)
    *_, cache = hw.reference_cache("lstm_step", x[:, 0], h0, dh[:, 1], Wx, Wh, b)
    return list(call("lstm_step_backward", hw.rnn_layers.lstm_step_backward, dh[:, 0], dh[:, 2], cache))


def _sequence_checks(cell, gates):
    """Register the whole-sequence forward and backward checks of one cell type."""
    @check(f"rnn_layers.{cell}_forward")
    def forward(hw, rng):
        x, h0, Wx, Wh, b, _ = _rnn_inputs(rng, gates)
        return [call(f"{cell}_forward", getattr(hw.rnn_layers, f"{cell}_forward"), x, h0, Wx, Wh, b)[0]]

    @check(f"rnn_layers.{cell}_backward")
    def backward(hw, rng):
        x, h0, Wx, Wh, b, dh = _rnn_inputs(rng, gates)
        _, cache = hw.reference_cache(cell, x, h0, Wx, Wh, b)
        return list(call(f"{cell}_backward", getattr(hw.rnn_layers, f"{cell}_backward"), dh, cache))


_sequence_checks("rnn", 1)
_sequence_checks("lstm", 4)


@check("rnn_layers.word_embedding_forward")
def _embedding_forward(hw, rng):
    (W,) = _f32(rng.standard_normal((7, 4)))
    return [call("word_embedding_forward", hw.rnn_layers.word_embedding_forward, rng.integers(0, 7, (3, 5)), W)[0]]


@check("rnn_layers.word_embedding_backward")
def _embedding_backward(hw, rng):
    words = rng.integers(0, 7, (3, 5))
    words[0] = 2                                        # a repeated word
    W, dout = _f32(rng.standard_normal((7, 4)), rng.standard_normal((3, 5, 4)))
    _, cache = hw.reference_cache("word_embedding", words, W)
    return [call("word_embedding_backward", hw.rnn_layers.word_embedding_backward, dout, cache)]


@check("rnn_layers.temporal_fc_forward")
def _temporal_fc_forward(hw, rng):
    x, w, b = _f32(rng.standard_normal((3, 4, 5)), rng.standard_normal((5, 6)), rng.standard_normal(6))
    return [call("temporal_fc_forward", hw.rnn_layers.temporal_fc_forward, x, w, b)[0]]


@check("rnn_layers.temporal_fc_backward")
def _temporal_fc_backward(hw, rng):
    x, w, b, dout = _f32(rng.standard_normal((3, 4, 5)), rng.standard_normal((5, 6)), rng.standard_normal(6),
                         rng.standard_normal((3, 4, 6)))
    _, cache = hw.reference_cache("temporal_fc", x, w, b)
    return list(call("temporal_fc_backward", hw.rnn_layers.temporal_fc_backward, dout, cache))


@check("rnn_layers.temporal_softmax_loss")
def _temporal_softmax_loss(hw, rng):
    (x,) = _f32(rng.standard_normal((3, 5, 7)))
    y, mask = rng.integers(0, 7, (3, 5)), rng.random((3, 5)) > 0.3
    loss, dx = call("temporal_softmax_loss", hw.rnn_layers.temporal_softmax_loss, x, y, mask)
    return [np.asarray(loss), dx]


def _model_loss(model, X, y):
    loss, grads = call(f"{type(model).__name__}.loss", model.loss, X, y)
    return [np.asarray(loss)] + [grads[k] for k in sorted(model.params)]


@check("models.TwoLayerNet.loss")
def _two_layer_loss(hw, rng):
    model = hw.models.TwoLayerNet(input_dim=12, hidden_dim=10, num_classes=4, reg=0.1, seed=0)
    (X,) = _f32(rng.standard_normal((5, 12)))
    return [call("TwoLayerNet.loss", model.loss, X)] + _model_loss(model, X, rng.integers(0, 4, 5))


@check("models.ConvNet.loss")
def _convnet_loss(hw, rng):
    model = hw.models.ConvNet(input_dim=(2, 8, 8), num_filters=3, filter_size=3, hidden_dim=7, num_classes=4,
                              reg=0.1, seed=0)
    (X,) = _f32(rng.standard_normal((3, 2, 8, 8)))
    return [call("ConvNet.loss", model.loss, X)] + _model_loss(model, X, rng.integers(0, 4, 3))


_WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "dog": 5, "cat": 6, "runs": 7}


@check("models.CaptioningRNN.loss")
def _captioning_loss(hw, rng):
    out = []
    for cell in ("rnn", "lstm"):
        model = hw.models.CaptioningRNN(_WORDS, input_dim=6, wordvec_dim=5, hidden_dim=4, cell_type=cell, seed=1)
        (features,) = _f32(rng.standard_normal((2, 6)))
        out += _model_loss(model, features, np.array([[1, 4, 5, 7, 2, 0], [1, 6, 2, 0, 0, 0]]))
    return out


@check("models.CaptioningRNN.sample")
def _captioning_sample(hw, rng):
    out = []
    for cell in ("rnn", "lstm"):
        model = hw.models.CaptioningRNN(_WORDS, input_dim=6, wordvec_dim=5, hidden_dim=4, cell_type=cell, seed=1)
        model.params = {k: (3 * v).astype(v.dtype) for k, v in model.params.items()}   # decisive scores
        (features,) = _f32(rng.standard_normal((4, 6)))
        out.append(np.asarray(call("CaptioningRNN.sample", model.sample, features, max_length=6), dtype=np.int64))
    return out


@check("transformer.MaskedAttention.forward")
def _attention_forward(hw, rng):
    import torch
    torch.manual_seed(0)
    attn = hw.transformer.MaskedAttention(n_embd=8, n_head=2, block_size=6)
    x = torch.from_numpy(_f32(rng.standard_normal((2, 5, 8)))[0])
    before = x.clone()
    with torch.no_grad():
        y32 = attn(x)
        y64 = attn.double()(x.double())
    if not torch.equal(x, before):
        raise GradeFailure(55, "MaskedAttention.forward modified its input in place")
    if not isinstance(y32, torch.Tensor):
        raise GradeFailure(50, f"MaskedAttention.forward returned {type(y32).__name__}, expected a tensor")
    if y64.dtype != torch.float64:
        raise GradeFailure(51, f"MaskedAttention.forward turned a float64 input into {y64.dtype}: create new "
                               "tensors with the input's dtype and device")
    return [y32.numpy()]


# -- training checks: each states its bar ----------------------------------------------------------

def _blobs(rng, n=300, d=10, classes=3):
    centers = 3 * rng.standard_normal((classes, d))
    y = rng.integers(0, classes, n)
    return (centers[y] + rng.standard_normal((n, d))).astype(np.float32), y


@check("solver.train (TwoLayerNet, sgd_momentum)", seconds=60, training=True)
def _solver_training(hw, rng):
    X, y = _blobs(rng)
    data = {"X_train": X[:240], "y_train": y[:240], "X_val": X[240:], "y_val": y[240:]}
    model = hw.models.TwoLayerNet(input_dim=10, hidden_dim=32, num_classes=3, seed=0)
    solver = hw.solver.Solver(model, data, update_rule="sgd_momentum", optim_config={"learning_rate": 0.05},
                              batch_size=40, num_epochs=5, verbose=False)
    _train_guarded(solver.train, lambda: solver.loss_history)
    if solver.best_val_acc < 0.9:
        raise GradeFailure(60, f"validation accuracy {solver.best_val_acc:.2f} after 5 epochs; the bar is 0.90")


def _train_guarded(train, losses):
    """Run ``train()``; map divergence to 61 (NaN/inf, or a loss that grew 100-fold)."""
    try:
        train()
    except FloatingPointError as exc:
        raise GradeFailure(61, f"training diverged: {str(exc).splitlines()[0]}") from None
    history = [float(v) for v in losses()]
    if history and (not np.all(np.isfinite(history)) or history[-1] > 100 * max(history[0], 1e-3)):
        raise GradeFailure(61, f"training diverged: the loss went from {history[0]:.3g} to {history[-1]:.3g}")


@check("trainer.run", seconds=90, training=True)
def _trainer_run(hw, rng):
    import torch
    x = torch.from_numpy(rng.integers(0, 8, (256, 6)))
    y = torch.full_like(x, hw.transformer.IGNORE_INDEX)
    y[:, 1:] = x[:, :-1]                                 # learn to repeat the previous token
    config = hw.transformer.GPTConfig(vocab_size=8, block_size=6, n_layer=1, n_head=2, n_embd=32)
    model = hw.transformer.GPT(config, seed=0)
    config = hw.trainer.TrainConfig(max_iters=150, batch_size=32, learning_rate=3e-3, min_lr=3e-4, warmup_iters=10,
                                    eval_interval=0, device="cpu", seed=0)
    result = {}

    def train():
        result["history"] = hw.trainer.run(model, (x, y), config)

    _train_guarded(train, lambda: getattr(result.get("history"), "loss", []))
    history = result["history"]
    if not isinstance(history, hw.history.History):
        raise GradeFailure(50, "trainer.run must return a hwlib.history.History")
    final = float(np.mean(history.loss[-20:]))
    if final > 0.5:
        raise GradeFailure(60, f"mean loss of the last 20 steps {final:.3f} on a copy task; the bar is 0.5")


def _tiny_net(torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
    model = torch.nn.Module()
    model.features = net
    model.classifier = torch.nn.Sequential(torch.nn.Dropout(0.0), torch.nn.Linear(8, 5))
    model.forward = lambda x: model.classifier(model.features(x))
    return model


@check("transfer.finetune")
def _finetune(hw, rng):
    import torch
    model = _tiny_net(torch)
    for p in model.parameters():
        p.requires_grad_(False)
    out = call("finetune", hw.transfer.finetune, model, 3)
    return [np.array([out.classifier[1].out_features]),
            np.array([p.requires_grad for p in out.parameters()], dtype=bool)]


@check("transfer.freeze")
def _freeze(hw, rng):
    import torch
    out = call("freeze", hw.transfer.freeze, _tiny_net(torch), 3)
    return [np.array([out.classifier[1].out_features]),
            np.array([p.requires_grad for p in out.parameters()], dtype=bool)]


@check("transfer.train_model", seconds=60, training=True)
def _train_model(hw, rng):
    import torch
    X, y = _blobs(rng, n=200, d=4, classes=2)
    sets = {"train": (X[:150], y[:150]), "val": (X[150:], y[150:])}
    loaders = {k: torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(a), torch.from_numpy(b)),
                                              batch_size=25, shuffle=k == "train",
                                              generator=torch.Generator().manual_seed(0))
               for k, (a, b) in sets.items()}
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    result = {}

    def train():
        result["out"] = hw.transfer.train_model(model, loaders, torch.nn.CrossEntropyLoss(), optimizer,
                                                num_epochs=4, device="cpu", verbose=False)

    _train_guarded(train, lambda: result["out"][1].loss if _pair(result.get("out")) else [])
    if not _pair(result["out"]):
        raise GradeFailure(50, "train_model must return (model, history)")
    best, history = result["out"]
    with torch.no_grad():
        accuracy = float((best(torch.from_numpy(sets["val"][0])).argmax(1).numpy() == sets["val"][1]).mean())
    if accuracy < 0.9:
        raise GradeFailure(60, f"the returned model's validation accuracy is {accuracy:.2f}; the bar is 0.90")


def _pair(value):
    from hwlib.history import History
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], History)


# ----------------------------------------------------------------------------------------------
# Caches built by the reference forward passes, so that a backward pass is graded on its own
# ----------------------------------------------------------------------------------------------

def _reference_caches():
    """Forward functions of the *grader's* reference copy, used only to build caches for backward
    checks; a student's backward pass is graded even when their forward pass is missing."""
    return {
        "fc": lambda x, w, b: (None, (x, w)),
        "max_pool": _max_pool_cache,
        "rnn_step": lambda x, h, Wx, Wh, b: (None, (x, h, Wx, Wh, np.tanh(x @ Wx + h @ Wh + b))),
        "rnn": _rnn_cache,
        "lstm_step": _lstm_step_cache,
        "lstm": _lstm_cache,
        "word_embedding": lambda words, W: (None, (words, W.shape, W.dtype)),
        "temporal_fc": lambda x, w, b: (None, (x, w)),
    }


def _max_pool_cache(x, param):
    ph, pw, s = param["pool_height"], param["pool_width"], param["stride"]
    n, c, h, w = x.shape
    ho, wo = (h - ph) // s + 1, (w - pw) // s + 1
    windows = np.stack([x[:, :, p:p + s * (ho - 1) + 1:s, q:q + s * (wo - 1) + 1:s]
                        for p in range(ph) for q in range(pw)])
    return None, (x.shape, x.dtype, windows.argmax(0).astype(np.uint8), (ph, pw, s))


def _rnn_cache(x, h0, Wx, Wh, b):
    caches, h = [], h0
    for t in range(x.shape[1]):
        nxt = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        caches.append((x[:, t], h, Wx, Wh, nxt))
        h = nxt
    return None, caches


def _sigmoid(a):
    return (1 / (1 + np.exp(-a))).astype(a.dtype)


def _lstm_step_cache(x, h, c, Wx, Wh, b):
    H = h.shape[1]
    a = x @ Wx + h @ Wh + b
    i, f, o = (_sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3))
    g = np.tanh(a[:, 3 * H:])
    nc = f * c + i * g
    return o * np.tanh(nc), nc, (x, h, c, Wx, Wh, i, f, o, g, np.tanh(nc))


def _lstm_cache(x, h0, Wx, Wh, b):
    caches, h, c = [], h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h, c, cache = _lstm_step_cache(x[:, t], h, c, Wx, Wh, b)
        caches.append(cache)
    return None, caches


# ----------------------------------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------------------------------

def _where(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "hwlib" in f.filename and
              not f.filename.endswith("grade.py")]
    return f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""


def _alarm(seconds):
    def handler(signum, frame):
        raise _Timeout()
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, seconds)


def _cancel_alarm():
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


def run_check(name, expected):
    fn, seconds, training = CHECKS[name]
    start = time.perf_counter()
    try:
        _alarm(seconds)
        try:
            outputs = fn(Student(), _rng(name))
        finally:
            _cancel_alarm()
        if not training:
            keys = sorted((k for k in expected.files if k.startswith(name + "|")), key=lambda k: int(k.split("|")[1]))
            if not keys:
                raise GradeFailure(1, f"no expected outputs recorded for {name}; run python -m hwlib.grade --record")
            if len(outputs) != len(keys):
                raise GradeFailure(50, f"{name} returned {len(outputs)} outputs, expected {len(keys)}")
            for i, (actual, key) in enumerate(zip(outputs, keys)):
                compare(f"{name} output {i}", actual, expected[key])
        code, message = 0, "ok" if not training else "ok (reached its bar)"
    except GradeFailure as failure:
        code, message = failure.code, failure.message
    except NotImplementedError as exc:
        code, message = 40, f"not implemented yet: {exc}"
    except _Timeout:
        code, message = 60, f"took longer than its {seconds:.0f} s limit"
    except FloatingPointError as exc:
        code, message = 61, f"diverged: {str(exc).splitlines()[0]}"
    except Exception as exc:  # the student's code raised: report it, keep grading the rest
        code, message = 2, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}{_where(exc)}"
    return Result(name, code, message, time.perf_counter() - start)


def record(path=EXPECTED):
    """Write the reference outputs of every value check (run against the reference hwlib)."""
    arrays = {}
    for name, (fn, _, training) in CHECKS.items():
        if not training:
            for i, out in enumerate(fn(Student(), _rng(name))):
                arrays[f"{name}|{i}"] = np.asarray(out)
    np.savez_compressed(path, **arrays)
    return len(arrays)


def use_package(path):
    """Make ``import hwlib`` load the package in ``path`` (a folder holding hwlib/)."""
    folder = Path(path).resolve()
    if not (folder / "hwlib" / "__init__.py").is_file():
        raise SystemExit(f"{folder} has no hwlib/ package to grade")
    for name in [m for m in sys.modules if m == "hwlib" or m.startswith("hwlib.")]:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    import hwlib
    if Path(hwlib.__file__).resolve().parent != folder / "hwlib":
        raise SystemExit(f"could not import hwlib from {folder} (got {hwlib.__file__})")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Grade an hwlib package with the seed autograder's codes.")
    parser.add_argument("path", nargs="?", help="folder holding the hwlib/ to grade (default: this one)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    parser.add_argument("--only", nargs="*", help="grade only these checks (names as printed)")
    parser.add_argument("--record", action="store_true", help="instructors: record the reference outputs")
    args = parser.parse_args(argv)
    if args.record:
        print(f"recorded {record()} reference outputs in {EXPECTED}")
        return 0
    expected = np.load(EXPECTED)
    if args.path:
        use_package(args.path)
    names = args.only or list(CHECKS)
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        parser.error(f"unknown checks {unknown}; known: {', '.join(CHECKS)}")
    results = [run_check(name, expected) for name in names]
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=1))
    else:
        width = max(len(r.name) for r in results)
        for r in results:
            print(f"{r.code:>3}  {r.name:<{width}}  {r.message}")
        passed = sum(r.code == 0 for r in results)
        print(f"\n{passed} of {len(results)} checks pass")
    return 0 if all(r.code == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
