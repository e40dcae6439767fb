"""hwlib.data.flickr8k: tokenizing, the vocabulary, both layouts and their errors."""

import numpy as np
import pytest

from hwlib.data import flickr8k as F

from conftest import write_flickr8k_layout


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
    root = write_flickr8k_layout(tmp_path)
    data = F.load_flickr8k(root, max_words=4, min_count=1, fractions=(1 / 3, 1 / 3, 1 / 3))
    assert data["image_folder"] == root / "Flicker8k_Dataset"
    images = [data[f"{s}_images"] for s in ("train", "val", "test")]
    assert sorted(sum(images, [])) == ["a.jpg", "b.jpg", "c.jpg"] and all(len(i) == 1 for i in images)
    # 'A dog runs' + k × 'fast': k = 2, 3, 4 exceed max_words=4, dropped from the arrays, kept as references
    assert data["train_captions"].shape == (2, 6) and data["dropped_long"]["train"] == 3
    assert len(data["train_references"][0]) == 5
    assert np.all(data["train_image_idxs"] == 0)


def test_offline_subset_loads(private_cache):
    data = F.load_flickr8k()
    n_images = sum(len(data[f"{s}_images"]) for s in ("train", "val", "test"))
    assert n_images == 1000 and len(data["train_images"]) == 800
    assert not set(data["train_images"]) & set(data["val_images"] + data["test_images"])
    assert data["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert data["train_captions"].shape[1] == 20 and np.all(data["train_captions"][:, 0] == 1)


def test_loader_errors_name_the_problem(tmp_path):
    bad = write_flickr8k_layout(tmp_path / "bad", lines=["a.jpg#0\tA dog .", "b.jpg 0 no tab here"])
    with pytest.raises(ValueError, match=r"line 2: expected '<image>\.jpg#<k><TAB><caption>'"):
        F.load_flickr8k(bad)
    missing = write_flickr8k_layout(tmp_path / "missing", images=("a.jpg", "b.jpg"))
    with pytest.raises(FileNotFoundError, match="c.jpg"):
        F.load_flickr8k(missing)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Flickr8k.token.txt is missing"):
        F.load_flickr8k(tmp_path / "empty")
