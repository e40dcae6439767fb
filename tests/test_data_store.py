"""The data layer: search order, checksums, the download path (against a server on 127.0.0.1), extraction."""

import hashlib
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from hwlib import data
from hwlib.data.__main__ import main as data_cli
from hwlib.data.registry import DATASETS, DataFile


def _sha(payload):
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def _tar_bytes(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
    return buf.getvalue()


ARCHIVE = _tar_bytes({"toy/readme.txt": b"hello", "toy/numbers.csv": b"1,2,3\n"})


def test_search_order_data_dir_then_mirror(isolated):
    cache, mirror = isolated
    f = DataFile("toy/a.txt", (_sha(b"good"),))
    (mirror / "toy").mkdir()
    (mirror / "toy/a.txt").write_bytes(b"good")
    assert data.locate(f) == mirror / "toy/a.txt"
    (cache / "toy").mkdir()
    (cache / "toy/a.txt").write_bytes(b"good")
    assert data.locate(f) == cache / "toy/a.txt"


def test_corrupt_copy_is_reported_and_skipped(isolated):
    cache, mirror = isolated
    f = DataFile("toy/a.txt", (_sha(b"good"),))
    for root, payload in ((cache, b"goo"), (mirror, b"good")):   # a truncated copy first in line
        (root / "toy").mkdir()
        (root / "toy/a.txt").write_bytes(payload)
    with pytest.warns(data.CorruptDataWarning, match="checksum mismatch"):
        assert data.locate(f) == mirror / "toy/a.txt"


def test_any_accepted_checksum_is_enough(isolated):
    cache, _ = isolated
    payload = b"re-packed copy"
    f = DataFile("toy/a.bin", ("md5:" + hashlib.md5(b"upstream").hexdigest(), _sha(payload)))
    (cache / "toy").mkdir()
    (cache / "toy/a.bin").write_bytes(payload)
    assert data.locate(f, allow_download=False) == cache / "toy/a.bin"


def test_download_good_checksum_then_extract_once(isolated, http_server):
    cache, _ = isolated
    www, base = http_server
    (www / "toy.tar.gz").write_bytes(ARCHIVE)
    f = DataFile("toy/toy.tar.gz", (_sha(ARCHIVE),), f"{base}/toy.tar.gz")
    path = data.locate(f)
    assert path == cache / "toy/toy.tar.gz" and path.read_bytes() == ARCHIVE
    folder = data.extract(path, f)
    assert (folder / "toy/readme.txt").read_text() == "hello"
    stamp = (folder / "toy/readme.txt").stat().st_mtime_ns
    assert data.extract(path, f) == folder                                 # second call: no re-extraction
    assert (folder / "toy/readme.txt").stat().st_mtime_ns == stamp
    (www / "toy.tar.gz").unlink()
    assert data.locate(f) == path                                          # now found in the cache


def test_download_bad_checksum_is_rejected_and_not_kept(isolated, http_server):
    cache, _ = isolated
    www, base = http_server
    (www / "toy.tar.gz").write_bytes(ARCHIVE[:-10])                         # truncated on the server
    f = DataFile("toy/toy.tar.gz", (_sha(ARCHIVE),), f"{base}/toy.tar.gz")
    with pytest.raises(data.DataNotFoundError, match="(?s)toy/toy.tar.gz.*download.*failed.*hash"):
        data.locate(f)
    assert not (cache / "toy/toy.tar.gz").exists()


def test_download_404_gives_clear_error(isolated, http_server):
    _, base = http_server
    f = DataFile("toy/nothere.bin", (_sha(b"x"),), f"{base}/nothere.bin")
    with pytest.raises(data.DataNotFoundError) as err:
        data.locate(f)
    message = str(err.value)
    assert "404" in message and "toy/nothere.bin" in message and "HWLIB_DATA_MIRROR" in message


def test_missing_everywhere_names_file_places_and_remedy(isolated, monkeypatch):
    cache, mirror = isolated
    monkeypatch.setenv("HWLIB_OFFLINE", "1")
    f = DataFile("toy/missing.bin", (_sha(b"x"),), "http://127.0.0.1:9/missing.bin", note="ask the instructor")
    with pytest.raises(data.DataNotFoundError) as err:
        data.locate(f)
    message = str(err.value)
    for expected in ("toy/missing.bin", str(cache), str(mirror), "HWLIB_OFFLINE", "python -m hwlib.data fetch",
                     "ask the instructor"):
        assert expected in message


def test_no_url_and_not_local(isolated):
    f = DataFile("toy/only-mirror.bin", (_sha(b"x"),), None, note="only in the offline mirror")
    with pytest.raises(data.DataNotFoundError, match="only in the offline mirror"):
        data.locate(f)


def test_extract_refuses_paths_outside_and_bad_archives(isolated):
    cache, _ = isolated
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../evil.txt", "gotcha")
    evil = cache / "evil.zip"
    evil.write_bytes(buf.getvalue())
    f = DataFile("evil.zip", (_sha(buf.getvalue()),))
    with pytest.raises(ValueError, match="outside"):
        data.extract(evil, f)
    assert not (cache.parent / "evil.txt").exists()
    tar = cache / "evil.tar.gz"
    tar.write_bytes(_tar_bytes({"../evil2.txt": b"x"}))
    with pytest.raises(tarfile.TarError):
        data.extract(tar, DataFile("evil.tar.gz", (_sha(tar.read_bytes()),)))
    with pytest.raises(ValueError, match="checksum mismatch"):
        data.extract(tar, DataFile("evil.tar.gz", (_sha(b"something else"),)))


def test_cli_lists_every_dataset(isolated, capsys):
    assert data_cli(["list"]) == 0
    out = capsys.readouterr().out
    for name in DATASETS:
        assert f"\n{name}:" in out
    assert "missing" in out                                                 # the isolated mirror is empty


def test_registry_matches_the_mirror_manifest():
    mirror = os.environ.get("HWLIB_DATA_MIRROR")
    if not mirror or not (Path(mirror) / "MANIFEST.json").is_file():
        pytest.skip("HWLIB_DATA_MIRROR with a MANIFEST.json is not set (CI sets it)")
    manifest = {f["path"]: f["sha256"] for f in json.loads((Path(mirror) / "MANIFEST.json").read_text())["files"]}
    registered = {f.path: f.hashes for ds in DATASETS.values() for f in ds.files}
    for path, sha in manifest.items():
        assert f"sha256:{sha}" in registered[path], path


def test_the_project_data_folder_is_found_from_the_working_directory_upwards(tmp_path, monkeypatch):
    """hwlib knows no repository path: data/ is the first one above the working directory."""
    from hwlib.data.store import project_data_dir, search_roots

    (tmp_path / "checkout" / "data").mkdir(parents=True)
    (tmp_path / "checkout" / "book").mkdir()
    monkeypatch.chdir(tmp_path / "checkout" / "book")
    assert project_data_dir() == (tmp_path / "checkout" / "data").resolve()
    monkeypatch.delenv("HWLIB_DATA_DIR", raising=False)
    assert ("project data/", (tmp_path / "checkout" / "data").resolve()) in search_roots()
    assert project_data_dir(tmp_path) is None or project_data_dir(tmp_path) != tmp_path / "checkout" / "data"
