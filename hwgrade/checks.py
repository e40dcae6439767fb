"""What the grader checks: for each graded function, several seeded cases, each aimed at a kind of
mistake students make (a square-only index, C-order strides on a non-contiguous view, no max shift
in a softmax, sampling past <END>, float64 computed at float32 precision, an ignored schedule...).

A *value check* builds its cases with ``build(hw, rng, cache)`` and returns a list of ``Case``:
a label, a call of the student's function, the names of its outputs and the arguments to watch for
in-place changes. Its outputs are compared with the recorded ones (``python -m hwgrade
--record``). A backward pass gets its cache through ``cache(key, make)``: recorded from the
reference forward pass when recording, read back from the recording when grading, so a wrong
forward pass never fails the backward check too. A *training check* runs the student's code for a
fixed number of steps on one thread and raises a Problem when it misses its bar; no check depends
on the speed of the machine.

Points follow the homework (W2024 where it grades the function, W2022 otherwise); functions the
homework provides or does not grade get 2 points each.
"""

from dataclasses import dataclass, field

import numpy as np

from hwgrade.codes import Code, Problem, Problems

CHECKS = {}


@dataclass
class Check:
    name: str
    points: float
    homework: str
    build: object
    training: bool = False
    cpu_seconds: float = 60.0


@dataclass
class Case:
    """One call of the student's function: ``call()`` returns its outputs (a tuple)."""

    label: str
    call: object
    names: tuple
    inputs: tuple = ()
    tolerance: dict = field(default_factory=dict)   # rtol/atol overrides for every output


def check(name, points, homework="not in the homework", training=False, cpu_seconds=60.0):
    def register(build):
        CHECKS[name] = Check(name, points, homework, build, training, cpu_seconds)
        return build
    return register


def _outputs(result, count, layout):
    """The first ``count`` items of a forward pass's result, which must be the tuple ``layout``."""
    if not isinstance(result, (tuple, list)) or len(result) != count + 1:
        got = f"a {type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list)) else \
            type(result).__name__
        raise Problem(Code.WRONG_OUTPUT, f"expected {layout}, got {got}")
    return tuple(result[:count])


def _f(rng, *shapes, dtype=np.float32, scale=1.0):
    return [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


def _non_contiguous(a):
    """a's values in Fortran (column-major) order: code that assumes C-order strides reads garbage."""
    return np.asfortranarray(a)


# -- chapter 1: fully-connected, ReLU, softmax ---------------------------------------------------------

@check("layers.fc_forward", 5, "W2022 Q1(a)")
def _fc_forward(hw, rng, cache):
    cases = []
    for label, x_shape, w_shape, dtype in (("batch of 3-d inputs, flattened", (4, 3, 2), (6, 5), np.float32),
                                           ("rectangular, non-contiguous x", (7, 3), (3, 9), np.float32),
                                           ("float64 to float64 precision", (5, 4), (4, 3), np.float64)):
        x, w, b = _f(rng, x_shape, w_shape, w_shape[1:], dtype=dtype)
        if "non-contiguous" in label:
            x = _non_contiguous(x)
        cases.append(Case(label, lambda x=x, w=w, b=b: _outputs(hw.layers.fc_forward(x, w, b), 1, "(out, cache)"), ("out",), (x, w, b)))
    return cases


@check("layers.fc_backward", 10, "W2022 Q1(a)")
def _fc_backward(hw, rng, cache):
    cases = []
    for label, x_shape, w_shape, dtype in (("3-d inputs: dx keeps their shape", (4, 3, 2), (6, 5), np.float32),
                                           ("one example, many outputs", (1, 6), (6, 11), np.float32),
                                           ("float64 to float64 precision", (5, 4), (4, 3), np.float64)):
        x, w, b = _f(rng, x_shape, w_shape, w_shape[1:], dtype=dtype)
        (dout,) = _f(rng, (x_shape[0], w_shape[1]), dtype=dtype)
        c = cache(label, lambda x=x, w=w, b=b: hw.layers.fc_forward(x, w, b)[1])
        cases.append(Case(label, lambda d=dout, c=c: hw.layers.fc_backward(d, c), ("dx", "dw", "db"), (dout, c)))
    return cases


@check("layers.relu_forward", 2, "W2022 Q1(b)")
def _relu_forward(hw, rng, cache):
    (x,) = _f(rng, (5, 6))
    x[0, :3] = 0.0                                     # exact zeros
    (x64,) = _f(rng, (3, 4, 2), dtype=np.float64)
    return [Case("with exact zeros", lambda: _outputs(hw.layers.relu_forward(x), 1, "(out, cache)"), ("out",), (x,)),
            Case("float64, 3-d", lambda: _outputs(hw.layers.relu_forward(x64), 1, "(out, cache)"), ("out",), (x64,))]


@check("layers.relu_backward", 3, "W2022 Q1(b)")
def _relu_backward(hw, rng, cache):
    x, dout = _f(rng, (5, 6), (5, 6))
    x[1, :] = 0.0                                      # no gradient through an input at exactly 0
    x64, d64 = _f(rng, (2, 3, 4), (2, 3, 4), dtype=np.float64)
    c, c64 = cache("zeros", lambda: hw.layers.relu_forward(x)[1]), cache("f64", lambda: hw.layers.relu_forward(x64)[1])
    return [Case("with exact zeros", lambda: (hw.layers.relu_backward(dout, c),), ("dx",), (dout, c)),
            Case("float64, 3-d", lambda: (hw.layers.relu_backward(d64, c64),), ("dx",), (d64, c64))]


@check("layers.softmax_loss", 5, "W2022 Q2(a)")
def _softmax_loss(hw, rng, cache):
    cases = []
    for label, scale, dtype in (("scores of size ~3", 3.0, np.float32), ("scores of size ~1000 (stability)", 1000.0,
                                                                          np.float64),
                                ("float64 to float64 precision", 1.0, np.float64)):
        (scores,) = _f(rng, (6, 4), dtype=dtype, scale=scale)
        y = rng.integers(0, 4, 6)
        cases.append(Case(label, lambda s=scores, y=y: hw.layers.softmax_loss(s, y), ("loss", "dscores"), (scores, y)))
    return cases


@check("blocks.softmax_regression_loss", 2, "W2022 Q2(b)")
def _softmax_regression(hw, rng, cache):
    x, w, b = _f(rng, (6, 5), (5, 3), (3,), dtype=np.float64)
    y = rng.integers(0, 3, 6)
    return [Case("float64", lambda: _flat(hw.blocks.softmax_regression_loss(x, w, b, y)),
                 ("loss", "dx", "dw", "db"), (x, w, b, y))]


def _flat(result):
    loss, grads = result
    return (loss, *grads)


# -- chapter 2: convolution and pooling ------------------------------------------------------------------

def _two_d_cases(hw, rng, name, shapes):
    cases = []
    for label, a_shape, b_shape, dtype in shapes:
        a, b = _f(rng, a_shape, b_shape, dtype=dtype)
        if "non-contiguous" in label:
            a = _non_contiguous(a)
        cases.append(Case(label, lambda a=a, b=b: (getattr(hw.convolution, name)(a, b),), ("out",), (a, b)))
    return cases


_TWO_D = (("rectangular a and kernel", (6, 5), (2, 3), np.float32),
          ("kernel as large as a", (3, 4), (3, 4), np.float32),
          ("non-contiguous a, float64", (5, 7), (3, 2), np.float64))


@check("convolution.filt2d", 2, "W2024 Q1 (the definitions)")
def _filt2d(hw, rng, cache):
    return _two_d_cases(hw, rng, "filt2d", _TWO_D)


@check("convolution.conv2d_valid", 2, "W2024 Q1 (the definitions)")
def _conv2d_valid(hw, rng, cache):
    return _two_d_cases(hw, rng, "conv2d_valid", _TWO_D)


@check("convolution.conv2d_full", 2, "W2024 Q1 (the definitions)")
def _conv2d_full(hw, rng, cache):
    return _two_d_cases(hw, rng, "conv2d_full", _TWO_D + (("kernel larger than a", (2, 3), (4, 4), np.float64),))


@check("convolution.conv1d_matrix", 2, "discussion worksheet (convolution as a matrix)")
def _conv1d_matrix(hw, rng, cache):
    cases = []
    for label, k, n, pad, dtype in (("kernel 3, length 4, padding 1", 3, 4, 1, np.float32),
                                    ("kernel 2, length 5, no padding, float64", 2, 5, 0, np.float64)):
        (w,) = _f(rng, (k,), dtype=dtype)
        cases.append(Case(label, lambda w=w, n=n, pad=pad: (hw.convolution.conv1d_matrix(w, n, pad),), ("M",),
                          (w,)))
    return cases


@check("convolution.conv_forward", 7, "W2024 Q1(a)")
def _conv_forward(hw, rng, cache):
    cases = []
    for label, x_shape, w_shape, dtype in (("rectangular image and kernel", (2, 3, 7, 6), (4, 3, 3, 2), np.float32),
                                           ("non-contiguous input", (2, 2, 6, 7), (3, 2, 2, 3), np.float32),
                                           ("one channel, float64", (3, 1, 5, 5), (2, 1, 3, 3), np.float64)):
        x, w = _f(rng, x_shape, w_shape, dtype=dtype)
        if "non-contiguous" in label:
            x = _non_contiguous(x)
        cases.append(Case(label, lambda x=x, w=w: _outputs(hw.convolution.conv_forward(x, w), 1, "(out, cache)"), ("out",), (x, w)))
    return cases


@check("convolution.conv_backward", 7, "W2024 Q1(a)")
def _conv_backward(hw, rng, cache):
    cases = []
    for label, x_shape, w_shape, dtype in (("square output 5×5", (2, 3, 7, 6), (4, 3, 3, 2), np.float32),
                                           ("rectangular output 5×3", (2, 2, 7, 6), (3, 2, 3, 4), np.float32),
                                           ("float64 to float64 precision", (1, 2, 6, 5), (2, 2, 2, 3), np.float64)):
        x, w = _f(rng, x_shape, w_shape, dtype=dtype)
        out_shape = (x_shape[0], w_shape[0], x_shape[2] - w_shape[2] + 1, x_shape[3] - w_shape[3] + 1)
        (dout,) = _f(rng, out_shape, dtype=dtype)
        c = cache(label, lambda x=x, w=w: hw.convolution.conv_forward(x, w)[1])
        cases.append(Case(label, lambda d=dout, c=c: hw.convolution.conv_backward(d, c), ("dx", "dw"), (dout, c)))
    return cases


_POOLS = (("2×2 windows, stride 2", {"pool_height": 2, "pool_width": 2, "stride": 2}, (2, 3, 6, 8)),
          ("overlapping 3×3 windows, stride 2", {"pool_height": 3, "pool_width": 3, "stride": 2}, (2, 2, 7, 9)),
          ("rectangular 2×3 windows", {"pool_height": 2, "pool_width": 3, "stride": 1}, (1, 2, 4, 6)))


def _tied(rng, shape):
    """Rounded values, so that many windows have several equal maxima (the first one wins)."""
    return np.round(2 * rng.standard_normal(shape)).astype(np.float32)


@check("pooling.max_pool_forward", 3, "W2022 Q3(a)")
def _max_pool_forward(hw, rng, cache):
    cases = []
    for label, param, shape in _POOLS:
        x = _tied(rng, shape)
        cases.append(Case(label, lambda x=x, p=param: _outputs(hw.pooling.max_pool_forward(x, p), 1, "(out, cache)"), ("out",), (x, param)))
    return cases


@check("pooling.max_pool_backward", 3, "W2022 Q3(a)")
def _max_pool_backward(hw, rng, cache):
    cases = []
    for label, param, shape in _POOLS:
        x = _tied(rng, shape)
        c = cache(label, lambda x=x, p=param: hw.pooling.max_pool_forward(x, p)[1])
        out_shape = shape[:2] + tuple((s - k) // param["stride"] + 1
                                      for s, k in zip(shape[2:], (param["pool_height"], param["pool_width"])))
        (dout,) = _f(rng, out_shape)
        cases.append(Case(f"{label}, ties", lambda d=dout, c=c: (hw.pooling.max_pool_backward(d, c),), ("dx",),
                          (dout, c)))
    return cases


# -- update rules ----------------------------------------------------------------------------------

def _two_steps(hw, rng, rule, config):
    cases = []
    for label, dtype in (("two steps, float32", np.float32), ("two steps, float64", np.float64)):
        w, dw1, dw2 = _f(rng, (4, 5), (4, 5), (4, 5), dtype=dtype)

        def call(w=w, dw1=dw1, dw2=dw2):
            update = getattr(hw.optim, rule)
            w1, state = update(w, dw1, dict(config))
            w2, _ = update(w1, dw2, state)
            return w1, w2
        cases.append(Case(label, call, ("w after 1 step", "w after 2 steps"), (w, dw1, dw2)))
    return cases


@check("optim.sgd_momentum", 2)
def _sgd_momentum(hw, rng, cache):
    return _two_steps(hw, rng, "sgd_momentum", {"learning_rate": 0.1, "momentum": 0.9})


@check("optim.rmsprop", 2)
def _rmsprop(hw, rng, cache):
    return _two_steps(hw, rng, "rmsprop", {"learning_rate": 0.01})


@check("optim.adam", 2)
def _adam(hw, rng, cache):
    return _two_steps(hw, rng, "adam", {"learning_rate": 0.01})


# -- models ----------------------------------------------------------------------------------------

def _model_cases(hw, model, X, y):
    def scores():
        return (model.loss(X),)

    def loss():
        value, grads = model.loss(X, y)
        if not isinstance(grads, dict) or set(grads) != set(model.params):
            raise Problem(Code.WRONG_OUTPUT, f"grads must be a dict with the keys of params {sorted(model.params)}, "
                                             f"got {sorted(grads) if isinstance(grads, dict) else type(grads).__name__}")
        return (value, *(grads[k] for k in sorted(model.params)))
    return [Case("scores (y is None)", scores, ("scores",), (X,)),
            Case("loss and gradients", loss, ("loss",) + tuple(f"grads[{k!r}]" for k in sorted(model.params)), (X, y))]


@check("models.SoftmaxClassifier.loss", 5, "W2022 Q2(b)")
def _softmax_classifier(hw, rng, cache):
    model = hw.models.SoftmaxClassifier(input_dim=12, num_classes=4, reg=0.1, dtype=np.float64, seed=0)
    (X,) = _f(rng, (5, 3, 4), dtype=np.float64)
    return _model_cases(hw, model, X, rng.integers(0, 4, 5))


@check("models.TwoLayerNet.loss", 10, "W2022 Q2(c)")
def _two_layer(hw, rng, cache):
    model = hw.models.TwoLayerNet(input_dim=12, hidden_dim=10, num_classes=4, reg=0.1, seed=0)
    (X,) = _f(rng, (5, 12))
    return _model_cases(hw, model, X, rng.integers(0, 4, 5))


@check("models.ConvNet.loss", 14, "W2024 Q1(b)")
def _convnet(hw, rng, cache):
    model = hw.models.ConvNet(input_dim=(2, 8, 7), num_filters=3, filter_size=3, hidden_dim=7, num_classes=4,
                              reg=0.1, seed=0)
    (X,) = _f(rng, (3, 2, 8, 7))
    return _model_cases(hw, model, X, rng.integers(0, 4, 3))


# -- chapter 5: recurrent layers and the captioning model -----------------------------------------------

def _rnn_inputs(rng, gates, N=3, T=4, D=5, H=6, dtype=np.float32):
    x, h0, Wx, Wh, b, dh = _f(rng, (N, T, D), (N, H), (D, gates * H), (H, gates * H), (gates * H,), (N, T, H),
                              dtype=dtype)
    return x, h0, (0.4 * Wx).astype(dtype), (0.4 * Wh).astype(dtype), (0.1 * b).astype(dtype), dh


_SIZES = (("rectangular N=3, D=5, H=6", dict(N=3, T=4, D=5, H=6), np.float32),
          ("one example, float64", dict(N=1, T=3, D=4, H=2), np.float64))


@check("rnn_layers.rnn_step_forward", 2)
def _rnn_step_forward(hw, rng, cache):
    cases = []
    for label, sizes, dtype in _SIZES:
        x, h0, Wx, Wh, b, _ = _rnn_inputs(rng, 1, **sizes, dtype=dtype)
        args = (x[:, 0], h0, Wx, Wh, b)
        cases.append(Case(label, lambda a=args: _outputs(hw.rnn_layers.rnn_step_forward(*a), 1, "(out, cache)"), ("next_h",), args))
    return cases


@check("rnn_layers.rnn_step_backward", 2)
def _rnn_step_backward(hw, rng, cache):
    cases = []
    for label, sizes, dtype in _SIZES:
        x, h0, Wx, Wh, b, dh = _rnn_inputs(rng, 1, **sizes, dtype=dtype)
        c = cache(label, lambda a=(x[:, 0], h0, Wx, Wh, b): hw.rnn_layers.rnn_step_forward(*a)[1])
        cases.append(Case(label, lambda d=dh[:, 0], c=c: hw.rnn_layers.rnn_step_backward(d, c),
                          ("dx", "dprev_h", "dWx", "dWh", "db"), (dh, c)))
    return cases


@check("rnn_layers.lstm_step_forward", 2)
def _lstm_step_forward(hw, rng, cache):
    cases = []
    for label, sizes, dtype in _SIZES:
        x, h0, Wx, Wh, b, dh = _rnn_inputs(rng, 4, **sizes, dtype=dtype)
        args = (x[:, 0], h0, dh[:, 0], Wx, Wh, b)
        cases.append(Case(label, lambda a=args: _outputs(hw.rnn_layers.lstm_step_forward(*a), 2, "(next_h, next_c, cache)"), ("next_h", "next_c"), args))
    return cases


@check("rnn_layers.lstm_step_backward", 2)
def _lstm_step_backward(hw, rng, cache):
    cases = []
    for label, sizes, dtype in _SIZES:
        x, h0, Wx, Wh, b, dh = _rnn_inputs(rng, 4, **sizes, dtype=dtype)
        c = cache(label, lambda a=(x[:, 0], h0, dh[:, 1], Wx, Wh, b): hw.rnn_layers.lstm_step_forward(*a)[2])
        cases.append(Case(label, lambda d=(dh[:, 0], dh[:, -1]), c=c: hw.rnn_layers.lstm_step_backward(*d, c),
                          ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"), (dh, c)))
    return cases


def _sequence_checks(cell, gates):
    """The whole-sequence forward and backward checks of one cell type."""
    @check(f"rnn_layers.{cell}_forward", 2)
    def forward(hw, rng, cache):
        cases = []
        for label, sizes, dtype in _SIZES:
            x, h0, Wx, Wh, b, _ = _rnn_inputs(rng, gates, **sizes, dtype=dtype)
            args = (x, h0, Wx, Wh, b)
            cases.append(Case(label, lambda a=args: _outputs(getattr(hw.rnn_layers, f"{cell}_forward")(*a), 1, "(h, cache)"), ("h",), args))
        return cases

    @check(f"rnn_layers.{cell}_backward", 2)
    def backward(hw, rng, cache):
        cases = []
        for label, sizes, dtype in _SIZES:
            x, h0, Wx, Wh, b, dh = _rnn_inputs(rng, gates, **sizes, dtype=dtype)
            c = cache(label, lambda a=(x, h0, Wx, Wh, b): getattr(hw.rnn_layers, f"{cell}_forward")(*a)[1])
            cases.append(Case(label, lambda d=dh, c=c: getattr(hw.rnn_layers, f"{cell}_backward")(d, c),
                              ("dx", "dh0", "dWx", "dWh", "db"), (dh, c)))
        return cases


_sequence_checks("rnn", 1)
_sequence_checks("lstm", 4)


@check("rnn_layers.word_embedding_forward", 2)
def _embedding_forward(hw, rng, cache):
    (W,) = _f(rng, (7, 4))
    words = rng.integers(0, 7, (3, 5))
    return [Case("batch of word ids", lambda: _outputs(hw.rnn_layers.word_embedding_forward(words, W), 1, "(out, cache)"), ("out",),
                 (words, W))]


@check("rnn_layers.word_embedding_backward", 2)
def _embedding_backward(hw, rng, cache):
    words = rng.integers(0, 7, (3, 5))
    words[0] = 2                                        # one word many times: its gradients must add up
    W, dout = _f(rng, (7, 4), (3, 5, 4))
    c = cache("repeated", lambda: hw.rnn_layers.word_embedding_forward(words, W)[1])
    return [Case("a word repeated in the batch", lambda: (hw.rnn_layers.word_embedding_backward(dout, c),), ("dW",),
                 (dout, c))]


@check("rnn_layers.temporal_fc_forward", 4, "W2024 Q2(a)")
def _temporal_fc_forward(hw, rng, cache):
    cases = []
    for label, shape, M, dtype in (("rectangular N=3, T=4, D=5, M=6", (3, 4, 5), 6, np.float32),
                                   ("non-contiguous x, float64", (2, 5, 3), 4, np.float64)):
        x, w, b = _f(rng, shape, (shape[2], M), (M,), dtype=dtype)
        if "non-contiguous" in label:
            x = _non_contiguous(x)
        cases.append(Case(label, lambda x=x, w=w, b=b: _outputs(hw.rnn_layers.temporal_fc_forward(x, w, b), 1, "(out, cache)"), ("out",),
                          (x, w, b)))
    return cases


@check("rnn_layers.temporal_fc_backward", 4, "W2024 Q2(a)")
def _temporal_fc_backward(hw, rng, cache):
    cases = []
    for label, shape, M, dtype in (("rectangular N=3, T=4, D=5, M=6", (3, 4, 5), 6, np.float32),
                                   ("float64 to float64 precision", (2, 5, 3), 4, np.float64)):
        x, w, b, dout = _f(rng, shape, (shape[2], M), (M,), shape[:2] + (M,), dtype=dtype)
        c = cache(label, lambda x=x, w=w, b=b: hw.rnn_layers.temporal_fc_forward(x, w, b)[1])
        cases.append(Case(label, lambda d=dout, c=c: hw.rnn_layers.temporal_fc_backward(d, c), ("dx", "dw", "db"),
                          (dout, c)))
    return cases


@check("rnn_layers.temporal_softmax_loss", 2)
def _temporal_softmax_loss(hw, rng, cache):
    cases = []
    for label, scale, dtype in (("some steps padded", 1.0, np.float32), ("scores of size ~1000 (stability)", 1000.0,
                                                                         np.float64)):
        (x,) = _f(rng, (3, 5, 7), dtype=dtype, scale=scale)
        y, mask = rng.integers(0, 7, (3, 5)), rng.random((3, 5)) > 0.3
        mask[1] = False                                 # a caption that is all padding
        cases.append(Case(label, lambda x=x, y=y, m=mask: hw.rnn_layers.temporal_softmax_loss(x, y, m),
                          ("loss", "dx"), (x, y, mask)))
    return cases


_WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "dog": 5, "cat": 6, "runs": 7}


@check("models.CaptioningRNN.loss", 10, "W2024 Q2(b)")
def _captioning_loss(hw, rng, cache):
    cases = []
    captions = np.array([[1, 4, 5, 7, 2, 0], [1, 6, 2, 0, 0, 0]])     # padded with <NULL>
    for cell in ("rnn", "lstm"):
        model = hw.models.CaptioningRNN(_WORDS, input_dim=6, wordvec_dim=5, hidden_dim=4, cell_type=cell, seed=1)
        (features,) = _f(rng, (2, 6))
        cases += [Case(f"{cell}, padded captions: {c.label}", c.call, c.names, c.inputs)
                  for c in _model_cases(hw, model, features, captions)[1:]]
    return cases


@check("models.CaptioningRNN.sample", 6, "W2024 Q2(b)")
def _captioning_sample(hw, rng, cache):
    cases = []
    # Weights scaled to make the choices decisive and features chosen (seed 2) so that the captions
    # end at different steps inside the 8-step horizon: after <END> only <NULL> may follow.
    features = np.random.default_rng(2).standard_normal((6, 6)).astype(np.float32)
    for cell, scale in (("rnn", 2.0), ("lstm", 3.0)):
        model = hw.models.CaptioningRNN(_WORDS, input_dim=6, wordvec_dim=5, hidden_dim=4, cell_type=cell, seed=2)
        model.params = {k: (scale * v).astype(v.dtype) for k, v in model.params.items()}
        model.params["b_vocab"][_WORDS["<END>"]] += 0.5
        cases.append(Case(f"{cell}: <END> at different steps, then <NULL>",
                          lambda m=model: (np.asarray(m.sample(features, max_length=8), dtype=np.int64),),
                          ("captions",), (features,)))
    return cases


# -- chapter 7: attention ---------------------------------------------------------------------------

@check("transformer.MaskedAttention.forward", 5, "W2024 Q4(a)")
def _attention(hw, rng, cache):
    import torch

    def layer(dtype):
        torch.manual_seed(0)
        return hw.transformer.MaskedAttention(n_embd=8, n_head=2, block_size=6).to(dtype).eval()

    cases = []
    for label, shape, dtype in (("float32, T < block_size", (2, 5, 8), torch.float32),
                                ("float64 to float64 precision", (3, 6, 8), torch.float64),
                                ("non-contiguous input", (2, 4, 8), torch.float32)):
        x = torch.from_numpy(_f(rng, shape, dtype=np.float64)[0]).to(dtype)
        if "non-contiguous" in label:
            x = x.transpose(0, 1).contiguous().transpose(0, 1)

        def call(x=x, dtype=dtype):
            with torch.no_grad():
                y = layer(dtype)(x)
            if not isinstance(y, torch.Tensor):
                raise Problem(Code.WRONG_OUTPUT, f"forward returned {type(y).__name__}, expected a tensor")
            if y.dtype != x.dtype:
                raise Problem(Code.DTYPE, f"a {x.dtype} input gave a {y.dtype} output: create new tensors with "
                                          "the input's dtype and device")
            return (y.numpy(),)
        cases.append(Case(label, call, ("y",), (x,)))
    return cases


# -- chapter 6: transfer learning ---------------------------------------------------------------------

def _tiny_net(torch):
    torch.manual_seed(0)
    model = torch.nn.Module()
    model.features = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
    model.classifier = torch.nn.Sequential(torch.nn.Dropout(0.0), torch.nn.Linear(8, 5))
    model.forward = lambda x: model.classifier(model.features(x))
    return model


def _head_and_flags(out):
    if out is None or not hasattr(out, "parameters"):
        raise Problem(Code.WRONG_OUTPUT, f"expected the model back, got {type(out).__name__}: end with `return model`")
    return (np.array([out.classifier[1].out_features]), np.array([p.requires_grad for p in out.parameters()]))


@check("transfer.finetune", 2, "W2024 Q3(a)")
def _finetune(hw, rng, cache):
    import torch

    def call():
        model = _tiny_net(torch)
        for p in model.parameters():
            p.requires_grad_(False)
        return _head_and_flags(hw.transfer.finetune(model, 3))
    return [Case("a frozen model made trainable, new 3-class head", call, ("head outputs", "requires_grad"))]


@check("transfer.freeze", 2, "W2024 Q3(a)")
def _freeze(hw, rng, cache):
    import torch
    return [Case("backbone frozen, new 3-class head", lambda: _head_and_flags(hw.transfer.freeze(_tiny_net(torch), 3)),
                 ("head outputs", "requires_grad"))]


@check("transfer.visualize_model", 2, "W2022 Q5(b)")
def _visualize(hw, rng, cache):
    import matplotlib
    import torch

    matplotlib.use("Agg")
    images = torch.from_numpy(_f(rng, (5, 3, 8, 8))[0])
    labels = torch.tensor([0, 1, 1, 0, 1])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=2)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(192, 2))

    def call():
        import matplotlib.pyplot as plt

        fig = hw.transfer.visualize_model(model, loader, ["ants", "bees"], num_images=4)
        if not hasattr(fig, "axes"):
            raise Problem(Code.WRONG_OUTPUT, f"expected a matplotlib Figure, got {type(fig).__name__}")
        titles = [ax.get_title() for ax in fig.axes if ax.get_images()]
        plt.close(fig)
        return (np.array(titles, dtype=object),)
    return [Case("4 of 5 images in batches of 2", call, ("titles of the image panels",))]


# -- training checks --------------------------------------------------------------------------------

def _blobs(rng, n=300, d=10, classes=3):
    centers = 3 * rng.standard_normal((classes, d))
    y = rng.integers(0, classes, n)
    return (centers[y] + rng.standard_normal((n, d))).astype(np.float32), y


def _guarded(train, losses):
    """Run ``train()``; a NaN/inf or a hundredfold growth of the loss is a divergence (61)."""
    try:
        result = train()
    except FloatingPointError as exc:
        raise Problem(Code.DIVERGED, f"training diverged: {str(exc).splitlines()[0]}") from None
    history = [float(v) for v in losses(result)]
    if history and (not np.all(np.isfinite(history)) or history[-1] > 100 * max(history[0], 1e-3)):
        raise Problem(Code.DIVERGED, f"training diverged: the loss went from {history[0]:.3g} to {history[-1]:.3g}")
    return result


@check("solver.train (TwoLayerNet, sgd_momentum)", 5, "W2022 Q2(c)", training=True, cpu_seconds=60)
def _solver_training(hw, rng, cache):
    X, y = _blobs(rng)
    data = {"X_train": X[:240], "y_train": y[:240], "X_val": X[240:], "y_val": y[240:]}
    model = hw.models.TwoLayerNet(input_dim=10, hidden_dim=32, num_classes=3, seed=0)
    solver = hw.solver.Solver(model, data, update_rule="sgd_momentum", optim_config={"learning_rate": 0.05},
                              batch_size=40, num_epochs=5, verbose=False)
    _guarded(solver.train, lambda _: solver.history.loss)
    if solver.history.best_value < 0.9:
        raise Problem(Code.NOT_GOOD_ENOUGH, f"validation accuracy {solver.history.best_value:.2f} after 5 epochs "
                                            "(30 steps); the bar is 0.90")


def _copy_task(torch, rng, ignore):
    x = torch.from_numpy(rng.integers(0, 8, (256, 6)))
    y = torch.full_like(x, ignore)
    y[:, 1:] = x[:, :-1]                                 # repeat the previous token
    return x, y


@check("trainer.run", 5, "W2024 Q4(b)", training=True, cpu_seconds=120)
def _trainer_run(hw, rng, cache):
    import torch

    T = hw.transformer
    data = _copy_task(torch, rng, T.IGNORE_INDEX)
    config = T.GPTConfig(vocab_size=8, block_size=6, n_layer=1, n_head=2, n_embd=32)

    def run(seed, max_iters=150, eval_fn=None):
        settings = hw.trainer.TrainConfig(max_iters=max_iters, batch_size=32, learning_rate=3e-3, min_lr=3e-4,
                                          warmup_iters=10, eval_interval=50, eval_fn=eval_fn, device="cpu", seed=seed)
        history = _guarded(lambda: hw.trainer.run(T.GPT(config, seed=0), data, settings),
                           lambda h: getattr(h, "loss", []))
        if not isinstance(history, hw.history.History):
            raise Problem(Code.WRONG_OUTPUT, f"run must return a hwlib.history.History, got {type(history).__name__}")
        return history, settings

    history, settings = run(0, eval_fn=lambda m: {"val_loss": m(*data)[1].item()})
    problems = []
    if len(history.loss) != 150 or len(history.lr) != 150:
        problems.append(Problem(Code.WRONG_OUTPUT, f"the history has {len(history.loss)} losses and {len(history.lr)} "
                                                   "learning rates for 150 steps"))
    expected_lr = [hw.trainer.learning_rate_at(step, settings) for step in range(150)]
    if history.lr != expected_lr and len(history.lr) == 150:
        step = next(i for i, (a, b) in enumerate(zip(history.lr, expected_lr)) if a != b)
        problems.append(Problem(Code.VALUES, f"learning rate {history.lr[step]:.3g} at step {step + 1}, the schedule "
                                             f"(warm-up, then cosine) gives {expected_lr[step]:.3g}"))
    if history.checkpoint_iters != [50, 100, 150] or list(history.metrics) != ["val_loss"]:
        problems.append(Problem(Code.WRONG_OUTPUT, f"evaluations at steps {history.checkpoint_iters} with metrics "
                                                   f"{list(history.metrics)}; expected [50, 100, 150] and ['val_loss']"))
    first, _ = run(0, max_iters=20)
    again, _ = run(0, max_iters=20)
    other, _ = run(1, max_iters=20)
    if again.loss != first.loss or other.loss == first.loss:
        problems.append(Problem(Code.VALUES, "the same seed must give the same losses and another seed other ones "
                                             "(seed torch and the batch generator with config.seed)"))
    final = float(np.mean(history.loss[-20:]))
    if final > 0.5:
        problems.append(Problem(Code.NOT_GOOD_ENOUGH, f"mean loss of the last 20 of 150 steps {final:.3f} on a copy "
                                                      "task; the bar is 0.5"))
    if problems:
        raise Problems(problems)


@check("transfer.train_model", 6, "W2024 Q3(a)", training=True, cpu_seconds=60)
def _train_model(hw, rng, cache):
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
    scheduler = _AscentInLastEpoch(optimizer, epochs=4)

    def train():
        return hw.transfer.train_model(model, loaders, torch.nn.CrossEntropyLoss(), optimizer, scheduler,
                                       num_epochs=4, device="cpu", verbose=False)
    out = _guarded(train, lambda out: out[1].loss if _pair(hw, out) else [])
    if not _pair(hw, out):
        raise Problem(Code.WRONG_OUTPUT, "train_model must return (model, history) with a hwlib.history.History")
    best, history = out
    expected = ["train_acc", "train_loss", "val_acc", "val_loss"]
    if sorted(history.metrics) != expected or len(history.loss) != 4 * 6:
        raise Problem(Code.WRONG_OUTPUT, f"history: metrics {sorted(history.metrics)} and {len(history.loss)} step "
                                         f"losses; expected {expected} per epoch and one loss per step (24)")
    if scheduler.calls != 4:
        raise Problem(Code.WRONG_OUTPUT, f"scheduler.step() was called {scheduler.calls} times in 4 epochs; "
                                         "call it once per epoch, after the training phase")
    with torch.no_grad():
        accuracy = float((best(torch.from_numpy(sets["val"][0])).argmax(1).numpy() == sets["val"][1]).mean())
    if abs(accuracy - max(history.metrics["val_acc"])) > 1e-9:
        raise Problem(Code.VALUES, f"the returned model scores {accuracy:.3f} on the validation set but the best "
                                   f"epoch scored {max(history.metrics['val_acc']):.3f}: restore the best weights")
    if accuracy < 0.9:
        raise Problem(Code.NOT_GOOD_ENOUGH, f"the returned model's validation accuracy is {accuracy:.2f}; the bar is "
                                            "0.90")


class _AscentInLastEpoch:
    """A learning-rate "scheduler" that turns the last epoch into gradient ascent, so that the best
    epoch is not the last one and a model that was not restored to it shows."""

    def __init__(self, optimizer, epochs):
        self.optimizer, self.epochs, self.calls = optimizer, epochs, 0

    def step(self):
        self.calls += 1
        if self.calls == self.epochs - 1:
            for group in self.optimizer.param_groups:
                group["lr"] = -group["lr"]


def _pair(hw, value):
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], hw.history.History)
