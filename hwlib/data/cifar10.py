"""CIFAR-10 from either the offline JPEG mirror or the upstream python pickles.

Two layouts are read:

* ``cifar10/cifar-10-python.tar.gz`` (www.cs.toronto.edu/~kriz/cifar.html): ``data_batch_1..5``
  and ``test_batch`` pickles of {b'data': uint8 (10000, 3072), b'labels': [...]}, plus
  ``batches.meta``. Pickles can run arbitrary code when loaded, so they are read with
  :class:`RestrictedUnpickler`, which admits only the numpy array and dtype constructors;
* ``cifar10/cifar10-jpeg.tar.gz`` (the offline mirror): ``cifar-10-jpeg/{train,test}/<class>/NNNN.jpg``.
  JPEG is lossy, so these pixels differ slightly from the pickles (a few grey levels on average).

Images come back as float arrays of shape (N, 3, 32, 32) in [0, 1].
"""

import io
import pickle
import tarfile

import numpy as np

from hwlib.data.arrays import cached_arrays
from hwlib.data.registry import data_file
from hwlib.data.splits import split_and_scale
from hwlib.data.store import DataNotFoundError, checksum_key, find_local, locate

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
_PYTHON = data_file("cifar10/cifar-10-python.tar.gz")
_JPEG = data_file("cifar10/cifar10-jpeg.tar.gz")


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays, dicts, lists, bytes and numbers — and nothing else.

    A pickle names the functions it calls while loading; any name outside the allow-list (os.system,
    builtins.eval, ...) raises ``pickle.UnpicklingError`` instead of being imported.
    """

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
    }

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data pickle "
                                     "(only numpy arrays, lists and dicts are allowed)")


def restricted_load(data):
    """Unpickle ``data`` (bytes) with RestrictedUnpickler; Python 2 pickles keep their keys as bytes."""
    return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()


def _read_batch(tar, member):
    try:
        batch = restricted_load(tar.extractfile(member).read())
        images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (KeyError, TypeError, ValueError, pickle.UnpicklingError, EOFError) as exc:
        raise ValueError(f"CIFAR-10 batch {member.name}: malformed ({type(exc).__name__}: {exc})") from exc
    if len(images) != len(labels):
        raise ValueError(f"CIFAR-10 batch {member.name}: {len(images)} images but {len(labels)} labels")
    return images, labels


def _decode_python(path):
    with tarfile.open(path) as tar:
        members = {m.name.rsplit("/", 1)[-1]: m for m in tar.getmembers() if m.isfile()}
        needed = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
        missing = [name for name in needed if name not in members]
        if missing:
            raise ValueError(f"{path}: missing {missing}; is this cifar-10-python.tar.gz?")
        train = [_read_batch(tar, members[f"data_batch_{i}"]) for i in range(1, 6)]
        test_x, test_y = _read_batch(tar, members["test_batch"])
    return {"train_images": np.concatenate([x for x, _ in train]),
            "train_labels": np.concatenate([y for _, y in train]),
            "test_images": test_x, "test_labels": test_y}


def _decode_jpeg(path):
    from PIL import Image

    splits = {"train": [], "test": []}
    with tarfile.open(path) as tar:
        for member in tar:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) < 3 or parts[-3] not in splits:
                continue
            split, cls = parts[-3], parts[-2]
            if cls not in CLASS_NAMES:
                raise ValueError(f"{path}: {member.name} is in an unknown class folder {cls!r}")
            try:
                with Image.open(tar.extractfile(member)) as img:
                    pixels = np.asarray(img.convert("RGB"), dtype=np.uint8)
            except OSError as exc:
                raise ValueError(f"{path}: cannot decode {member.name} ({exc})") from exc
            if pixels.shape != (32, 32, 3):
                raise ValueError(f"{path}: {member.name} is {pixels.shape}, expected 32×32 RGB")
            splits[split].append((cls, parts[-1], pixels.transpose(2, 0, 1)))
    arrays = {}
    for split, items in splits.items():
        if not items:
            raise ValueError(f"{path}: no {split} images found")
        # Sort by class, then file name: the order must not depend on the order inside the archive.
        items.sort(key=lambda item: (CLASS_NAMES.index(item[0]), item[1]))
        arrays[f"{split}_images"] = np.stack([pixels for _, _, pixels in items])
        arrays[f"{split}_labels"] = np.array([CLASS_NAMES.index(cls) for cls, _, _ in items], dtype=np.int64)
    return arrays


def load_cifar10(num_validation=5000, dtype=np.float32, source="auto"):
    """CIFAR-10 with a fixed train/validation split.

    Explained in chapter 4, *A convolutional network from scratch* ("CIFAR-10").

    Inputs:
    - num_validation: training images held out for validation (default 5,000 → 45,000/5,000)
    - dtype: float32 (default) or float64
    - source: 'python' (upstream pickles), 'jpeg' (offline mirror) or 'auto': a local copy of the
      pickles if there is one, else a local JPEG mirror, else download the pickles

    Returns a dict:
    - X_train (45000, 3, 32, 32), X_val (5000, 3, 32, 32), X_test (10000, 3, 32, 32): dtype in [0, 1]
    - y_train, y_val, y_test: int64 labels 0..9; class_names: CLASS_NAMES
    - source: which layout was read

    Decoding takes seconds (JPEG) the first time; the arrays are then cached as .npy.
    """
    if source not in ("auto", "python", "jpeg"):
        raise ValueError(f"source must be 'auto', 'python' or 'jpeg', got {source!r}")
    if source == "auto":
        if find_local(_PYTHON)[0] is not None:
            source = "python"
        elif find_local(_JPEG)[0] is not None:
            source = "jpeg"
        else:
            source = "python"        # nothing local: download the upstream pickles
    datafile, decode = (_PYTHON, _decode_python) if source == "python" else (_JPEG, _decode_jpeg)
    try:
        path = locate(datafile)
    except DataNotFoundError as exc:
        raise DataNotFoundError(f"{exc}\n  (CIFAR-10 is read from either {_PYTHON.path} or {_JPEG.path})") from None
    key = f"cifar10-{source}-" + checksum_key(path, datafile)
    raw = cached_arrays(key, lambda: decode(path))
    data = split_and_scale(raw["train_images"], raw["train_labels"], raw["test_images"], raw["test_labels"],
                           num_validation, CLASS_NAMES, dtype)
    data["source"] = source
    return data
