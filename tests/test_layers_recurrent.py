"""hwlib.layers.recurrent: gradients against finite differences, agreement with torch's RNN/LSTM, masking,
dtype preservation, untouched inputs and clear errors."""

import numpy as np
import pytest

from hwlib.layers import recurrent as R
from hwlib.gradcheck import layer_gradient_errors

N, T, D, H, V = 3, 4, 5, 6, 7


def _rng(seed=0):
    return np.random.default_rng(seed)


def _cell_inputs(gates, seed=0, dtype=np.float64):
    r = _rng(seed)
    return {"x": r.standard_normal((N, D)), "prev_h": r.standard_normal((N, H)),
            "Wx": 0.5 * r.standard_normal((D, gates * H)), "Wh": 0.5 * r.standard_normal((H, gates * H)),
            "b": 0.1 * r.standard_normal(gates * H)}


def test_rnn_step_gradients():
    errors = layer_gradient_errors(R.rnn_step_forward, R.rnn_step_backward, _cell_inputs(1))
    assert max(errors.values()) < 1e-8, errors


def test_rnn_sequence_gradients():
    r = _rng(1)
    inputs = {"x": r.standard_normal((N, T, D)), "h0": r.standard_normal((N, H)),
              "Wx": 0.5 * r.standard_normal((D, H)), "Wh": 0.5 * r.standard_normal((H, H)),
              "b": 0.1 * r.standard_normal(H)}
    errors = layer_gradient_errors(R.rnn_forward, R.rnn_backward, inputs)
    assert max(errors.values()) < 1e-7, errors


def test_lstm_step_gradients_through_h_and_c():
    inputs = _cell_inputs(4, seed=2)
    inputs = {"x": inputs["x"], "prev_h": inputs["prev_h"], "prev_c": _rng(3).standard_normal((N, H)),
              **{k: inputs[k] for k in ("Wx", "Wh", "b")}}

    def forward(*args):
        next_h, next_c, cache = R.lstm_step_forward(*args)
        return np.stack([next_h, next_c]), cache

    def backward(dout, cache):
        return R.lstm_step_backward(dout[0], dout[1], cache)

    errors = layer_gradient_errors(forward, backward, inputs)
    assert max(errors.values()) < 1e-8, errors


def test_lstm_sequence_gradients():
    r = _rng(4)
    inputs = {"x": r.standard_normal((N, T, D)), "h0": r.standard_normal((N, H)),
              "Wx": 0.5 * r.standard_normal((D, 4 * H)), "Wh": 0.5 * r.standard_normal((H, 4 * H)),
              "b": 0.1 * r.standard_normal(4 * H)}
    errors = layer_gradient_errors(R.lstm_forward, R.lstm_backward, inputs)
    assert max(errors.values()) < 1e-7, errors


def test_embedding_and_temporal_fc_gradients():
    r = _rng(5)
    words = r.integers(0, V, (N, T))
    words[0, :] = 2                                  # a repeated word: its gradient must accumulate
    errors = layer_gradient_errors(lambda W: R.word_embedding_forward(words, W), R.word_embedding_backward,
                                   {"W": r.standard_normal((V, D))})
    assert errors["W"] < 1e-9, errors
    errors = layer_gradient_errors(R.temporal_fc_forward, R.temporal_fc_backward,
                                   {"x": r.standard_normal((N, T, D)), "w": r.standard_normal((D, V)),
                                    "b": r.standard_normal(V)})
    assert max(errors.values()) < 1e-8, errors


def test_temporal_softmax_loss_gradient_and_masking():
    r = _rng(6)
    x, y = r.standard_normal((N, T, V)), r.integers(0, V, (N, T))
    mask = r.random((N, T)) > 0.4
    loss, dx = R.temporal_softmax_loss(x, y, mask)
    from hwlib.gradcheck import eval_numerical_gradient
    numeric = eval_numerical_gradient(lambda z: R.temporal_softmax_loss(z, y, mask)[0], x.copy())
    assert np.max(np.abs(dx - numeric)) < 1e-8
    assert np.all(dx[~mask] == 0)                                     # padding gets no gradient
    changed = x.copy()
    changed[~mask] += 100 * r.standard_normal(changed[~mask].shape)   # whatever the padding scores are ...
    assert R.temporal_softmax_loss(changed, y, mask)[0] == pytest.approx(loss, rel=1e-12)   # ... loss is the same
    # Uniform scores: every kept timestep costs log V; the sum over time is divided by N only.
    uniform, _ = R.temporal_softmax_loss(np.zeros((N, T, V)), y, mask)
    assert uniform == pytest.approx(mask.sum() * np.log(V) / N)


def test_rnn_and_lstm_match_torch():
    torch = pytest.importorskip("torch")
    r = _rng(7)
    x, h0 = r.standard_normal((N, T, D)), r.standard_normal((N, H))
    Wx, Wh, b = r.standard_normal((D, H)), r.standard_normal((H, H)), r.standard_normal(H)
    rnn = torch.nn.RNN(D, H, batch_first=True, nonlinearity="tanh").double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(Wx.T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(Wh.T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b))
        rnn.bias_hh_l0.zero_()
        expected = rnn(torch.from_numpy(x), torch.from_numpy(h0)[None])[0].numpy()
    np.testing.assert_allclose(R.rnn_forward(x, h0, Wx, Wh, b)[0], expected, rtol=1e-12, atol=1e-12)

    Wx, Wh, b = r.standard_normal((D, 4 * H)), r.standard_normal((H, 4 * H)), r.standard_normal(4 * H)
    torch_order = np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]            # torch: i, f, g, o; hwlib: i, f, o, g
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(Wx[:, torch_order].T))
        lstm.weight_hh_l0.copy_(torch.from_numpy(Wh[:, torch_order].T))
        lstm.bias_ih_l0.copy_(torch.from_numpy(b[torch_order]))
        lstm.bias_hh_l0.zero_()
        c0 = torch.zeros(1, N, H, dtype=torch.float64)
        expected = lstm(torch.from_numpy(x), (torch.from_numpy(h0)[None], c0))[0].numpy()
    np.testing.assert_allclose(R.lstm_forward(x, h0, Wx, Wh, b)[0], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_float32_in_float32_out_and_inputs_untouched(cell):
    r = _rng(8)
    gates = 1 if cell == "rnn" else 4
    args = [r.standard_normal((N, T, D)), r.standard_normal((N, H)), r.standard_normal((D, gates * H)),
            r.standard_normal((H, gates * H)), r.standard_normal(gates * H)]
    args = [a.astype(np.float32) for a in args]
    before = [a.copy() for a in args]
    forward, backward = (R.rnn_forward, R.rnn_backward) if cell == "rnn" else (R.lstm_forward, R.lstm_backward)
    h, cache = forward(*args)
    dh = np.ones_like(h)
    grads = backward(dh, cache)
    assert h.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    assert [g.shape for g in grads] == [a.shape for a in args]
    assert all(np.array_equal(a, b) for a, b in zip(args, before)) and np.all(dh == 1)
    scores, cache = R.temporal_fc_forward(h, np.ones((H, V), np.float32), np.zeros(V, np.float32))
    loss, dscores = R.temporal_softmax_loss(scores, np.zeros((N, T), int), np.ones((N, T), bool))
    assert scores.dtype == dscores.dtype == np.float32 and isinstance(loss, np.float32)
    W = r.standard_normal((V, D)).astype(np.float32)
    out, cache = R.word_embedding_forward(np.zeros((N, T), int), W)
    assert out.dtype == np.float32 and R.word_embedding_backward(out, cache).dtype == np.float32


def test_sigmoid_is_stable():
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is fine
        s = R.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])
    assert R.sigmoid(np.zeros(2, np.float32)).dtype == np.float32


def test_bad_inputs_give_clear_errors():
    r = _rng(9)
    x, h0 = r.standard_normal((N, T, D)), r.standard_normal((N, H))
    with pytest.raises(ValueError, match=r"Wx must have shape \(5, 6\)"):
        R.rnn_forward(x, h0, r.standard_normal((D + 1, H)), r.standard_normal((H, H)), r.standard_normal(H))
    with pytest.raises(ValueError, match=r"Wx must have shape \(5, 24\)"):
        R.lstm_forward(x, h0, r.standard_normal((D, H)), r.standard_normal((H, H)), r.standard_normal(H))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\)"):
        R.rnn_forward(x[:, 0], h0, r.standard_normal((D, H)), r.standard_normal((H, H)), r.standard_normal(H))
    with pytest.raises(TypeError, match="one dtype"):
        R.rnn_forward(x.astype(np.float32), h0, r.standard_normal((D, H)), r.standard_normal((H, H)),
                      r.standard_normal(H))
    with pytest.raises(ValueError, match=r"word ids must lie in 0\.\.6"):
        R.word_embedding_forward(np.array([[0, 7]]), r.standard_normal((V, D)))
    with pytest.raises(TypeError, match="integer word ids"):
        R.word_embedding_forward(np.array([[0.0, 1.0]]), r.standard_normal((V, D)))
    with pytest.raises(TypeError, match="boolean"):
        R.temporal_softmax_loss(r.standard_normal((N, T, V)), np.zeros((N, T), int), np.ones((N, T)))
    with pytest.raises(ValueError, match=r"mask must have shape \(3, 4\)"):
        R.temporal_softmax_loss(r.standard_normal((N, T, V)), np.zeros((N, T), int), np.ones((N, T + 1), bool))
