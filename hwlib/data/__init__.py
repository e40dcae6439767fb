"""Data access for every chapter: one registry, one search order, verified files.

``locate(data_file(...))`` finds a verified copy (``$HWLIB_DATA_DIR`` → ``data/`` →
``$HWLIB_DATA_MIRROR`` → download); ``fetch(name)`` does it for a whole dataset and
``python -m hwlib.data`` lists or fetches them all. See ``hwlib.data.store`` for the details.
"""

from hwlib.data.cifar10 import load_cifar10
from hwlib.data.flickr8k import load_flickr8k
from hwlib.data.mnist import load_mnist
from hwlib.data.registry import DATASETS, DataFile, Dataset, data_file, dataset
from hwlib.data.splits import standardize
from hwlib.data.store import (
    CorruptDataWarning,
    DataNotFoundError,
    cache_dir,
    extract,
    find_local,
    locate,
    remote_size,
    search_roots,
)

__all__ = ["DATASETS", "DataFile", "Dataset", "data_file", "dataset", "CorruptDataWarning",
           "DataNotFoundError", "cache_dir", "extract", "find_local", "locate", "remote_size", "search_roots", "fetch",
           "load_mnist", "load_cifar10", "load_flickr8k", "standardize"]


def fetch(name, allow_download=None):
    """Locate (downloading if needed) every file of dataset ``name``; returns {relative path: Path}."""
    return {f.path: locate(f, allow_download) for f in dataset(name).files}
