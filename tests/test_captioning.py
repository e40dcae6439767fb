"""Chapter 5's pieces: the CaptioningRNN's gradients and sampling, the solver, the Flickr8k loader in
both layouts with its errors, the feature cache, BLEU and the baselines."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from hwlib.captioning_solver import CaptioningSolver
from hwlib.data import flickr8k as F
from hwlib.gradcheck import model_gradient_errors, norm_rel_error
from hwlib.models import CaptioningRNN

MIRROR = Path(os.environ.get("HWLIB_DATA_MIRROR", "../shared/data"))
PROJECT_CACHE = Path(__file__).resolve().parents[1] / "data"
WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "dog": 5, "cat": 6, "runs": 7}


class _Pairs:
    """Adapts model.loss(features, captions) to model_gradient_errors' loss(X, y)."""

    def __init__(self, model):
        self.model, self.params = model, model.params

    def loss(self, X, y):
        self.model.params = self.params
        return self.model.loss(X, y)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_captioning_model_gradients(cell):
    model = CaptioningRNN(WORDS, input_dim=5, wordvec_dim=4, hidden_dim=6, cell_type=cell, dtype=np.float64, seed=1)
    rng = np.random.default_rng(0)
    features = rng.standard_normal((3, 5))
    captions = np.array([[1, 4, 5, 7, 2, 0], [1, 6, 2, 0, 0, 0], [1, 4, 6, 7, 3, 2]])
    errors = model_gradient_errors(_Pairs(model), features, captions, metric=norm_rel_error)
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-7, errors
    # the metric is sharp enough to catch a gradient that is off by 0.1%
    _, grads = model.loss(features, captions)
    assert norm_rel_error(grads["Wh"] * 1.001, grads["Wh"]) > 1e-4


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


def test_solver_stops_on_nan():
    data = {"train_features": np.full((1, 5), np.nan, np.float32), "train_captions": np.array([[1, 4, 2]]),
            "train_image_idxs": np.array([0])}
    data.update({k.replace("train", "val"): v for k, v in data.items()})
    solver = CaptioningSolver(CaptioningRNN(WORDS, input_dim=5), data, verbose=False)
    with pytest.raises(FloatingPointError, match="diverged"):
        solver.train()


# -- the loader --------------------------------------------------------------------------------------

def _write_layout(root, folder="Flicker8k_Dataset", lines=None, images=("a.jpg", "b.jpg", "c.jpg")):
    from PIL import Image

    (root / folder).mkdir(parents=True)
    for i, name in enumerate(images):
        Image.new("RGB", (40, 30), (60 * i, 90, 30)).save(root / folder / name)
    lines = lines or [f"{name}#{k}\tA dog runs {'fast ' * k}." for name in ("a.jpg", "b.jpg", "c.jpg")
                      for k in range(5)]
    (root / F.TOKEN_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_tokenize_vocabulary_and_encoding():
    assert F.tokenize("A tri-colored dog, running .") == ["a", "tri", "colored", "dog", "running"]
    vocab = F.Vocabulary.build([["a", "dog"], ["a", "cat"], ["a", "dog"]], min_count=2)
    assert vocab.idx_to_word == ["<NULL>", "<START>", "<END>", "<UNK>", "a", "dog"]
    ids = vocab.encode(["a", "cat"], 6)
    assert ids.tolist() == [1, 4, 3, 2, 0, 0] and ids.dtype == np.int32
    assert vocab.decode(ids) == "a <UNK>"
    with pytest.raises(ValueError, match="needs length >= 4"):
        vocab.encode(["a", "dog"], 3)


def test_full_upstream_layout_is_read_and_split_by_image(tmp_path):
    root = _write_layout(tmp_path)
    data = F.load_flickr8k(root, max_words=4, min_count=1, fractions=(1 / 3, 1 / 3, 1 / 3))
    assert data["image_folder"] == root / "Flicker8k_Dataset"
    images = [data[f"{s}_images"] for s in ("train", "val", "test")]
    assert sorted(sum(images, [])) == ["a.jpg", "b.jpg", "c.jpg"] and all(len(i) == 1 for i in images)
    # 'A dog runs' + k × 'fast': k = 2, 3, 4 exceed max_words=4, dropped from the arrays, kept as references
    assert data["train_captions"].shape == (2, 6) and data["dropped_long"]["train"] == 3
    assert len(data["train_references"][0]) == 5
    assert np.all(data["train_image_idxs"] == 0)


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A private cache (so caching is really exercised) reading the real mirror; the converted
    MobileNet weights are copied in when the project cache has them, to skip a 6 s conversion."""
    from hwlib.data import store

    cache = tmp_path / "cache"
    (cache / "pretrained").mkdir(parents=True)
    for converted in (PROJECT_CACHE / "pretrained").glob("*.pt"):
        shutil.copy(converted, cache / "pretrained")
    monkeypatch.setenv("HWLIB_DATA_DIR", str(cache))
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(MIRROR.resolve()))
    store._VERIFIED.clear()
    return cache


def test_offline_subset_loads(private_cache):
    data = F.load_flickr8k()
    n_images = sum(len(data[f"{s}_images"]) for s in ("train", "val", "test"))
    assert n_images == 1000 and len(data["train_images"]) == 800
    assert not set(data["train_images"]) & set(data["val_images"] + data["test_images"])
    assert data["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert data["train_captions"].shape[1] == 20 and np.all(data["train_captions"][:, 0] == 1)


def test_loader_errors_name_the_problem(tmp_path):
    bad = _write_layout(tmp_path / "bad", lines=["a.jpg#0\tA dog .", "b.jpg 0 no tab here"])
    with pytest.raises(ValueError, match=r"line 2: expected '<image>\.jpg#<k><TAB><caption>'"):
        F.load_flickr8k(bad)
    missing = _write_layout(tmp_path / "missing", images=("a.jpg", "b.jpg"))
    with pytest.raises(FileNotFoundError, match="c.jpg"):
        F.load_flickr8k(missing)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Flickr8k.token.txt is missing"):
        F.load_flickr8k(tmp_path / "empty")


def test_feature_cache_computes_once_and_keys_on_content(private_cache, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from hwlib import captioning

    root = _write_layout(tmp_path / "imgs")
    folder, names = root / "Flicker8k_Dataset", ["a.jpg", "b.jpg"]
    first = captioning.image_features(folder, names, progress=False)
    assert first.shape == (2, 1280) and first.dtype == np.float32
    with monkeypatch.context() as patch:
        patch.setattr(captioning, "_compute", lambda *a: pytest.fail("features were computed twice"))
        assert np.array_equal(captioning.image_features(folder, names, progress=False), first)
    shutil.copy(folder / "c.jpg", folder / "a.jpg")                    # different content, same name
    changed = captioning.image_features(folder, names, progress=False)
    assert not np.array_equal(changed[0], first[0]) and np.array_equal(changed[1], first[1])
    (folder / "b.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="b.jpg cannot be decoded"):
        captioning.image_features(folder, names, progress=False)


def test_bleu_and_baselines():
    from hwlib.captioning import bleu, fit_pca, most_common_caption, nearest_neighbour_captions

    refs = [[["a", "dog", "runs", "on", "grass"], ["a", "dog", "is", "running"]],
            [["a", "cat", "sits", "on", "a", "mat"]]]
    perfect = bleu(refs, ["a dog runs on grass", "a cat sits on a mat"])
    assert all(v == pytest.approx(1.0) for v in perfect.values())
    assert bleu(refs, ["zebra zebra zebra", "zebra"])["BLEU-1"] == 0.0
    assert most_common_caption([refs[0], refs[0], refs[1]]) == "a dog is running"
    feats = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert nearest_neighbour_captions(feats, refs, np.array([[0.1, 2.0]])) == ["a cat sits on a mat"]
    mean, comps = fit_pca(np.random.default_rng(0).standard_normal((20, 5)) * [5, 1, 1, 1, 0.1], 2)
    assert comps.shape == (5, 2) and abs(comps[0, 0]) > 0.9
