"""Gradescope's layout for the hwgrade tests: ROOT/source (the grader, the full recording, the
starter version), ROOT/submission (an upload), ROOT/results; and a run of the entry point."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import ROOT
from hwgrade.paths import INSTRUCTOR_RECORDING, RECORDING_NAME, STARTER_NAME


def builder():
    """The student build's module (its strip_solutions makes the starter version)."""
    spec = importlib.util.spec_from_file_location("student_build", ROOT / "course" / "student_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def starter(dest):
    """The untouched student version of hwlib in ``dest/hwlib``."""
    build = builder()
    for path in sorted((ROOT / "hwlib").rglob("*")):
        rel = path.relative_to(ROOT)
        if "__pycache__" in rel.parts or path.is_dir():
            continue
        target = Path(dest) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            module = ".".join(rel.with_suffix("").parts)
            target.write_text(build.strip_solutions(path.read_text(encoding="utf-8"), module), encoding="utf-8")
        else:
            shutil.copy2(path, target)
    return Path(dest)


def layout():
    """A fresh ROOT (world-readable, outside pytest's private tmp) with source/ filled."""
    root = Path(tempfile.mkdtemp(prefix="hwgrade-test-", dir="/tmp"))
    root.chmod(0o755)
    source = root / "source"
    shutil.copytree(ROOT / "hwgrade", source / "hwgrade", ignore=shutil.ignore_patterns("__pycache__", "*.pkl"))
    shutil.copy(ROOT / INSTRUCTOR_RECORDING, source / RECORDING_NAME)
    starter(source / STARTER_NAME)
    (root / "submission").mkdir()
    for path in [source, *source.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)      # as an unzip leaves them: protect() must act
    return root


def run(root, homework="W2024", timeout=600, **env):
    """Run the entry point on ROOT; the parsed results.json."""
    proc = subprocess.run([sys.executable, "-m", "hwgrade.gradescope", "--root", str(root)], capture_output=True,
                          text=True, timeout=timeout, cwd=str(root),
                          env=dict(os.environ, PYTHONPATH=str(root / "source"), HWGRADE_HOMEWORK=homework, **env))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def codes(results):
    """{check name: code} from a results.json's tests."""
    from hwgrade.checks import CHECKS

    out = {}
    for test in results["tests"]:
        if test["output"].startswith("code "):
            name = max((c for c in CHECKS if test["name"].startswith(c + " (")), key=len)
            out[name] = int(test["output"].split(":")[0].split()[1])
    return out
