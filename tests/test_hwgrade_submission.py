"""Turning uploads into one package (hwgrade.submission): every form Gradescope users upload."""

import zipfile

import pytest

from hwgrade.submission import UploadError, assemble, modernize


@pytest.fixture
def starter(tmp_path):
    root = tmp_path / "starter"
    for rel in ("__init__.py", "layers/__init__.py", "layers/dense.py", "layers/conv.py", "layers/pool.py",
                "models/__init__.py", "models/captioning.py", "transfer/__init__.py", "transfer/surgery.py",
                "transfer/training.py", "transfer/visualize.py", "data/store.py", "data/__init__.py"):
        (root / "hwlib" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "hwlib" / rel).write_text(f"# starter {rel}\n")
    return root


def _graded(dest, rel):
    return (dest / "hwlib" / rel).read_text()


def _upload(folder, files):
    """A folder holding ``files`` ({relative path: text}), as a student uploads it."""
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def test_flat_files_under_hwlib_and_homework_names(tmp_path, starter):
    upload = _upload(tmp_path / "up", {"cnn_layers.py": "# mine: convolution\n",
                                       "captioning.py": "# mine: captioning\n", "rnn.py": "# another captioning\n"})
    notes = assemble(upload, starter, tmp_path / "out")
    assert _graded(tmp_path / "out", "layers/conv.py") == "# mine: convolution\n"
    assert _graded(tmp_path / "out", "models/captioning.py") == "# mine: captioning\n"
    assert _graded(tmp_path / "out", "layers/dense.py") == "# starter layers/dense.py\n"
    assert any("rnn.py ignored" in n for n in notes)


def test_nested_zip_partial_package_and_init(tmp_path, starter):
    upload = tmp_path / "up"
    upload.mkdir()
    with zipfile.ZipFile(upload / "all.zip", "w") as zf:
        zf.writestr("x/y/z/w/hwlib/layers/dense.py", "# mine: layers\n")
        zf.writestr("x/y/z/w/hwlib/__init__.py", "raise RuntimeError\n")
        zf.writestr("/etc/evil.py", "x")
        zf.writestr("../../evil.py", "x")
    notes = assemble(upload, starter, tmp_path / "out")
    assert _graded(tmp_path / "out", "layers/dense.py") == "# mine: layers\n"
    assert _graded(tmp_path / "out", "__init__.py") == "# starter __init__.py\n"
    assert not list(tmp_path.rglob("evil.py")) and any("x/y/z/w/hwlib" in n for n in notes)


def test_symlinks_are_not_followed(tmp_path, starter):
    upload = tmp_path / "up"
    (upload / "hwlib" / "layers").mkdir(parents=True)
    (upload / "hwlib" / "layers" / "dense.py").symlink_to("/etc/passwd")
    (upload / "hwlib" / "layers" / "conv.py").write_text("# mine\n")
    assemble(upload, starter, tmp_path / "out")
    assert _graded(tmp_path / "out", "layers/dense.py") == "# starter layers/dense.py\n"


def test_nothing_gradable_says_what_is_expected(tmp_path, starter):
    upload = tmp_path / "up"
    upload.mkdir()
    (upload / "report.pdf").write_bytes(b"%PDF")
    with pytest.raises(UploadError, match="Upload the hwlib/ folder"):
        assemble(upload, starter, tmp_path / "out")


def test_the_earlier_file_names_are_graded_in_their_new_places(tmp_path, starter):
    """Files of the layout before hwlib.layers (flat, and inside an hwlib/ folder) land where their
    functions live now; the old transfer.py is each of the transfer modules."""
    flat = _upload(tmp_path / "flat", {"convolution.py": "# mine: convolution\n", "layers.py": "# mine: layers\n",
                                       "transfer.py": "# mine: transfer\n"})
    notes = assemble(flat, starter, tmp_path / "out")
    assert _graded(tmp_path / "out", "layers/conv.py") == "# mine: convolution\n"
    assert _graded(tmp_path / "out", "layers/dense.py") == "# mine: layers\n"
    for rel in ("transfer/surgery.py", "transfer/training.py", "transfer/visualize.py"):
        assert _graded(tmp_path / "out", rel) == "# mine: transfer\n"
    assert any("convolution.py as hwlib/layers/conv.py" in n for n in notes)
    assemble(_upload(tmp_path / "folder", {"hwlib/pooling.py": "# mine: pooling\n"}), starter, tmp_path / "out2")
    assert _graded(tmp_path / "out2", "layers/pool.py") == "# mine: pooling\n"
    assert not (tmp_path / "out2" / "hwlib" / "pooling.py").exists()


def test_imports_of_the_earlier_modules_are_rewritten_line_for_line():
    source = ("import numpy as np\n"
              "from hwlib._checks import float_array\n"
              "from hwlib.layers import (fc_forward,\n    max_pool_forward)\n"
              "from hwlib import layers, rnn_layers as R\n"
              "from hwlib.layers import conv, dense, recurrent as R2\n"
              "x = 1\n")
    out = modernize(source)
    lines = out.split("\n")
    assert len(lines) == len(source.split("\n")) and lines[-2] == "x = 1"
    assert lines[1] == "from hwlib.layers._checks import float_array"
    assert lines[2] == "from hwlib.layers.dense import fc_forward; from hwlib.layers.pool import max_pool_forward"
    assert lines[3] == ""
    assert "import hwlib.layers.recurrent as R" in lines[4] and "layers = _types.SimpleNamespace" in lines[4]
    assert lines[5] == "from hwlib.layers import conv, dense, recurrent as R2"
    namespace = {}
    exec(out, namespace)
    layers = namespace["layers"]
    assert layers.conv_forward is layers.conv.conv_forward and namespace["R"].__name__ == "hwlib.layers.recurrent"
    assert layers.fc_forward is namespace["fc_forward"] and layers.max_pool_forward is namespace["max_pool_forward"]
    assert modernize("def f(:\n") == "def f(:\n"
