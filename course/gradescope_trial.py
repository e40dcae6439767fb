"""Try the autograder zip locally, in Gradescope's layout:
``python course/gradescope_trial.py dist/autograder.zip SUBMISSION... [--root DIR] [--python PY]``.

What Gradescope does, step for step (its published autograder specification): the zip is
extracted into ``<root>/source``; ``run_autograder`` from the zip's root is copied to
``<root>/run_autograder``; the uploaded files go into ``<root>/submission``; ``<root>/run_autograder``
runs with ``<root>`` as its working directory; the score is what ``<root>/results/results.json``
says, and a missing or malformed one is an autograder failure. ``setup.sh`` is not run (it
installs system packages as root): the grader runs on the Python given by ``--python`` or
``$HWGRADE_PYTHON`` (default: this interpreter), in an environment as bare as Gradescope's, so
nothing of this checkout (``PYTHONPATH``) can stand in for what the zip lacks.

A SUBMISSION that is a folder stands for its contents (what a student selects); files are
copied in under their own names (what a student drags in). ``tests/chroot_install_test.sh``
runs the same layout after a real ``setup.sh`` in a clean chroot.
"""

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}
# Gradescope's default overall limit is 10 minutes.
TIMEOUT = 600


@dataclass
class Trial:
    results: dict       # the parsed results.json
    seconds: float      # wall time of run_autograder
    stdout: str         # what run_autograder printed (Gradescope keeps it as results/stdout)
    root: Path
    peak_mb: float      # the most memory (RSS) run_autograder and all its descendants held at once


def family(pid):
    """{pid: resident KiB} of process ``pid`` and all its descendants (Linux /proc)."""
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            parents[int(entry)] = int(fields.get("PPid", "0"))
            rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
    members, grew = {pid}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in members} - members
        members |= more
        grew = bool(more)
    return {p: rss.get(p, 0) for p in members}


def _watch(pid, peak, done):
    while not done.wait(0.25):
        peak[0] = max(peak[0], sum(family(pid).values()) / 1024)


def lay_out(zip_path, submission, root):
    """Build Gradescope's layout under ``root`` (which must not exist or be empty)."""
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty: a trial needs a fresh root")
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)                   # as /autograder is (mkdtemp makes 0700)
    source = root / "source"
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        if "run_autograder" not in names or "setup.sh" not in names:
            raise ValueError(f"{zip_path}: setup.sh and run_autograder must be at the zip's root "
                             f"(it has {', '.join(sorted(n for n in names if '/' not in n.rstrip('/')))})")
        for info in zf.infolist():
            target = source / info.filename
            if not target.resolve().is_relative_to(source.resolve()):
                raise ValueError(f"{zip_path}: {info.filename} points outside the extraction folder")
            zf.extract(info, source)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                target.chmod(mode)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    sub = root / "submission"
    sub.mkdir()
    for item in ([submission] if isinstance(submission, (str, Path)) else submission):
        item = Path(item)
        if item.is_dir():
            shutil.copytree(item, sub, dirs_exist_ok=True, symlinks=True)
        else:
            shutil.copy2(item, sub / item.name)
    (root / "results").mkdir()
    return root


def same_as_zip(zip_path, source):
    """Names of files in the zip whose extracted copy under ``source`` differs or is missing."""
    differ = []
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            path = Path(source) / info.filename
            if not path.is_file() or _sha(path.read_bytes()) != _sha(zf.read(info)):
                differ.append(info.filename)
    return differ


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def run(zip_path, submission, root=None, python=None, timeout=TIMEOUT, extra_env=None):
    """Lay out, run ``<root>/run_autograder`` and return a Trial with the parsed results.json.
    Raises RuntimeError, as Gradescope would fail the run, when results.json is missing,
    malformed or late. ``extra_env`` adds variables to the bare environment (a test's caps)."""
    root = Path(root) if root else Path(tempfile.mkdtemp(prefix="gradescope-trial-"))
    lay_out(zip_path, submission, root)
    python = python or os.environ.get("HWGRADE_PYTHON") or sys.executable
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root), "LANG": "C.UTF-8",
           "AUTOGRADER_ROOT": str(root), "HWGRADE_PYTHON": python, **(extra_env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen([str(root / "run_autograder")], cwd=root, env=env, start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak, done = [0.0], threading.Event()
    watcher = threading.Thread(target=_watch, args=(proc.pid, peak, done), daemon=True)
    watcher.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        for pid in family(proc.pid):                 # everything it started, as Gradescope's kill
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.communicate()
        raise RuntimeError(f"run_autograder ran past the limit of {timeout} s") from exc
    finally:
        done.set()
        watcher.join()
    seconds = time.perf_counter() - start
    stdout = out.decode(errors="replace")
    (root / "results" / "stdout").write_text(stdout, encoding="utf-8")
    path = root / "results" / "results.json"
    if not path.is_file():
        raise RuntimeError(f"no results.json: Gradescope reports the autograder as failed\n{stdout[-3000:]}")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RuntimeError(f"results.json is not valid JSON ({exc})\n{stdout[-3000:]}") from exc
    problems = check_results(results)
    if problems:
        raise RuntimeError("results.json does not follow Gradescope's format: " + "; ".join(problems))
    return Trial(results, seconds, stdout, root, peak[0])


def check_results(results):
    """What is wrong with ``results`` against Gradescope's results.json format ([] if nothing)."""
    if not isinstance(results, dict):
        return ["the top level must be an object"]
    problems = []
    tests = results.get("tests", [])
    if not isinstance(tests, list):
        return ["`tests` must be a list"]
    if "score" not in results and not all(isinstance(t, dict) and "score" in t for t in tests):
        problems.append("no top-level `score` and not every test has one")
    if "score" in results and not _number(results["score"]):
        problems.append(f"`score` is {results['score']!r}, not a number")
    if results.get("visibility", "visible") not in VISIBILITY:
        problems.append(f"`visibility` {results['visibility']!r} is not one of {sorted(VISIBILITY)}")
    for i, test in enumerate(tests):
        if not isinstance(test, dict):
            problems.append(f"test {i} is not an object")
            continue
        extra = set(test) - TEST_KEYS
        if extra:
            problems.append(f"test {i} has unknown keys {sorted(extra)}")
        for key in ("score", "max_score"):
            if key in test and not _number(test[key]):
                problems.append(f"test {i}: `{key}` is {test[key]!r}")
        if test.get("visibility", "visible") not in VISIBILITY:
            problems.append(f"test {i}: `visibility` is {test['visibility']!r}")
    return problems


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the autograder zip on a submission, as Gradescope does.")
    parser.add_argument("zip")
    parser.add_argument("submission", nargs="+", help="a folder (its contents) or files, as uploaded")
    parser.add_argument("--root", help="where to lay out /autograder (default: a new temporary folder)")
    parser.add_argument("--python", help="the grader's Python (default: $HWGRADE_PYTHON or this one)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds (Gradescope's default: 600)")
    args = parser.parse_args(argv)
    trial = run(args.zip, args.submission, args.root, args.python, args.timeout)
    for test in trial.results.get("tests", []):
        print(f"{test.get('score', '-'):>5} / {test.get('max_score', '-'):<5} {test.get('name', '')}")
    total = sum(t.get("max_score", 0) for t in trial.results.get("tests", []))
    print(f"\nscore {trial.results.get('score')} of {total:g} in {trial.seconds:.0f} s, at most "
          f"{trial.peak_mb:.0f} MiB in memory at once; "
          f"layout and results in {trial.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
