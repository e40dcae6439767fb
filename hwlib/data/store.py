"""Finding, verifying, downloading and extracting data files.

A file is looked for, in this order, in

1. ``$HWLIB_DATA_DIR`` (if set),
2. the project's ``data/`` folder (the local cache): the first ``data/`` folder found from the
   working directory upwards (a chapter runs in ``book/``, a command in the checkout: both find the
   checkout's ``data/``; hwlib never derives it from where the library is installed),
3. ``$HWLIB_DATA_MIRROR`` (an offline mirror such as ``../shared/data``; read in place, never written),
4. its public URL, downloaded into the cache with its checksum verified (skipped when
   ``HWLIB_OFFLINE=1``),

and if none of them has a good copy, :class:`DataNotFoundError` says which file is missing, where
it was looked for and how to get it. A copy whose checksum does not match is reported and never used.
"""

import hashlib
import os
import shutil
import tarfile
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path

from hwlib.settings import env_flag

_VERIFIED = {}   # (path, size, mtime_ns, accepted hashes) -> matching checksum; hashing 50 MB each time adds up


class DataNotFoundError(FileNotFoundError):
    """No good copy of a data file could be found or downloaded."""


class CorruptDataWarning(UserWarning):
    """A copy of a data file was found but its checksum does not match; it is ignored."""


def project_data_dir(start=None):
    """The project's ``data/`` folder: the first ``data/`` folder in ``start`` (default: the working
    directory) or one of its parents; None when there is none (then the user cache is used)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data").is_dir():
            return folder / "data"
    return None


def cache_dir():
    """Where downloads, extracted archives and decoded arrays are written.

    ``$HWLIB_DATA_DIR`` if set, else the project's ``data/``, else ``~/.cache/hwlib``.
    """
    env = os.environ.get("HWLIB_DATA_DIR")
    path = Path(env) if env else (project_data_dir() or Path.home() / ".cache" / "hwlib")
    path.mkdir(parents=True, exist_ok=True)
    return path


def search_roots():
    """The folders searched for data files, in order, as (label, Path) pairs."""
    roots = []
    if os.environ.get("HWLIB_DATA_DIR"):
        roots.append(("HWLIB_DATA_DIR", Path(os.environ["HWLIB_DATA_DIR"])))
    project = project_data_dir()
    if project is not None:
        roots.append(("project data/", project))
    elif not os.environ.get("HWLIB_DATA_DIR"):
        roots.append(("user cache", Path.home() / ".cache" / "hwlib"))
    if os.environ.get("HWLIB_DATA_MIRROR"):
        roots.append(("HWLIB_DATA_MIRROR", Path(os.environ["HWLIB_DATA_MIRROR"])))
    return roots


def file_checksum(path, alg="sha256"):
    """Hex digest of a file (streamed, so large archives do not fill memory)."""
    digest = hashlib.new(alg)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def matching_hash(path, datafile):
    """The accepted checksum that ``path`` matches, or None if it matches none of them."""
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, datafile.hashes)
    if key not in _VERIFIED:
        _VERIFIED[key] = None
        for accepted in datafile.hashes:
            alg, hexdigest = accepted.split(":", 1)
            if file_checksum(path, alg) == hexdigest.lower():
                _VERIFIED[key] = accepted
                break
    return _VERIFIED[key]


def checksum_key(path, datafile, length=16):
    """The first ``length`` hex digits of the accepted checksum that ``path`` matches: the part of a
    cache key that changes whenever the source file does (decoded arrays, converted weights)."""
    return matching_hash(path, datafile).split(":")[1][:length]


def find_local(datafile):
    """Search the local roots; returns (good path or None, list of (label, path, problem) tried)."""
    tried = []
    for label, root in search_roots():
        candidate = root / datafile.path
        if not candidate.is_file():
            tried.append((label, candidate, "not there"))
            continue
        if matching_hash(candidate, datafile):
            return candidate, tried
        problem = "checksum mismatch (corrupt or truncated copy, ignored)"
        warnings.warn(f"{candidate}: {problem}; expected one of {', '.join(datafile.hashes)}",
                      CorruptDataWarning, stacklevel=3)
        tried.append((label, candidate, problem))
    return None, tried


def download(datafile, timeout=60):
    """Download ``datafile.url`` into ``cache_dir()/datafile.path`` and verify it; returns the path.

    Raises ``ValueError`` if the downloaded bytes match none of the accepted checksums (the file
    is then deleted) and ``OSError``/``requests`` errors for network failures and HTTP errors.
    """
    import pooch  # only needed when something is actually downloaded

    if not datafile.url:
        raise ValueError(f"{datafile.path} has no public download URL")
    target = cache_dir() / datafile.path
    target.parent.mkdir(parents=True, exist_ok=True)
    downloader = pooch.HTTPDownloader(progressbar=True, timeout=timeout)
    # pooch verifies the download (and deletes a mismatch) against the URL's own checksum.
    path = pooch.retrieve(datafile.url, known_hash=datafile.url_hash, fname=target.name, path=target.parent,
                          downloader=downloader)
    return Path(path)


def remote_size(url, timeout=10):
    """The size in bytes the server announces for ``url`` (HTTP HEAD), or None if it does not say."""
    import requests

    try:
        response = requests.head(url, allow_redirects=True, timeout=timeout)
        response.raise_for_status()
        return int(response.headers["Content-Length"])
    except (requests.RequestException, KeyError, ValueError):
        return None


def locate(datafile, allow_download=None):
    """Path of a verified copy of ``datafile``, searching, then downloading, as the module explains.

    ``allow_download`` defaults to True unless the environment sets ``HWLIB_OFFLINE=1``.
    """
    found, tried = find_local(datafile)
    if found is not None:
        return found
    if allow_download is None:
        allow_download = not env_flag("HWLIB_OFFLINE")
    if datafile.url and allow_download:
        try:
            return download(datafile)
        except Exception as exc:  # network error, HTTP 404, checksum mismatch: all reported below
            tried.append(("download", datafile.url, f"failed: {type(exc).__name__}: {exc}"))
    elif datafile.url:
        tried.append(("download", datafile.url, "skipped (HWLIB_OFFLINE is set)"))
    raise DataNotFoundError(_missing_message(datafile, tried))


def _missing_message(datafile, tried):
    lines = [f"data file {datafile.path!r} is missing. Looked in:"]
    lines += [f"  - {label}: {where} -> {problem}" for label, where, problem in tried]
    lines.append("How to get it:")
    if datafile.url:
        lines.append(f"  - with internet: python -m hwlib.data fetch  (downloads {datafile.url})")
    if datafile.note:
        lines.append(f"  - {datafile.note}")
    lines.append(f"  - or copy the file to {cache_dir() / datafile.path}, or point HWLIB_DATA_MIRROR "
                 "at a folder holding it (e.g. export HWLIB_DATA_MIRROR=../shared/data)")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# Archives
# ----------------------------------------------------------------------------------------------

MARKER = ".hwlib-extracted"    # in a folder hwlib wrote: what it was made from, written last


def read_marker(folder, name=MARKER):
    """The text of ``folder``'s completeness marker, or None when the folder is absent or incomplete."""
    marker = Path(folder) / name
    return marker.read_text() if marker.is_file() else None


def write_marker(folder, text, name=MARKER):
    """Mark ``folder`` complete, recording ``text`` (a checksum, a stamp): call it last, inside
    ``written_atomically``, so an interrupted write never looks complete."""
    (Path(folder) / name).write_text(text)


def extract(archive, datafile, name=None):
    """Extract a verified archive once into ``cache_dir()/extracted/<name>`` and return that folder.

    A marker file records the archive's checksum; extraction is repeated only when it changes
    (or was interrupted). Members that would land outside the folder are refused.
    """
    checksum = matching_hash(archive, datafile)
    if checksum is None:
        raise ValueError(f"{archive}: checksum mismatch, refusing to extract it")
    dest = cache_dir() / "extracted" / (name or Path(datafile.path).name.split(".")[0])
    if read_marker(dest) == checksum:
        return dest
    with written_atomically(dest) as tmp:
        tmp.mkdir(parents=True)
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    _require_inside(tmp, member, archive)
                zf.extractall(tmp)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(tmp, filter="data")   # the "data" filter refuses links/paths outside tmp
        write_marker(tmp, checksum)
    return dest


@contextmanager
def written_atomically(target):
    """Yield a temporary path beside ``target`` to write a file or a folder into; it replaces
    ``target`` only when the block completes, so an interrupted write never leaves half a target."""
    target = Path(target)
    tmp = target.with_name(target.name + ".partial")
    _remove(tmp)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield tmp
    except BaseException:
        _remove(tmp)
        raise
    _remove(target)
    tmp.rename(target)


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _require_inside(root, member, archive):
    target = (root / member).resolve()
    if root.resolve() not in target.parents and target != root.resolve():
        raise ValueError(f"{archive}: member {member!r} would be extracted outside {root}")
