"""hwbook.nbval_tolerance: declared tolerances, the number-aware comparison, and the plugin inside nbval."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from hwbook.nbval_tolerance import Tolerance, compare_text, declarations, declared, main


def test_declarations_are_parsed_and_need_a_reason():
    tol = Tolerance.parse("abs=0.004 int=3: kernel choices move these by 0.002")
    assert (tol.abs, tol.rel, tol.int, tol.sci) == (0.004, 0.0, 3.0, 1.0)
    assert tol.why.startswith("kernel choices")
    with pytest.raises(ValueError, match="say why"):
        Tolerance.parse("abs=0.01")
    with pytest.raises(ValueError, match="cannot read"):
        Tolerance.parse("absolute=0.01: typo")
    with pytest.raises(ValueError, match="sci >= 1"):
        Tolerance.parse("sci=0.5: a factor below one")
    with pytest.raises(ValueError, match="expected a string"):
        Tolerance.parse({"abs": 0.01})
    assert declared({"nbval_tolerance": "rel=0.1: noisy", "tags": []}).rel == 0.1
    assert declared({"tags": ["remove-input"]}) is None and declared({}) is None


def test_numbers_move_within_their_rules_only():
    tol = Tolerance(abs=0.004, int=2, sci=10)
    assert compare_text("acc 0.646, 776 wrong", "acc 0.649, 775 wrong", tol) == []
    problems = compare_text("acc 0.646, 776 wrong", "acc 0.651, 772 wrong", tol)
    assert len(problems) == 2 and "0.646 became 0.651" in problems[0] and "776 became 772" in problems[1]
    assert compare_text("err 3.1e-10", "err 9.0e-10", tol) == []          # within a factor of 10
    assert compare_text("err 3.1e-10", "err 4.0e-09", tol) != []
    assert compare_text("vs torch 0.0e+00", "vs torch 3.9e-15", tol) == []  # both at the round-off floor
    assert compare_text("vs torch 0.0e+00", "vs torch 2.0e-13", tol) != []
    assert compare_text("9,001 pairs", "9,002 pairs", Tolerance()) != []    # exact by default
    assert compare_text("rel", "rel", Tolerance()) == []


def test_relative_rule_and_words_with_digits():
    tol = Tolerance(rel=0.01)
    assert compare_text("loss 83.1 -> 0.022", "loss 84.1 -> 0.0222", tol) != []   # 1.0 > 1% of 83.1
    assert compare_text("loss 83.1", "loss 83.9", tol) == []
    # digits inside words are text, not numbers: a changed name is a changed text
    problems = compare_text("conv2d on x11", "conv3d on x11", Tolerance(int=5))
    assert problems and problems[0].startswith("the text differs")


def test_text_around_the_numbers_must_be_identical():
    problems = compare_text("best width: 512\n", "best width 512\n", Tolerance(int=1000))
    assert problems and "text differs" in problems[0]


def test_listing_names_each_declaration_and_its_reason(tmp_path, capsys):
    path = _notebook(tmp_path, "print(1)", "1\n", tolerance="abs=0.01 int=2: seeds move these",
                     default="sci=10: round-off")
    (n0, scope0, default), (number, scope, tolerance) = declarations(path)
    assert (n0, scope0, default.sci) == (None, "notebook", 10)
    assert (number, scope, tolerance.abs, tolerance.int) == (0, "cell", 0.01, 2)
    assert main([str(path)]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert "notebook default" in lines[1] and "cell 0" in lines[2] and "seeds move" in lines[2]
    assert main([str(_notebook(tmp_path, "print(1)", "1\n"))]) == 0
    assert "no declaration" in capsys.readouterr().out


def test_a_declaration_left_in_the_source_is_refused(tmp_path):
    path = _notebook(tmp_path, "# NBVAL_TOLERANCE abs=0.01: old style\nprint(1)", "1\n")
    with pytest.raises(ValueError, match="metadata"):
        declarations(path)


def test_the_chapters_declare_in_metadata_only():
    """No chapter's code cell carries test machinery in its source (issue 23)."""
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "book").glob("*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "code":
                assert "NBVAL" not in cell.source and "noqa" not in cell.source, path.name
        declarations(path)  # parses every declaration, refusing a malformed one


def _notebook(tmp_path, source, printed, tolerance=None, default=None):
    cell = nbformat.v4.new_code_cell(source, execution_count=1,
                                     outputs=[nbformat.v4.new_output("stream", name="stdout", text=printed)])
    if tolerance is not None:
        cell.metadata["nbval_tolerance"] = tolerance
    nb = nbformat.v4.new_notebook(cells=[cell])
    if default is not None:
        nb.metadata["nbval_tolerance"] = default
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def _nbval(path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "hwbook.nbval_tolerance",
                           "--nbval", "--nbval-current-env", str(path)], capture_output=True, text=True, env=env,
                          cwd=path.parent, timeout=300)


@pytest.mark.slow
def test_plugin_inside_nbval(tmp_path):
    """Within the declared tolerance nbval passes; outside it, or without a declaration, it fails."""
    source, rule = "print('accuracy 0.503')", "abs=0.01: test"
    assert _nbval(_notebook(tmp_path, source, "accuracy 0.498\n", tolerance=rule)).returncode == 0
    run = _nbval(_notebook(tmp_path, source, "accuracy 0.520\n", tolerance=rule))
    assert run.returncode == 1 and "0.520 became 0.503" in run.stdout
    # the notebook's default applies to a cell without its own declaration
    assert _nbval(_notebook(tmp_path, source, "accuracy 0.498\n", default=rule)).returncode == 0
    assert _nbval(_notebook(tmp_path, source, "accuracy 0.498\n")).returncode == 1
