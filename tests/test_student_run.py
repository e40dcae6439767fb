"""The student version runs: built by course/student_build.py, filled with the reference's bodies
of the graded functions only (the ``# BEGIN SOLUTION`` regions of hwlib whose function the grader
checks, and the private helpers those call), every chapter executes top to bottom without error.

``make student-run`` runs it (a stage of ``make test``; minutes: it executes every chapter, one
chapter per process, two at a time: ``pytest -m student_run tests/test_student_run.py -k STEM``).
"""

import os
import re
import time

import nbformat
import pytest

from conftest import MIRROR, ROOT
from hwbook.reproducible import X86_AVX2_PINS
from hwgrade.checks import CHECKS
from test_assignment import builder, kernel_without_pins

# Regions that stay stubs in a filled student version: the instructors' referees, which no student
# chapter calls (chapter 4 and 7's student cells use PyTorch instead).
INSTRUCTOR_ONLY = {"naive.py", "transformer.py:fused_attention"}
_STUB = re.compile(r'^\s*raise NotImplementedError\("hwlib\.[\w.]+ is not implemented yet"\)$')


def _graded(path, name):
    """Whether the region ``name`` of ``path`` is student work: a graded function's body or a private
    helper of one (``layers.recurrent._sequence_backward``, the loop of rnn_backward and lstm_backward)."""
    parts = path.relative_to(ROOT / "hwlib").with_suffix("").parts
    # "layers.dense.fc_forward", "transfer.surgery.freeze"; models by their package ("models.ConvNet.loss")
    return any(f"{module}.{name}" in CHECKS for module in (".".join(parts), parts[0])) or name.startswith("_")


def fill(dest):
    """Put the reference's graded bodies into the student version at ``dest``; returns the names of
    the regions left as stubs."""
    left = []
    for path, regions in builder.regions_by_file().items():
        rel = path.relative_to(ROOT)
        if path.name in builder.NOT_SHIPPED:
            continue
        reference = path.read_text(encoding="utf-8").split("\n")
        student = (dest / rel).read_text(encoding="utf-8").split("\n")
        stubs = [i for i, line in enumerate(student) if _STUB.match(line)]
        assert len(stubs) == len(regions), f"{rel}: {len(stubs)} stubs for {len(regions)} regions"
        for (name, first, last), raise_line in reversed(list(zip(regions, stubs))):
            if _graded(path, name):
                student[raise_line - 1:raise_line + 1] = reference[first + 1:last]
            else:
                left.append(f"{path.name}:{name}")
        (dest / rel).write_text("\n".join(student), encoding="utf-8")
    return left


def test_filling_leaves_only_the_instructors_referees(tmp_path):
    dest = tmp_path / "dist"
    builder.build(dest)
    left = fill(dest)
    assert all(name.split(":")[0] in INSTRUCTOR_ONLY or name in INSTRUCTOR_ONLY for name in left), left
    assert "transformer.py:fused_attention" in left


CHAPTERS = sorted(path.name for path in (ROOT / "book").glob("*.ipynb"))


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """The student version, built and filled once per process (``make student-run`` runs one
    chapter per process, two at a time)."""
    dest = tmp_path_factory.mktemp("student") / "dist"
    builder.build(dest)
    fill(dest)
    return dest


@pytest.mark.student_run
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_filled_student_version_runs_the_chapter(filled, chapter, tmp_path):
    from nbclient import NotebookClient

    path = filled / "book" / chapter
    saved = dict(os.environ)
    # A student's kernel picks its CPU's own floating-point kernels: none of the book's pins (the
    # thread count stays, so that two chapters share the two cores).
    for variable in X86_AVX2_PINS:
        os.environ.pop(variable, None)
    os.environ.update(PYTHONPATH=str(filled), JUPYTER_PATH=str(kernel_without_pins(tmp_path)))
    os.environ.setdefault("HWLIB_DATA_DIR", str(ROOT / "data"))
    os.environ.setdefault("HWLIB_DATA_MIRROR", str(MIRROR))
    os.environ.pop("HWLIB_FULL", None)
    try:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        print(f"{chapter}: {time.perf_counter() - start:.0f} s")
        assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), chapter
    finally:
        os.environ.clear()
        os.environ.update(saved)
    # the student version has no results machinery: running its chapters writes no results file
    assert not (filled / "book" / "results").exists()
