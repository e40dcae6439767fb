"""hwlib.data.mnist: the idx reader and load_mnist."""

import gzip

import numpy as np
import pytest

from hwlib.data import load_mnist
from hwlib.data.mnist import read_idx

from conftest import MIRROR, needs_mirror


def _idx(array, magic):
    header = np.array([magic, *array.shape], dtype=">i4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_read_idx_round_trip_and_errors(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "ok.gz").write_bytes(_idx(images, 2051))
    np.testing.assert_array_equal(read_idx(tmp_path / "ok.gz", 3), images)
    (tmp_path / "magic.gz").write_bytes(_idx(images, 2049))
    with pytest.raises(ValueError, match="magic number 2049, expected 2051"):
        read_idx(tmp_path / "magic.gz", 3)
    (tmp_path / "short.gz").write_bytes(gzip.compress(gzip.decompress(_idx(images, 2051))[:-5]))
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "short.gz", 3)
    (tmp_path / "notgz.gz").write_bytes(b"definitely not gzip")
    with pytest.raises(ValueError, match="cannot read it as an idx file"):
        read_idx(tmp_path / "notgz.gz", 3)


@needs_mirror
def test_load_mnist_shapes_split_and_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("HWLIB_DATA_DIR", str(tmp_path))       # a fresh cache, the real mirror
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(MIRROR))
    data = load_mnist()
    assert data["X_train"].shape == (55000, 1, 28, 28) and data["X_val"].shape == (5000, 1, 28, 28)
    assert data["X_test"].shape == (10000, 1, 28, 28) and data["X_train"].dtype == np.float32
    assert 0.0 <= data["X_train"].min() and data["X_train"].max() <= 1.0
    for split in ("train", "val", "test"):
        assert data[f"y_{split}"].dtype == np.int64 and set(np.unique(data[f"y_{split}"])) == set(range(10))
    assert list(tmp_path.glob("arrays/mnist-*/train_images.npy"))
    with monkeypatch.context() as patch:            # the second load reads the cache, never the idx files
        patch.setattr("hwlib.data.mnist._decode", lambda paths: pytest.fail("MNIST was decoded twice"))
        again = load_mnist(dtype=np.float64)
    assert again["X_val"].dtype == np.float64
    np.testing.assert_allclose(again["X_val"], data["X_val"])       # the same fixed split every time


def test_at_home_the_idx_files_are_downloaded_and_read(upstream):
    rng = np.random.default_rng(0)
    images = {n: rng.integers(0, 256, (n, 28, 28)) for n in (12, 4)}
    labels = {n: np.arange(n) % 10 for n in (12, 4)}
    upstream("mnist", {"mnist/train-images-idx3-ubyte.gz": _idx(images[12], 2051),
                       "mnist/train-labels-idx1-ubyte.gz": _idx(labels[12], 2049),
                       "mnist/t10k-images-idx3-ubyte.gz": _idx(images[4], 2051),
                       "mnist/t10k-labels-idx1-ubyte.gz": _idx(labels[4], 2049)})
    data = load_mnist(num_validation=2)
    assert data["X_train"].shape == (10, 1, 28, 28) and data["X_test"].shape == (4, 1, 28, 28)
    np.testing.assert_array_equal(data["X_test"][:, 0] * 255, images[4])
