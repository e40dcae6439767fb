"""load_mnist and load_cifar10: shapes, dtypes, labels, the .npy cache, bad files, the restricted unpickler."""

import gzip
import io
import os
import pickle
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hwlib.data import DataFile, cifar10, load_cifar10, load_mnist
from hwlib.data.mnist import read_idx
from hwlib.data.splits import split_and_scale
from hwlib.data.store import file_checksum

MIRROR = Path(os.environ.get("HWLIB_DATA_MIRROR", "../shared/data"))
needs_mirror = pytest.mark.skipif(not (MIRROR / "mnist").is_dir(), reason="the offline data mirror is not present")


def _tar_gz(path, files):
    with tarfile.open(path, "w:gz") as tf:
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload))


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
    start = time.perf_counter()
    again = load_mnist(dtype=np.float64)
    assert time.perf_counter() - start < 2.0
    assert again["X_val"].dtype == np.float64
    np.testing.assert_allclose(again["X_val"], data["X_val"])       # the same fixed split every time


def test_split_is_fixed_disjoint_and_complete():
    images = np.arange(50, dtype=np.uint8).reshape(50, 1, 1, 1)     # image k has pixel value k
    labels = np.arange(50) % 10
    a = split_and_scale(images, labels, images[:5], labels[:5], 10, "0123456789")
    b = split_and_scale(images, labels, images[:5], labels[:5], 10, "0123456789", dtype=np.float64)
    train, val = set(np.round(a["X_train"].ravel() * 255)), set(np.round(a["X_val"].ravel() * 255))
    assert len(val) == 10 and not train & val and train | val == set(range(50))
    np.testing.assert_array_equal(a["y_val"], np.round(b["X_val"].ravel() * 255) % 10)   # labels follow images
    with pytest.raises(ValueError, match="num_validation"):
        split_and_scale(images, labels, images, labels, 50, "0123456789")


def _fake_cifar_python(path, n_per_batch=4, evil=False):
    rng = np.random.default_rng(0)
    files = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
                 b"labels": [int(v) for v in rng.integers(0, 10, n_per_batch)]}
        files[f"cifar-10-batches-py/{name}"] = pickle.dumps(batch, protocol=4)
    if evil:
        files["cifar-10-batches-py/test_batch"] = pickle.dumps(Evil(), protocol=2)
    _tar_gz(path, files)
    return path


class Evil:
    """A pickle that runs os.system when loaded by a plain pickle.load."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def _use_fake_python_archive(monkeypatch, tmp_path, archive):
    folder = tmp_path / "cache" / "cifar10"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "cifar-10-python.tar.gz"
    target.write_bytes(archive.read_bytes())
    fake = DataFile("cifar10/cifar-10-python.tar.gz", (f"sha256:{file_checksum(target)}",))
    monkeypatch.setattr(cifar10, "_PYTHON", fake)
    monkeypatch.setenv("HWLIB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HWLIB_OFFLINE", "1")


def test_cifar_python_layout_through_the_restricted_unpickler(monkeypatch, tmp_path):
    _use_fake_python_archive(monkeypatch, tmp_path, _fake_cifar_python(tmp_path / "fake.tar.gz"))
    data = load_cifar10(num_validation=4, source="auto")
    assert data["source"] == "python"
    assert data["X_train"].shape == (16, 3, 32, 32) and data["X_val"].shape == (4, 3, 32, 32)
    assert data["X_test"].shape == (4, 3, 32, 32) and data["X_test"].dtype == np.float32
    assert data["y_train"].dtype == np.int64 and data["y_train"].max() < 10
    assert data["class_names"][0] == "airplane"


def test_restricted_unpickler_refuses_code(monkeypatch, tmp_path, capfd):
    with pytest.raises(pickle.UnpicklingError, match="refusing to load posix.system|refusing to load os.system"):
        cifar10.restricted_load(pickle.dumps(Evil(), protocol=2))
    _use_fake_python_archive(monkeypatch, tmp_path, _fake_cifar_python(tmp_path / "evil.tar.gz", evil=True))
    with pytest.raises(ValueError, match="test_batch: malformed .*refusing to load"):
        load_cifar10(source="python", num_validation=4)
    assert "pwned" not in capfd.readouterr().out
    # numpy arrays, dicts and lists are fine
    ok = cifar10.restricted_load(pickle.dumps({b"data": np.arange(3, dtype=np.uint8), b"labels": [1, 2]}))
    np.testing.assert_array_equal(ok[b"data"], [0, 1, 2])


def _jpeg(color):
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def test_cifar_jpeg_layout_and_bad_image(monkeypatch, tmp_path):
    files = {f"cifar-10-jpeg/{split}/{cls}/000{i}.jpg": _jpeg((20 * k, 0, 0))
             for split in ("train", "test") for k, cls in enumerate(cifar10.CLASS_NAMES) for i in range(2)}
    archive = tmp_path / "cache" / "cifar10" / "cifar10-jpeg.tar.gz"
    archive.parent.mkdir(parents=True)
    _tar_gz(archive, files)
    fake = DataFile("cifar10/cifar10-jpeg.tar.gz", (f"sha256:{file_checksum(archive)}",))
    monkeypatch.setattr(cifar10, "_JPEG", fake)
    monkeypatch.setenv("HWLIB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(tmp_path / "nothing"))
    data = load_cifar10(num_validation=2, source="jpeg", dtype=np.float64)
    assert data["X_train"].shape == (18, 3, 32, 32) and data["X_test"].shape == (20, 3, 32, 32)
    # label k was drawn with red level 20·k: the decoded pixels agree, so labels and images line up
    red = np.round(data["X_test"][:, 0].mean(axis=(1, 2)) * 255 / 20)
    np.testing.assert_array_equal(red, data["y_test"])

    files["cifar-10-jpeg/train/cat/0009.jpg"] = b"not a jpeg"
    _tar_gz(archive, files)
    monkeypatch.setattr(cifar10, "_JPEG", DataFile(fake.path, (f"sha256:{file_checksum(archive)}",)))
    with pytest.raises(ValueError, match="cannot decode cifar-10-jpeg/train/cat/0009.jpg"):
        load_cifar10(source="jpeg")


def test_cifar_missing_everywhere_names_both_layouts(monkeypatch, tmp_path):
    monkeypatch.setenv("HWLIB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(tmp_path / "none"))
    monkeypatch.setenv("HWLIB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz.*cifar10-jpeg.tar.gz"):
        load_cifar10()
    with pytest.raises(ValueError, match="source must be"):
        load_cifar10(source="png")


@needs_mirror
def test_load_cifar10_from_the_mirror(monkeypatch):
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(MIRROR))
    data = load_cifar10()
    assert data["X_train"].shape == (45000, 3, 32, 32) and data["X_test"].shape == (10000, 3, 32, 32)
    assert np.bincount(data["y_test"]).tolist() == [1000] * 10
    assert np.bincount(np.concatenate([data["y_train"], data["y_val"]])).tolist() == [5000] * 10
