"""hwlib.data.flickr8k: tokenizing, the book's subset from every layout (the offline
subset, the upstream release downloaded at home, a folder), and their errors."""

import dataclasses
import hashlib
import io
import tarfile

import numpy as np
import pytest

from hwlib.data import DataNotFoundError
from hwlib.data import flickr8k as F
from hwlib.data.registry import DATASETS

from conftest import jpeg_bytes, write_flickr8k_layout, zip_bytes


def test_tokenize():
    assert F.tokenize("A tri-colored dog, running .") == ["a", "tri", "colored", "dog", "running"]


def test_full_upstream_layout_is_read_and_split_by_image(tmp_path):
    root = write_flickr8k_layout(tmp_path)
    data = F.load_flickr8k(root, subset=None, max_words=4, min_count=1, fractions=(1 / 3, 1 / 3, 1 / 3))
    assert data["image_folder"] == root / "Flicker8k_Dataset"
    images = [data[f"{s}_images"] for s in ("train", "val", "test")]
    assert sorted(sum(images, [])) == ["a.jpg", "b.jpg", "c.jpg"] and all(len(i) == 1 for i in images)
    # 'A dog runs' + k × 'fast': k = 2, 3, 4 exceed max_words=4, dropped from the arrays, kept as references
    assert data["train_captions"].shape == (2, 6) and data["dropped_long"]["train"] == 3
    assert len(data["train_references"][0]) == 5
    assert np.all(data["train_image_idxs"] == 0)


def test_offline_subset_loads(private_cache):
    data = F.load_flickr8k()
    images = sum((data[f"{s}_images"] for s in ("train", "val", "test")), [])
    assert sorted(images) == F.book_subset() and len(data["train_images"]) == 800
    assert not set(data["train_images"]) & set(data["val_images"] + data["test_images"])
    assert data["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert data["train_captions"].shape[1] == 20 and np.all(data["train_captions"][:, 0] == 1)


def test_loader_errors_name_the_problem(tmp_path):
    bad = write_flickr8k_layout(tmp_path / "bad", lines=["a.jpg#0\tA dog .", "b.jpg 0 no tab here"])
    with pytest.raises(ValueError, match=r"line 2: expected '<image>\.jpg#<k><TAB><caption>'"):
        F.load_flickr8k(bad)
    missing = write_flickr8k_layout(tmp_path / "missing", images=("a.jpg", "b.jpg"))
    with pytest.raises(FileNotFoundError, match="c.jpg"):
        F.load_flickr8k(missing, subset=["a.jpg", "c.jpg"])
    ghost = write_flickr8k_layout(tmp_path / "ghost", lines=[f"{n}.jpg#0\tA dog ." for n in "abcd"])
    with pytest.warns(UserWarning, match="1 image.*are skipped, e.g. d.jpg"):
        assert len(F.load_flickr8k(ghost, subset=None, min_count=1, fractions=(1 / 3,) * 3)["val_images"]) == 1
    with pytest.raises(ValueError, match="'val' would get no images"):
        F.load_flickr8k(ghost, subset=["a.jpg", "b.jpg"], min_count=1)
    with pytest.raises(FileNotFoundError, match="1000268201_693b08cb0e.jpg"):
        F.load_flickr8k(missing)                      # the book's subset is not in this folder
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Flickr8k.token.txt is missing"):
        F.load_flickr8k(tmp_path / "empty")


# -- at home: the upstream release, served on 127.0.0.1 -----------------------------------------------

BOOK = ["1000268201_693b08cb0e.jpg", "1001773457_577c3a7d70.jpg", "1002674143_1b742ab4b8.jpg",
        "1003163366_44323f5815.jpg", "1007129816_e794419615.jpg", "1007320043_627395c3d8.jpg"]
OTHERS = ["3767841911_6678052eb6.jpg", "997722733_0cb5439472.jpg"]
GHOST = "2258277193_586949ec62.jpg.1"              # named in the upstream token file, not in its zip


def _token_file(names):
    lines = [f"{name}#{k}\tA dog number {i} runs {'very ' * k}fast ." for i, name in enumerate(names)
             for k in range(5)]
    return ("\n".join(lines) + "\n").encode()


def _upstream_release():
    photos = {f"Flicker8k_Dataset/{name}": jpeg_bytes((20 * i, 80, 40)) for i, name in enumerate(BOOK + OTHERS)}
    photos["__MACOSX/Flicker8k_Dataset/._1000268201_693b08cb0e.jpg"] = b"resource fork"
    text = {"Flickr8k.token.txt": _token_file(BOOK + OTHERS + [GHOST]), "readme.txt": b"Flickr8k"}
    return {"flickr8k/Flickr8k_Dataset.zip": zip_bytes(photos), "flickr8k/Flickr8k_text.zip": zip_bytes(text)}


def _sha256(payload):
    return hashlib.sha256(payload).hexdigest()


@pytest.fixture
def six_photo_subset(monkeypatch, tmp_path):
    subset = tmp_path / "subset.txt"
    subset.write_text("# a test subset\n" + "\n".join(BOOK) + "\n")
    monkeypatch.setattr(F, "SUBSET_FILE", subset)


SPLIT = dict(fractions=(0.5, 1 / 3, 1 / 6), min_count=1)


def test_at_home_the_upstream_release_is_downloaded_and_the_subset_extracted_once(upstream, six_photo_subset):
    cache = upstream("flickr8k-upstream", _upstream_release())
    data = F.load_flickr8k(**SPLIT)
    images = sorted(sum((data[f"{s}_images"] for s in ("train", "val", "test")), []))
    assert images == BOOK
    assert (cache / "flickr8k" / "Flickr8k_Dataset.zip").is_file()                # downloaded, verified
    folder = data["image_folder"]
    assert sorted(p.name for p in folder.iterdir()) == BOOK                        # only the subset is extracted
    stamp = (folder / BOOK[0]).stat().st_mtime_ns
    again = F.load_flickr8k(**SPLIT)
    assert (again["image_folder"] / BOOK[0]).stat().st_mtime_ns == stamp          # not extracted twice
    np.testing.assert_array_equal(again["train_captions"], data["train_captions"])
    with pytest.warns(UserWarning, match=f"1 image.*skipped, e.g. {GHOST}"):
        everything = F.load_flickr8k(subset=None, **SPLIT)
    assert sum(len(everything[f"{s}_images"]) for s in ("train", "val", "test")) == len(BOOK + OTHERS)


def test_the_subset_is_the_same_from_the_offline_copy_and_from_upstream(upstream, six_photo_subset, isolated,
                                                                       monkeypatch):
    upstream("flickr8k-upstream", _upstream_release())
    from_upstream = F.load_flickr8k(**SPLIT)
    offline = io.BytesIO()
    with tarfile.open(fileobj=offline, mode="w:gz") as tf:
        members = {"flickr8k-1k/Flickr8k.token.txt": _token_file(BOOK)}
        members.update({f"flickr8k-1k/images/{name}": jpeg_bytes((20 * i, 80, 40)) for i, name in enumerate(BOOK)})
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload))
    _, mirror = isolated
    (mirror / "flickr8k").mkdir()
    (mirror / "flickr8k/flickr8k-1k.tar.gz").write_bytes(offline.getvalue())
    offline_file = dataclasses.replace(DATASETS["flickr8k"].files[0], hashes=(f"sha256:{_sha256(offline.getvalue())}",))
    monkeypatch.setitem(DATASETS, "flickr8k", dataclasses.replace(DATASETS["flickr8k"], files=(offline_file,)))
    from_offline = F.load_flickr8k(**SPLIT)
    assert "flickr8k-1k" in str(from_offline["image_folder"])
    assert from_offline["idx_to_word"] == from_upstream["idx_to_word"]
    for split in ("train", "val", "test"):
        assert from_offline[f"{split}_images"] == from_upstream[f"{split}_images"]
        np.testing.assert_array_equal(from_offline[f"{split}_captions"], from_upstream[f"{split}_captions"])


def test_at_home_a_bad_download_is_refused_with_a_clear_error(upstream, six_photo_subset, http_server):
    release = _upstream_release()
    upstream("flickr8k-upstream", release)
    www, _ = http_server
    (www / "flickr8k/Flickr8k_text.zip").write_bytes(release["flickr8k/Flickr8k_text.zip"][:-20])   # truncated
    with pytest.raises(DataNotFoundError, match="(?s)Flickr8k_text.zip.*hash.*fetch flickr8k-upstream"):
        F.load_flickr8k(**SPLIT)
    (www / "flickr8k/Flickr8k_text.zip").unlink()
    with pytest.raises(DataNotFoundError, match="(?s)Flickr8k_text.zip.*404"):
        F.load_flickr8k(**SPLIT)
