"""Decoded datasets cached as .npy files, so decoding (gzip, JPEG, pickle) runs once per machine.

``cached_arrays(key, build)`` returns ``{name: array}``: read from ``cache_dir()/arrays/<key>/``
when a complete copy is there, otherwise ``build()`` is called and its arrays are written (through a
temporary folder, so an interrupted write never leaves a half cache). The key
should include the source file's checksum, so a different source never reuses a stale cache.
"""

import warnings

import numpy as np

from hwlib.data.store import cache_dir, read_marker, write_marker, written_atomically

_DONE = "complete"     # the marker's name here (caches written before the one marker stay valid)


def cached_arrays(key, build):
    """Load the arrays cached under ``key``, or build, cache and return them (see the module)."""
    folder = cache_dir() / "arrays" / key
    listed = read_marker(folder, _DONE)
    if listed is not None:
        names = listed.split()
        try:
            return {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in names}
        except (OSError, ValueError) as exc:   # truncated or overwritten .npy: rebuild it
            warnings.warn(f"cached arrays in {folder} are unreadable ({exc}); decoding the source again",
                          stacklevel=2)
    arrays = build()
    with written_atomically(folder) as tmp:
        tmp.mkdir(parents=True)
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        write_marker(tmp, "\n".join(arrays), _DONE)
    return arrays
