"""Turning uploads into one package (hwgrade.submission): every form Gradescope users upload."""

import zipfile

import pytest

from hwgrade.submission import UploadError, assemble


@pytest.fixture
def starter(tmp_path):
    root = tmp_path / "starter"
    for rel in ("__init__.py", "layers.py", "convolution.py", "models/__init__.py", "models/captioning.py",
                "data/store.py", "data/__init__.py"):
        (root / "hwlib" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "hwlib" / rel).write_text(f"# starter {rel}\n")
    return root


def _graded(dest, rel):
    return (dest / "hwlib" / rel).read_text()


def test_flat_files_under_hwlib_and_homework_names(tmp_path, starter):
    upload = tmp_path / "up"
    upload.mkdir()
    (upload / "cnn_layers.py").write_text("# mine: convolution\n")
    (upload / "captioning.py").write_text("# mine: captioning\n")
    (upload / "rnn.py").write_text("# another captioning\n")
    notes = assemble(upload, starter, tmp_path / "out")
    assert _graded(tmp_path / "out", "convolution.py") == "# mine: convolution\n"
    assert _graded(tmp_path / "out", "models/captioning.py") == "# mine: captioning\n"
    assert _graded(tmp_path / "out", "layers.py") == "# starter layers.py\n"
    assert any("rnn.py ignored" in n for n in notes)


def test_nested_zip_partial_package_and_init(tmp_path, starter):
    upload = tmp_path / "up"
    upload.mkdir()
    with zipfile.ZipFile(upload / "all.zip", "w") as zf:
        zf.writestr("x/y/z/w/hwlib/layers.py", "# mine: layers\n")
        zf.writestr("x/y/z/w/hwlib/__init__.py", "raise RuntimeError\n")
        zf.writestr("/etc/evil.py", "x")
        zf.writestr("../../evil.py", "x")
    notes = assemble(upload, starter, tmp_path / "out")
    assert _graded(tmp_path / "out", "layers.py") == "# mine: layers\n"
    assert _graded(tmp_path / "out", "__init__.py") == "# starter __init__.py\n"
    assert not list(tmp_path.rglob("evil.py")) and any("x/y/z/w/hwlib" in n for n in notes)


def test_symlinks_are_not_followed(tmp_path, starter):
    upload = tmp_path / "up"
    (upload / "hwlib").mkdir(parents=True)
    (upload / "hwlib" / "layers.py").symlink_to("/etc/passwd")
    (upload / "hwlib" / "convolution.py").write_text("# mine\n")
    assemble(upload, starter, tmp_path / "out")
    assert _graded(tmp_path / "out", "layers.py") == "# starter layers.py\n"


def test_nothing_gradable_says_what_is_expected(tmp_path, starter):
    upload = tmp_path / "up"
    upload.mkdir()
    (upload / "report.pdf").write_bytes(b"%PDF")
    with pytest.raises(UploadError, match="Upload the hwlib/ folder"):
        assemble(upload, starter, tmp_path / "out")
