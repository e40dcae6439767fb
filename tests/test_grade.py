"""Assignment mode: solution regions, the generated starter package, and the grader's codes on the
reference, on the starter and on deliberately broken versions."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from hwlib import assignment, grade

ROOT = Path(__file__).resolve().parents[1]


def _grade(path=None, only=None):
    """Run the grader in a fresh interpreter (it swaps the hwlib package) and return {name: code}."""
    cmd = [sys.executable, "-m", "hwlib.grade", "--json"] + ([str(path)] if path else [])
    if only:
        cmd += ["--only", *only]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert proc.stdout.strip().startswith("["), proc.stderr[-3000:]
    results = {r["name"]: (r["code"], r["message"]) for r in json.loads(proc.stdout)}
    assert proc.returncode == (0 if all(code == 0 for code, _ in results.values()) else 1)
    return results


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    dest = tmp_path_factory.mktemp("assignment") / "dist"
    assert assignment.build(dest) >= 30
    return dest


def test_regions_are_balanced_and_inside_functions():
    source = "def f(x):\n    y = 1\n    # BEGIN SOLUTION\n    return x + y\n    # END SOLUTION\n"
    assert assignment.solution_regions(source) == [("f", 2, 4)]
    stripped = assignment.strip_solutions(source, "m")
    assert "return x + y" not in stripped and 'raise NotImplementedError("m.f is not implemented yet")' in stripped
    namespace = {}
    exec(stripped, namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)
    with pytest.raises(ValueError, match="never closed"):
        assignment.solution_regions("def f():\n    # BEGIN SOLUTION\n    pass\n")
    with pytest.raises(ValueError, match="inside a function"):
        assignment.solution_regions("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n")


def test_reference_passes_every_check():
    results = _grade()
    assert set(results) == set(grade.CHECKS)
    assert {name: code for name, (code, _) in results.items() if code} == {}


def test_starter_package_gets_40_everywhere_and_has_no_solutions(starter):
    results = _grade(starter)
    assert {code for code, _ in results.values()} == {40}, results
    for path in (starter / "hwlib").rglob("*.py"):
        assert assignment.BEGIN not in path.read_text(), path
    assert not (starter / "hwlib" / "assignment.py").exists()
    assert (starter / "README.md").read_text().startswith("# hwlib book: the assignment")


BROKEN = {   # check name: (file, reference text, broken text, expected code)
    "wrong dtype": ("layers.py", "return flat @ w + b, (x, w)", "return (flat @ w + b).astype(np.float64), (x, w)",
                    "layers.fc_forward", 51),
    "transposed output": ("layers.py", "return flat @ w + b, (x, w)", "return (flat @ w + b).T, (x, w)",
                          "layers.fc_forward", 52),
    "off by one": ("layers.py", "return np.maximum(x, 0), x", "return np.maximum(x, 0) + 1, x",
                   "layers.relu_forward", 54),
    "mutates its input": ("layers.py", "return np.maximum(x, 0), x", "np.maximum(x, 0, out=x)\n    return x, x",
                          "layers.relu_forward", 55),
    "exception": ("layers.py", "shifted = scores - scores.max(axis=1, keepdims=True)",
                  "shifted = scores - scores.max(axis=2, keepdims=True)", "layers.softmax_loss", 2),
    "wrong values": ("optim.py", "m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)",
                     "m_hat, v_hat = m / (1 - b1 ** (t + 1)), v / (1 - b2 ** t)", "optim.adam", 53),
    "wrong type": ("rnn_layers.py", "return x @ w + b, (x, w)", "return (x @ w + b).tolist(), (x, w)",
                   "rnn_layers.temporal_fc_forward", 50),
    "diverging step": ("optim.py", 'return (w + config["velocity"]).astype(w.dtype, copy=False), config',
                       'return (w + 1e30 * config["velocity"]).astype(w.dtype, copy=False), config',
                       "solver.train (TwoLayerNet, sgd_momentum)", 61),
    "too weak to learn": ("trainer.py", 'group["lr"] = lr', 'group["lr"] = lr * 1e-4', "trainer.run", 60),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_versions_get_exactly_their_code(case, tmp_path):
    filename, good, bad, check_name, code = BROKEN[case]
    shutil.copytree(ROOT / "hwlib", tmp_path / "hwlib", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "hwlib" / filename
    source = target.read_text()
    assert source.count(good) >= 1, f"{good!r} is no longer in {filename}: update this test"
    target.write_text(source.replace(good, bad, 1))
    results = _grade(tmp_path, only=[check_name])
    assert results[check_name][0] == code, results


def test_compare_codes():
    import numpy as np
    expected = np.arange(6, dtype=np.float32).reshape(2, 3)
    grade.compare("x", expected.copy(), expected)
    for actual, code in ((expected.tolist(), 50), (expected.astype(np.float64), 51), (expected.T.copy(), 52),
                         (expected * 1.5, 53), (expected - 1, 54)):
        with pytest.raises(grade.GradeFailure) as failure:
            grade.compare("x", actual, expected)
        assert failure.value.code == code


def test_starter_notebooks_run_until_their_first_todo(starter):
    """Every student notebook executes cleanly up to the first cell that uses student code, and the
    first error it meets is a NotImplementedError (a cell that only defines a helper may run too)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    env_backup = dict(os.environ)
    os.environ["PYTHONPATH"] = str(starter) + os.pathsep + os.environ.get("PYTHONPATH", "")
    os.environ.setdefault("HWLIB_DATA_DIR", str(ROOT / "data"))                 # reuse decoded caches
    os.environ.setdefault("HWLIB_DATA_MIRROR", str((ROOT.parent / "shared" / "data").resolve()))
    try:
        for path in sorted((starter / "book").glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            first = assignment.first_graded_cell(nb, assignment.graded_names())
            assert first is not None, f"{path.name} has no graded cell"
            assert all(not c.get("outputs") for c in nb.cells[first:] if c.cell_type == "code")
            client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}})
            with pytest.raises(CellExecutionError) as error:
                client.execute()
            assert "NotImplementedError" in str(error.value), (path.name, str(error.value)[-2000:])
            ran = [c for c in nb.cells[:first] if c.cell_type == "code"]
            assert all(c.get("execution_count") for c in ran), f"{path.name}: a cell before the first TODO did not run"
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
