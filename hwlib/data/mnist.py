"""MNIST from the four idx files (gzip-compressed), as float arrays of shape (N, 1, 28, 28)."""

import gzip

import numpy as np

from hwlib.data.arrays import cached_arrays
from hwlib.data.registry import data_file
from hwlib.data.splits import split_and_scale
from hwlib.data.store import checksum_key, locate

_FILES = {
    "train_images": "mnist/train-images-idx3-ubyte.gz", "train_labels": "mnist/train-labels-idx1-ubyte.gz",
    "test_images": "mnist/t10k-images-idx3-ubyte.gz", "test_labels": "mnist/t10k-labels-idx1-ubyte.gz",
}
_MAGIC = {1: 2049, 3: 2051}    # idx magic numbers of unsigned-byte arrays with 1 and 3 dimensions


def read_idx(path, ndim):
    """The uint8 array stored in an idx file (optionally gzip-compressed), with a clear error if malformed.

    The idx format: a big-endian int32 magic number (0x0800 | ndim, i.e. 2049 for labels and 2051
    for images), ndim big-endian int32 sizes, then the bytes.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot read it as an idx file ({exc})") from exc
    header = 4 * (1 + ndim)
    if len(raw) < header:
        raise ValueError(f"{path}: only {len(raw)} bytes, too short for an idx header")
    magic, *dims = np.frombuffer(raw[:header], dtype=">i4")
    if magic != _MAGIC[ndim]:
        raise ValueError(f"{path}: idx magic number {magic}, expected {_MAGIC[ndim]} (uint8, {ndim}-d)")
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        raise ValueError(f"{path}: {len(raw)} bytes but the header {tuple(dims)} needs {expected} (truncated?)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _decode(paths):
    train_x, train_y = read_idx(paths["train_images"], 3), read_idx(paths["train_labels"], 1)
    test_x, test_y = read_idx(paths["test_images"], 3), read_idx(paths["test_labels"], 1)
    for split, x, y in (("train", train_x, train_y), ("test", test_x, test_y)):
        if len(x) != len(y):
            raise ValueError(f"MNIST {split}: {len(x)} images but {len(y)} labels")
        if y.max() > 9:
            raise ValueError(f"MNIST {split}: label {y.max()} is not a digit")
    return {"train_images": train_x[:, None], "train_labels": train_y,
            "test_images": test_x[:, None], "test_labels": test_y}


def load_mnist(num_validation=5000, dtype=np.float32):
    """The MNIST digits, with a fixed train/validation split.

    Explained in chapter 3, *Softmax classification and a two-layer network* ("The data").

    Inputs:
    - num_validation: training images held out for validation (default 5,000 → 55,000/5,000)
    - dtype: float32 (default) or float64

    Returns a dict:
    - X_train (55000, 1, 28, 28), X_val (5000, 1, 28, 28), X_test (10000, 1, 28, 28): dtype, in [0, 1]
    - y_train, y_val, y_test: int64 labels 0..9
    - class_names: ['0', ..., '9']

    The idx files are found (or downloaded) through hwlib.data; the decoded arrays are cached as
    .npy in the data cache, so later calls take a fraction of a second.
    """
    paths = {role: locate(data_file(path)) for role, path in _FILES.items()}
    key = "mnist-" + checksum_key(paths["train_images"], data_file(_FILES["train_images"]))
    raw = cached_arrays(key, lambda: _decode(paths))
    return split_and_scale(raw["train_images"], raw["train_labels"], raw["test_images"], raw["test_labels"],
                           num_validation, [str(d) for d in range(10)], dtype)
