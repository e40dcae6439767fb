"""The Gradescope package (course/autograder.py), tried the way Gradescope runs it: each zip is
laid out by course/gradescope_trial.py (extracted into <root>/source, run_autograder copied to
<root>/, the upload in <root>/submission) and the score read from results.json."""

import ast
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

from conftest import ROOT
from hwgrade.runner import MAX_CHECK_ENV, TOTAL_BUDGET_S

sys.path.insert(0, str(ROOT / "course"))
import autograder  # noqa: E402
import gradescope_trial  # noqa: E402

SETUP = ROOT / "course" / "gradescope" / "setup.sh"


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("zip") / "autograder.zip"
    autograder.build(path)
    return path


# -- the zip ---------------------------------------------------------------------------------------

def test_the_zip_has_what_gradescope_runs_at_its_root(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    paths = autograder.grader_paths()
    top = {name.split("/")[0] for name in infos}
    assert top == {"setup.sh", "run_autograder", "requirements.txt", "requirements-torch.txt",
                   paths.RECORDING_NAME, "hwgrade", paths.STARTER_NAME}
    for name in ("setup.sh", "run_autograder"):
        assert infos[name].external_attr >> 16 & 0o111, f"{name} is not executable"
    assert f"{paths.STARTER_NAME}/hwlib/__init__.py" in infos and "hwgrade/gradescope.py" in infos
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in infos)


def test_the_zip_holds_no_solution(zip_path):
    """The starter is the student version: every solution region is a TODO, none of the reference's
    solution lines is in any file of the zip."""
    builder = _student_build()
    solution_lines, elsewhere = set(), set()
    for path in sorted((ROOT / "hwlib").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.split("\n")
        for _, first, last in builder.solution_regions(source):
            solution_lines |= {line.strip() for line in lines[first + 1:last] if len(line.strip()) > 40}
        elsewhere |= {line.strip() for line in builder.strip_solutions(source).split("\n")}
    solution_lines -= elsewhere                 # lines that the reference also has outside a solution
    assert len(solution_lines) > 50
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            if name.endswith(".py"):
                lines = {line.strip() for line in zf.read(name).decode("utf-8").split("\n")}
                leaked = sorted(solution_lines & lines)
                assert not leaked, f"{name} has solution lines: {leaked[:3]}"
        starter = zf.read(f"{autograder.grader_paths().STARTER_NAME}/hwlib/layers/dense.py").decode()
    assert "raise NotImplementedError" in starter and builder.BEGIN not in starter


def test_the_zip_is_reproducible(zip_path, tmp_path):
    assert autograder.build(tmp_path / "again.zip")
    assert (tmp_path / "again.zip").read_bytes() == zip_path.read_bytes()


def test_pins_are_read_from_requirements_txt(zip_path, tmp_path):
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    with zipfile.ZipFile(zip_path) as zf:
        for member, names in (("requirements.txt", autograder.PACKAGES),
                              ("requirements-torch.txt", autograder.TORCH_PACKAGES)):
            pinned = [line for line in zf.read(member).decode().splitlines() if not line.startswith("#")]
            assert [p.split("==")[0] for p in pinned] == list(names)
            assert all(p in lines for p in pinned), pinned
    other = tmp_path / "requirements.txt"
    other.write_text("numpy==1.0\nPillow == 2.0  # a comment\ntorch>=2\n")
    assert autograder.pins(["numpy", "pillow"], other) == ["numpy==1.0", "Pillow==2.0"]
    with pytest.raises(ValueError, match="torch, tqdm"):
        autograder.pins(["numpy", "torch", "tqdm"], other)


def test_the_pinned_packages_cover_every_module_level_import():
    """What hwlib's modules and the grader import when loaded must be installed by setup.sh."""
    provided = {autograder._normal(n) for n in autograder.PACKAGES + autograder.TORCH_PACKAGES}
    owners = importlib.metadata.packages_distributions()
    needed = {}
    for path in sorted((ROOT / "hwlib").rglob("*.py")) + sorted((ROOT / "hwgrade").rglob("*.py")):
        if path.name == "nbval_tolerance.py":             # a pytest plugin, never loaded when graded
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("hwlib", "hwgrade"):
                    continue
                for dist in owners.get(top, [top]):
                    needed.setdefault(autograder._normal(dist), set()).add(path.relative_to(ROOT).as_posix())
    assert {d: sorted(w) for d, w in needed.items() if d not in provided} == {}
    assert {"numpy", "torch"} <= set(needed)


# -- setup.sh --------------------------------------------------------------------------------------

def test_setup_sh_refuses_loudly_without_python_3_11(tmp_path):
    """With python3 3.10 and no python3.1x in the archive (and not Ubuntu, so no PPA), setup.sh
    stops with its message before touching anything. apt-get and python3 are stand-ins here."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text('#!/bin/sh\n[ "$1" = -V ] && echo "Python 3.10.12" && exit 0\nexit 1\n')
    (bin_dir / "apt-get").write_text("#!/bin/sh\necho \"apt-get $*\" >> \"$LOG\"\n")
    (bin_dir / "apt-cache").write_text("#!/bin/sh\necho '  Candidate: (none)'\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    for name in ("requirements.txt", "requirements-torch.txt"):
        (tmp_path / name).write_text("")
    shutil.copy(SETUP, tmp_path / "setup.sh")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "LOG": str(tmp_path / "log"),
           "HWGRADE_VENV": str(tmp_path / "venv")}
    proc = subprocess.run(["bash", str(tmp_path / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=60)
    if os.geteuid() != 0:
        assert proc.returncode != 0 and "run me as root" in proc.stderr
        return
    assert proc.returncode != 0
    assert "FAILED: no Python 3.11 or newer could be installed" in proc.stderr
    assert "python3 is Python 3.10.12" in proc.stderr and "Ubuntu 22.04 or 24.04" in proc.stderr
    assert not (tmp_path / "venv").exists()
    assert "install" not in (tmp_path / "log").read_text()        # asked apt, installed nothing


def test_setup_sh_takes_the_torch_index_from_the_environment():
    text = SETUP.read_text()
    assert 'TORCH_INDEX="${HWGRADE_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"' in text
    assert '--index-url "$TORCH_INDEX"' in text
    assert not re.search(r"(update-alternatives|ln -s\S*)\s.*python3\b", text)   # never replaces python3


# -- the grader, in Gradescope's layout --------------------------------------------------------------

def _student_build():
    return autograder.student_build()


def _reference(dest):
    shutil.copytree(ROOT / "hwlib", dest / "hwlib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def _points(results):
    return results["score"], sum(t.get("max_score", 0) for t in results["tests"])


def _lost(results):
    return sorted(t["name"] for t in results["tests"] if t.get("score", 0) < t.get("max_score", 0))


@pytest.mark.slow
def test_the_reference_gets_every_autograded_point(zip_path, tmp_path):
    trial = gradescope_trial.run(zip_path, _reference(tmp_path / "upload"), tmp_path / "root")
    score, full = _points(trial.results)
    assert full > 0 and score == full, _lost(trial.results)
    assert gradescope_trial.same_as_zip(zip_path, tmp_path / "root" / "source") == []


@pytest.mark.slow
def test_the_untouched_student_version_gets_zero_with_valid_results(zip_path, tmp_path):
    upload = tmp_path / "upload"
    for rel, data in autograder.starter().items():
        (upload / rel).parent.mkdir(parents=True, exist_ok=True)
        (upload / rel).write_bytes(data)
    trial = gradescope_trial.run(zip_path, upload, tmp_path / "root")
    score, full = _points(trial.results)
    assert score == 0 and full > 0 and trial.results["tests"]


@pytest.mark.slow
def test_a_flat_upload_of_the_edited_modules_gets_every_point(zip_path, tmp_path):
    edited = sorted(_student_build().regions_by_file(ROOT / "hwlib"))
    assert len({p.name for p in edited}) == len(edited) >= 10
    trial = gradescope_trial.run(zip_path, edited, tmp_path / "root")
    assert sorted(p.name for p in (tmp_path / "root" / "submission").iterdir()) == sorted(p.name for p in edited)
    score, full = _points(trial.results)
    assert score == full, _lost(trial.results)


@pytest.mark.slow
def test_a_sleeping_function_loses_only_itself(zip_path, tmp_path):
    """MaskedAttention.forward (5 points, called by no other pointed check) sleeps for an hour:
    results.json still comes, within the grader's stated total budget, and only its points are
    lost. The per-check cap is lowered to 30 s (the reference's slowest check takes a few
    seconds): with the real limits the hang costs 40 s here and 300 s in trainer.run, which
    also calls it, and the test would spend six minutes waiting."""
    upload = _reference(tmp_path / "upload")
    path = upload / "hwlib" / "transformer.py"
    builder = _student_build()
    source = path.read_text(encoding="utf-8")
    [(_, first, last)] = [r for r in builder.solution_regions(source) if r[0] == "MaskedAttention.forward"]
    lines = source.split("\n")
    pad = re.match(r"\s*", lines[first]).group(0)
    lines[first + 1:last] = textwrap.indent("import time\ntime.sleep(3600)", pad).split("\n")
    path.write_text("\n".join(lines), encoding="utf-8")
    trial = gradescope_trial.run(zip_path, upload, tmp_path / "root",
                                 extra_env={MAX_CHECK_ENV: "30"})
    assert trial.seconds < TOTAL_BUDGET_S < gradescope_trial.TIMEOUT
    assert [name.split(" ")[0] for name in _lost(trial.results)] == ["transformer.MaskedAttention.forward"]
