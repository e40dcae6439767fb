"""Fixtures shared by the tests: an isolated data cache and mirror, and a quiet local HTTP server."""

import contextlib
import dataclasses
import hashlib
import http.server
import io
import os
import shutil
import threading
import zipfile
from functools import partial
from pathlib import Path

import pytest

from hwlib.data import store
from hwlib.data.registry import DATASETS

ROOT = Path(__file__).resolve().parents[1]
PROJECT_CACHE = ROOT / "data"
MIRROR = Path(os.environ.get("HWLIB_DATA_MIRROR", ROOT.parent / "shared" / "data")).resolve()
needs_mirror = pytest.mark.skipif(not (MIRROR / "MANIFEST.json").is_file(),
                                  reason="the offline data mirror (../shared/data) is not present")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A private data dir and mirror, so the tests never see (or write) the real cache."""
    cache, mirror = tmp_path / "cache", tmp_path / "mirror"
    cache.mkdir(), mirror.mkdir()
    monkeypatch.setenv("HWLIB_DATA_DIR", str(cache))
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(mirror))
    monkeypatch.delenv("HWLIB_OFFLINE", raising=False)
    store._VERIFIED.clear()
    return cache, mirror


@contextlib.contextmanager
def serve(folder):
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free port) without logging; yields the base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http_server(tmp_path):
    """A throwaway HTTP server on 127.0.0.1 serving tmp_path/www; yields (root folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    with serve(root) as url:
        yield root, url


@pytest.fixture
def upstream(isolated, http_server, monkeypatch):
    """A machine at home: no mirror, an empty cache, and the upstream servers on 127.0.0.1.

    ``upstream(name, {relative path: bytes})`` serves those bytes at the paths of dataset ``name``'s
    files and points the registry at them, with their sha256 as the checksum; returns the cache.
    """
    www, base = http_server

    def serve_dataset(name, payloads):
        dataset = DATASETS[name]
        files = []
        for f in dataset.files:
            payload = payloads[f.path]
            (www / f.path).parent.mkdir(parents=True, exist_ok=True)
            (www / f.path).write_bytes(payload)
            files.append(dataclasses.replace(f, url=f"{base}/{f.path}",
                                             hashes=("sha256:" + hashlib.sha256(payload).hexdigest(),)))
        monkeypatch.setitem(DATASETS, name, dataclasses.replace(dataset, files=tuple(files)))
        return isolated[0]
    return serve_dataset


def zip_bytes(files):
    """A zip archive (bytes) holding ``{member name: bytes}``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in files.items():
            zf.writestr(name, payload)
    return buf.getvalue()


def jpeg_bytes(colour, size=(40, 30)):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG")
    return buf.getvalue()


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A private cache (so caching is really exercised) reading the real mirror; the converted
    MobileNet weights are copied in when the project cache has them, to skip a 6 s conversion."""
    cache = tmp_path / "cache"
    (cache / "pretrained").mkdir(parents=True)
    for converted in (PROJECT_CACHE / "pretrained").glob("*.pt"):
        shutil.copy(converted, cache / "pretrained")
    monkeypatch.setenv("HWLIB_DATA_DIR", str(cache))
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(MIRROR))
    store._VERIFIED.clear()
    return cache


def write_flickr8k_layout(root, folder="Flicker8k_Dataset", lines=None, images=("a.jpg", "b.jpg", "c.jpg")):
    """A tiny Flickr8k in the upstream layout: coloured JPEGs in ``folder`` and a token file."""
    from PIL import Image

    from hwlib.data.flickr8k import TOKEN_FILE

    (root / folder).mkdir(parents=True)
    for i, name in enumerate(images):
        Image.new("RGB", (40, 30), (60 * i, 90, 30)).save(root / folder / name)
    lines = lines or [f"{name}#{k}\tA dog runs {'fast ' * k}." for name in ("a.jpg", "b.jpg", "c.jpg")
                      for k in range(5)]
    (root / TOKEN_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
