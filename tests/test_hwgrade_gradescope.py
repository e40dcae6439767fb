"""Gradescope's entry point (hwgrade.gradescope) on the layout its specification gives, with the
uploads Gradescope users make: results.json is always written, and each function is graded on
what was uploaded (the starter version fills the rest)."""

import shutil
import zipfile

import pytest

from conftest import ROOT
from hwgrade.checks import CHECKS
from hwgrade.points import autograded_total
from hwgrade.submission import ALIASES
from hwgrade_layout import builder, codes, layout, run

pytestmark = pytest.mark.slow
FULL = autograded_total("W2024")


@pytest.fixture
def root():
    path = layout()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _edited_modules():
    """hwlib/ paths of the modules that have solution regions (what a student edits)."""
    return sorted(p.relative_to(ROOT / "hwlib").as_posix() for p in builder().regions_by_file(ROOT / "hwlib"))


def test_the_reference_gets_the_full_score_in_a_folder(root):
    shutil.copytree(ROOT / "hwlib", root / "submission" / "my_homework" / "hwlib")
    results = run(root)
    assert results["score"] == FULL and set(codes(results).values()) == {0}, results["output"]
    assert set(codes(results)) == set(CHECKS)


def test_the_untouched_student_version_gets_zero_with_valid_results(root):
    shutil.copytree(root / "source" / "starter" / "hwlib", root / "submission" / "hwlib")
    results = run(root)
    assert results["score"] == 0 and set(codes(results).values()) == {40}


def test_flat_module_files_under_the_homeworks_names(root):
    """The homework asks for files (cnn_layers.py, rnn.py, ...): the reference's edited modules
    uploaded flat, under the homework's name where it has one, get the full score."""
    # A name that stands for one module (transfer.py stands for three, softmax.py is a second name)
    aliases = {targets[0]: alias for alias, targets in ALIASES.items()
               if alias != "softmax.py" and len(targets) == 1}
    for rel in _edited_modules():
        shutil.copy(ROOT / "hwlib" / rel, root / "submission" / aliases.get(rel, rel.split("/")[-1]))
    results = run(root)
    assert results["score"] == FULL, results["output"]
    assert "cnn_layers.py as hwlib/layers/conv.py" in results["output"]


def test_a_zip_of_the_whole_folder_nested_three_deep(root):
    with zipfile.ZipFile(root / "submission" / "upload.zip", "w") as zf:
        for path in (ROOT / "hwlib").rglob("*.py"):
            zf.write(path, "a/b/c/hwlib/" + path.relative_to(ROOT / "hwlib").as_posix())
        zf.writestr("__MACOSX/a/hwlib/._layers.py", "garbage")
        zf.writestr("../escape.py", "print('outside')")
    results = run(root)
    assert results["score"] == FULL, results["output"]


def test_only_some_files_of_hwlib_and_an_init_that_raises(root):
    """Only layers/conv.py edited (the rest is the starter's) and a broken __init__.py: the
    convolution checks pass and nothing else is lost to the __init__."""
    (root / "submission" / "hwlib" / "layers").mkdir(parents=True)
    shutil.copy(ROOT / "hwlib" / "layers" / "conv.py", root / "submission" / "hwlib" / "layers" / "conv.py")
    (root / "submission" / "hwlib" / "__init__.py").write_text("raise RuntimeError('broken init')\n")
    results = run(root)
    got = codes(results)
    assert results["score"] == 14 and got["layers.conv.conv_forward"] == got["layers.conv.conv_backward"] == 0
    assert got["models.ConvNet.loss"] == 40 and "__init__.py is the starter's" in results["output"]


def test_a_module_that_raises_at_import_costs_only_what_imports_it(root):
    """layers/recurrent.py raises at import: what imports it fails with the message, the rest passes."""
    shutil.copytree(ROOT / "hwlib", root / "submission" / "hwlib")
    path = root / "submission" / "hwlib" / "layers" / "recurrent.py"
    path.write_text(path.read_text() + "\nraise ValueError('oops at import')\n")
    results = run(root)
    got = codes(results)
    lost = {n for n, c in got.items() if c}
    # hwlib.models imports the captioning model, which imports the recurrent layers: every model goes too
    assert lost == {n for n in CHECKS if n.startswith(("layers.recurrent.", "models.", "solver.train"))}, lost
    assert results["score"] == FULL - 8 - 16 - 14
    assert "oops at import" in next(t["output"] for t in results["tests"] if "temporal_fc_forward" in t["name"])


def test_an_upload_with_nothing_gradable_says_what_was_expected(root):
    (root / "submission" / "notes.txt").write_text("hello")
    results = run(root)
    assert results["score"] == 0 and "Upload the hwlib/ folder" in results["output"]


def test_the_graders_own_failure_still_writes_results(root):
    (root / "source" / "grade_expected.pkl").unlink()
    shutil.copytree(ROOT / "hwlib", root / "submission" / "hwlib")
    results = run(root)
    assert results["score"] == 0 and "autograder itself failed" in results["output"]


def test_w2022_points(root):
    shutil.copytree(ROOT / "hwlib", root / "submission" / "hwlib")
    results = run(root, homework="W2022")
    assert results["score"] == autograded_total("W2022")
    assert any(t["name"].startswith("W2022 Q6") and t["max_score"] == 0 for t in results["tests"])
