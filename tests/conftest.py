"""Fixtures shared by the data tests: an isolated data cache and mirror, and a local HTTP server."""

import http.server
import threading
from functools import partial

import pytest

from hwlib.data import store


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


@pytest.fixture
def http_server(tmp_path):
    """A throwaway HTTP server on 127.0.0.1 serving tmp_path/www; yields (root folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
