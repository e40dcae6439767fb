"""hwlib.data.cifar10: both layouts, the restricted unpickler, errors, the mirror."""

import io
import os
import pickle
import tarfile

import numpy as np
import pytest
from PIL import Image

from hwlib.data import DataFile, cifar10, load_cifar10
from hwlib.data.registry import DATASETS
from hwlib.data.store import file_checksum

from conftest import MIRROR, needs_mirror


def _tar_gz(path, files):
    with tarfile.open(path, "w:gz") as tf:
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload))


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


def test_at_home_the_upstream_pickles_are_downloaded(monkeypatch, upstream, tmp_path):
    archive = _fake_cifar_python(tmp_path / "fake.tar.gz").read_bytes()
    upstream("cifar10-python", {"cifar10/cifar-10-python.tar.gz": archive})
    monkeypatch.setattr(cifar10, "_PYTHON", DATASETS["cifar10-python"].files[0])
    data = load_cifar10(num_validation=4)              # nothing local: 'auto' downloads the pickles
    assert data["source"] == "python" and data["X_train"].shape == (16, 3, 32, 32)
