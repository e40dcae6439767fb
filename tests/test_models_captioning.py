"""hwlib.models.captioning.CaptioningRNN: gradients, padding, dtype and input checks, memorizing two
captions and sampling them back."""

import numpy as np
import pytest

from hwlib.captioning_solver import CaptioningSolver
from hwlib.gradcheck import model_gradient_errors, norm_rel_error
from hwlib.models import CaptioningRNN

WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "dog": 5, "cat": 6, "runs": 7}


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_captioning_model_gradients(cell):
    model = CaptioningRNN(WORDS, input_dim=5, wordvec_dim=4, hidden_dim=6, cell_type=cell, dtype=np.float64, seed=1)
    rng = np.random.default_rng(0)
    features = rng.standard_normal((3, 5))
    captions = np.array([[1, 4, 5, 7, 2, 0], [1, 6, 2, 0, 0, 0], [1, 4, 6, 7, 3, 2]])
    errors = model_gradient_errors(model, features, captions, metric=norm_rel_error)
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-7, errors


def test_gradient_check_catches_a_one_percent_slip_in_one_gradient():
    """The norm-wise check used for the LSTM is still sharp: 1% wrong in one parameter's gradient shows."""
    model = CaptioningRNN(WORDS, input_dim=5, wordvec_dim=4, hidden_dim=6, cell_type="lstm", dtype=np.float64)
    features, captions = np.random.default_rng(0).standard_normal((2, 5)), np.array([[1, 4, 5, 2], [1, 6, 2, 0]])
    correct = model.loss

    def slipped(X, y):
        loss, grads = correct(X, y)
        return loss, {**grads, "Wh": grads["Wh"] * 1.01}
    model.loss = slipped
    errors = model_gradient_errors(model, features, captions, metric=norm_rel_error)
    assert errors["Wh"] > 1e-3 and max(v for k, v in errors.items() if k != "Wh") < 1e-7


def test_padding_does_not_change_the_loss():
    model = CaptioningRNN(WORDS, input_dim=5, wordvec_dim=4, hidden_dim=6, cell_type="lstm", dtype=np.float64)
    features = np.random.default_rng(0).standard_normal((1, 5))
    short = np.array([[1, 4, 5, 2]])
    padded = np.array([[1, 4, 5, 2, 0, 0, 0]])
    assert model.loss(features, short)[0] == pytest.approx(model.loss(features, padded)[0], rel=1e-12)


def test_model_keeps_dtype_does_not_mutate_and_rejects_bad_input():
    model = CaptioningRNN(WORDS, input_dim=5, wordvec_dim=4, hidden_dim=6)
    features = np.ones((2, 5), np.float32)
    captions = np.array([[1, 4, 2], [1, 5, 2]])
    before = {k: v.copy() for k, v in model.params.items()}
    loss, grads = model.loss(features, captions)
    assert isinstance(loss, np.float32) and all(g.dtype == np.float32 for g in grads.values())
    assert all(np.array_equal(before[k], model.params[k]) for k in before) and np.all(captions[:, 0] == 1)
    with pytest.raises(ValueError, match=r"features must have shape \(N, 5\)"):
        model.loss(np.ones((2, 4), np.float32), captions)
    with pytest.raises(TypeError, match="dtype float64"):
        model.loss(np.ones((2, 5)), captions)
    with pytest.raises(ValueError, match="cell_type"):
        CaptioningRNN(WORDS, cell_type="gru")
    with pytest.raises(ValueError, match="special words"):
        CaptioningRNN({"a": 0})


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_overfits_two_captions_and_samples_them(cell):
    """The classic sanity check: a model that cannot memorize two captions has a bug."""
    rng = np.random.default_rng(0)
    data = {"train_features": rng.standard_normal((2, 8)).astype(np.float32),
            "train_captions": np.array([[1, 4, 5, 7, 2], [1, 4, 6, 2, 0]]), "train_image_idxs": np.array([0, 1])}
    data.update({k.replace("train", "val"): v for k, v in data.items()})
    model = CaptioningRNN(WORDS, input_dim=8, wordvec_dim=16, hidden_dim=32, cell_type=cell, seed=0)
    solver = CaptioningSolver(model, data, optim_config={"learning_rate": 1e-2}, batch_size=2, num_epochs=150,
                              verbose=False)
    solver.train()
    assert solver.loss_history[-1] < 0.05
    assert model.decode(model.sample(data["train_features"], max_length=6)) == ["a dog runs", "a cat"]


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_captioning_model_matches_torch(cell):
    """A PyTorch referee built from the documented model (h0 = features·W_proj + b_proj, the
    cell's recurrence with the gates in the order i, f, o, g, scores summed over the kept words
    and averaged over captions): a swapped gate, an unmasked <NULL> or a mean over the wrong
    axis changes its loss even where finite differences agree with the model's own gradients."""
    torch = pytest.importorskip("torch")
    model = CaptioningRNN(WORDS, input_dim=5, wordvec_dim=4, hidden_dim=3, cell_type=cell,
                          dtype=np.float64, seed=2)
    rng = np.random.default_rng(7)
    # the cell state starts at zero, so the forget gate only shows from the second step on;
    # a non-zero bias makes the gates differ from each other from the start
    model.params["b"] = rng.standard_normal(model.params["b"].shape)
    features = rng.standard_normal((3, 5))
    captions = np.array([[1, 4, 5, 7, 2, 0], [1, 6, 2, 0, 0, 0], [1, 4, 6, 7, 3, 2]])
    p = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    cap = torch.tensor(captions)
    h = torch.tensor(features) @ p["W_proj"] + p["b_proj"]
    c = torch.zeros_like(h)
    words = p["W_embed"][cap[:, :-1]]
    H = h.shape[1]
    outputs = []
    for t in range(words.shape[1]):
        a = words[:, t] @ p["Wx"] + h @ p["Wh"] + p["b"]
        if cell == "rnn":
            h = torch.tanh(a)
        else:
            i, f, o = (torch.sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3))
            c = f * c + i * torch.tanh(a[:, 3 * H:])
            h = o * torch.tanh(c)
        outputs.append(h)
    scores = torch.stack(outputs, 1) @ p["W_vocab"] + p["b_vocab"]
    targets = cap[:, 1:]
    logp = torch.log_softmax(scores, -1).gather(-1, targets[..., None])[..., 0]
    loss_ref = -(logp * (targets != WORDS["<NULL>"])).sum() / len(captions)
    loss_ref.backward()
    loss, grads = model.loss(features, captions)
    np.testing.assert_allclose(loss, loss_ref.item(), rtol=1e-10)
    for name, tensor in p.items():
        np.testing.assert_allclose(grads[name], tensor.grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)
