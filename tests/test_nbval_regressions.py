"""The chapters' declared tolerances still catch real bugs (make test's regress stage).

Each test copies hwlib, breaks one thing a student or a refactoring could plausibly break, and
re-executes one chapter with nbval against the broken copy: nbval must fail. A tolerance loose
enough to let these through would make the nbval stage a test that cannot fail.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.regression

ROOT = Path(__file__).resolve().parents[1]


def broken_hwlib(tmp_path, module, old, new):
    """A copy of hwlib under tmp_path with ``old`` replaced by ``new`` (once) in ``module``; returns
    the folder to put first on PYTHONPATH."""
    copy = tmp_path / "hwlib"
    shutil.copytree(ROOT / "hwlib", copy, ignore=shutil.ignore_patterns("__pycache__"))
    path = copy / module
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {module} exactly once: update this test"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path


def nbval_with(hwlib_parent, notebook):
    """Run nbval on one of the book's chapters, in place, with the kernel importing hwlib from
    ``hwlib_parent``: the copy comes first on PYTHONPATH, the checkout's hwbook after it. Every
    path is passed in: the chapter's results folder is its own (the kernel runs in book/), the
    data cache and the mirror are named in the environment."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hwlib_parent), str(ROOT)])}
    env.setdefault("HWLIB_DATA_DIR", str(ROOT / "data"))
    env.setdefault("HWLIB_DATA_MIRROR", str(ROOT.parent / "shared" / "data"))  # as the Makefile
    command = [
        sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
        "-p", "hwbook.nbval_tolerance", "--nbval", "--nbval-current-env",
        "--nbval-sanitize-with", str(ROOT / "book" / "nbval-sanitize.cfg"),
        str(ROOT / "book" / notebook),
    ]
    check = [sys.executable, "-c", "import hwlib; print(hwlib.__file__)"]
    used = subprocess.run(check, cwd=ROOT / "book", env=env, capture_output=True, text=True, check=True)
    assert Path(used.stdout.strip()).is_relative_to(hwlib_parent), used.stdout
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def assert_caught(returncode, output):
    assert returncode == 1, f"nbval did not fail (exit {returncode}):\n{output[-3000:]}"
    # Failing for the right reason: a number moved or an assertion of the chapter failed,
    # not an import error or a missing file.
    assert "became" in output or "AssertionError" in output, output[-3000:]
    assert "ModuleNotFoundError" not in output and "FileNotFoundError" not in output, output[-3000:]


def test_adam_at_half_the_learning_rate_fails_chapter_3(tmp_path):
    # Halving the step moves chapter 3's accuracies by 0.01-0.02 (measured): more than the
    # declared abs=0.003, though well within what a reader would call "about the same".
    parent = broken_hwlib(
        tmp_path, "optim.py",
        'step = config["learning_rate"] * m_hat',
        'step = 0.5 * config["learning_rate"] * m_hat',
    )
    assert_caught(*nbval_with(parent, "03_softmax_and_two_layer_net.ipynb"))


def test_a_causal_mask_that_lets_each_token_see_the_next_fails_chapter_7(tmp_path):
    parent = broken_hwlib(
        tmp_path, "transformer.py",
        "torch.tril(torch.ones(block_size, block_size, dtype=torch.bool))",
        "torch.tril(torch.ones(block_size, block_size, dtype=torch.bool), diagonal=1)",
    )
    assert_caught(*nbval_with(parent, "07_transformers.ipynb"))
