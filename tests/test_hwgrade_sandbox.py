"""The sandbox (hwgrade.sandbox, hwgrade.child): student code runs in a separate process as an
unprivileged user, and an adversarial submission gets nothing it did not earn.

Each adversary replaces one graded function of the reference (so it implements nothing there) by
an attack, or attacks at import; the grader runs as root on Gradescope's layout (the tests run as
root, so the privilege drop is exercised), and every attacked function must get a non-zero code
while every other function keeps its points. The attacks are told the real paths."""

import os
import shutil
import textwrap

import pytest

from conftest import ROOT
from hwgrade.checks import CHECKS
from hwgrade.codes import Code
from hwgrade.points import autograded_total, check_points
from hwgrade.runner import TOTAL_BUDGET_S
from hwgrade.sandbox import MEMORY_MB, protect
from hwgrade_layout import builder, codes, layout, run

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop needs root")

READ_RECORDING = """
    import pickle
    with open({recording!r}, "rb") as f:          # the full recording, at its real path
        data = pickle.load(f)
    return [v for v in data["layers.conv.filt2d"]["outputs"].values() if v[0].shape == (a.shape[0] - b.shape[0] + 1,
            a.shape[1] - b.shape[1] + 1)][0][0]
"""
GC_AND_STACK = """
    import gc, inspect
    want = (a.shape[0] - b.shape[0] + 1, a.shape[1] - b.shape[1] + 1)
    for frame in inspect.stack():                 # the grader's locals, if it were in this process
        for value in frame.frame.f_locals.values():
            if isinstance(value, dict) and "outputs" in value:
                return next(iter(value["outputs"].values()))[0]
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "layers.conv.conv2d_valid" in obj:
            return next(iter(obj["layers.conv.conv2d_valid"]["outputs"].values()))[0]
    import __main__, os                          # nothing: then forge the reply, claiming success
    forged = __main__.encode([{{"error": {{"code": 0, "kinds": ["Success"], "message": "ok", "frames": []}}}}] * 4)
    for fd in range(3, 64):
        try:
            __main__.write_frame(fd, forged)
        except OSError:
            pass
    os._exit(0)
"""
LYING_SUBCLASS = """
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True
        def __array_finalize__(self, obj):
            pass
        def astype(self, *args, **kwargs):
            return self
    return np.zeros((a.shape[0] + b.shape[0] - 1, a.shape[1] + b.shape[1] - 1), a.dtype).view(Liar)
"""
EQ_ALWAYS_TRUE = """
    class Anything:
        shape = property(lambda self: (n, n))
        dtype = w.dtype
        def __eq__(self, other):
            return True
        def __array__(self, *args, **kwargs):
            return np.zeros((n, n), w.dtype)
    return Anything()
"""
PATCH_NUMPY = """
    np.allclose = np.isclose = np.array_equal = lambda *args, **kwargs: True
    return w - w, config
"""
SYS_EXIT = """
    import sys
    sys.exit(0)
"""
OS_EXIT = """
    import os
    os._exit(0)
"""
SLEEP = """
    import time
    time.sleep(10 ** 6)
"""
ALLOCATE = """
    import numpy as np
    hoard = []
    while True:
        hoard.append(np.ones(10 ** 7))
"""
GARBAGE = """
    import os, sys
    print('{{"score": 100, "tests": []}}')
    print("  0  models.CaptioningRNN.sample  ok", file=sys.stderr)
    for fd in range(3, 64):                       # the pipe back to the grader, wherever it is
        try:
            os.write(fd, b"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x10" + b"0" * 16)
        except OSError:
            pass
    return np.zeros((features.shape[0], max_length), dtype=np.int64)
"""
AT_IMPORT = """
import json as _json, os as _os, signal as _signal, sys as _sys
for _name, _module in list(_sys.modules.items()):              # patch the grader, if it were here
    if _name.startswith("hwgrade"):
        for _attr in ("compare", "run_check", "_judge"):
            setattr(_module, _attr, lambda *a, **k: [])
for _path in ({source!r}, "/autograder/source"):
    _sys.path.insert(0, _path)
try:
    import hwgrade.runner as _runner                             # the grader's own code
    _runner.compare = lambda *a, **k: []
except Exception:
    pass
for _target in ({results!r}, "/autograder/results/results.json"):
    try:
        with open(_target, "w") as _f:
            _json.dump({{"score": 1000, "tests": []}}, _f)
    except OSError:
        pass
for _pid in (_os.getppid(), 1):
    try:
        _os.kill(_pid, _signal.SIGKILL)
    except OSError:
        pass
try:
    open({checks!r}).read()
    raise SystemExit("the grader's cases are readable")
except PermissionError:
    pass
"""
# (file, function, attack, code that function must get)
ATTACKS = {
    "reads the recording": ("layers/conv.py", "filt2d", READ_RECORDING, Code.EXCEPTION),
    "walks the stack and gc, then forges a successful reply": ("layers/conv.py", "conv2d_valid", GC_AND_STACK,
                                                                Code.EXCEPTION),
    "returns a lying ndarray subclass": ("layers/conv.py", "conv2d_full", LYING_SUBCLASS, Code.WRONG_OUTPUT),
    "returns an object whose __eq__ is always True": ("layers/conv.py", "conv1d_matrix", EQ_ALWAYS_TRUE,
                                                      Code.WRONG_OUTPUT),
    "monkeypatches numpy": ("optim.py", "rmsprop", PATCH_NUMPY, Code.VALUES),
    "calls sys.exit": ("optim.py", "adam", SYS_EXIT, Code.EXCEPTION),
    "calls os._exit": ("transfer/surgery.py", "finetune", OS_EXIT, Code.CRASHED),
    "sleeps": ("transfer/surgery.py", "freeze", SLEEP, Code.TIME_LIMIT),
    "allocates without bound": ("transfer/visualize.py", "visualize_model", ALLOCATE, Code.MEMORY),
    "prints fake results and writes garbage to every descriptor": ("models/captioning.py", "sample", GARBAGE,
                                                                   Code.CRASHED),
}


def _attacked_reference(root):
    """The reference with every attack in place, and the import-time attacks in transfer/training.py."""
    package = root / "submission" / "hwlib"
    shutil.copytree(ROOT / "hwlib", package, ignore=shutil.ignore_patterns("__pycache__"))
    build = builder()
    paths = {"recording": str(root / "source" / "grade_expected.pkl"), "source": str(root / "source"),
             "results": str(root / "results" / "results.json"), "checks": str(root / "source" / "hwgrade" / "checks.py")}
    for file, function, attack, _ in ATTACKS.values():
        path = package / file
        source = path.read_text()
        (_, first, last), = [r for r in build.solution_regions(source) if r[0].split(".")[-1] == function]
        lines = source.split("\n")
        pad = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
        body = textwrap.indent(textwrap.dedent(attack.format(**paths)).strip("\n"), pad).split("\n")
        lines[first + 1:last] = body
        path.write_text("\n".join(lines))
    transfer = package / "transfer" / "training.py"
    transfer.write_text(transfer.read_text() + "\n" + AT_IMPORT.format(**paths))


@pytest.fixture
def root():
    path = layout()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
@needs_root
def test_every_attack_gets_nothing_and_costs_only_its_function(root):
    _attacked_reference(root)
    results = run(root, homework="W2022", HWGRADE_MAX_CHECK_S="12")
    got = codes(results)
    attacked = {f"{'models.CaptioningRNN' if f == 'sample' else file[:-3].replace('/', '.')}.{f}": (name, code)
                for name, (file, f, _, code) in ATTACKS.items()}
    for check, (name, code) in attacked.items():
        assert got[check] == code, f"{name}: {check} got {got[check]}"
    assert {n: c for n, c in got.items() if c and n not in attacked} == {}
    points = check_points("W2022")
    lost = sum(points.get(check, (0,))[0] for check in attacked)
    assert results["score"] == autograded_total("W2022") - lost == 62
    assert set(got) == set(CHECKS)


@pytest.mark.slow
@needs_root
def test_the_student_version_with_import_time_attacks_gets_zero(root):
    """Nothing implemented; layers/dense.py patches the grader, writes results.json, kills its parent and
    exits at import: score 0, and the results.json is the grader's."""
    shutil.copytree(root / "source" / "starter" / "hwlib", root / "submission" / "hwlib")
    paths = {"source": str(root / "source"), "results": str(root / "results" / "results.json"),
             "checks": str(root / "source" / "hwgrade" / "checks.py")}
    layers = root / "submission" / "hwlib" / "layers" / "dense.py"
    layers.write_text(layers.read_text() + AT_IMPORT.format(**paths) + "\n_os._exit(0)\n")
    results = run(root)
    assert results["score"] == 0 and len(results["tests"]) > len(CHECKS)
    assert set(codes(results).values()) <= {Code.NOT_IMPLEMENTED, Code.CRASHED}


def test_the_instructors_page_states_the_limits_in_force():
    page = " ".join((ROOT / "book" / "for_instructors.md").read_text().split())
    assert f"plus {MEMORY_MB} MB" in page and f"after {TOTAL_BUDGET_S:g} s" in page
    limits = ", ".join(f"{limit:g}" for limit in sorted({c.limit_s for c in CHECKS.values()}))
    assert f"Wall-clock limits are {limits} s per check" in page


def test_protect_leaves_only_the_owner(tmp_path):
    folder, file = tmp_path / "source", tmp_path / "results.json"
    folder.mkdir(mode=0o755)
    file.write_text("{}")
    file.chmod(0o644)
    protect(folder, file, tmp_path / "missing")
    assert folder.stat().st_mode & 0o777 == 0o700 and file.stat().st_mode & 0o777 == 0o600


def test_checks_past_the_total_budget_are_not_run():
    from hwgrade.runner import Store, run_checks

    results = run_checks(list(CHECKS)[:3], Store(), sandbox=None, budget_s=4)
    assert [r.code for r in results] == [Code.TIME_LIMIT] * 3 and "total budget" in results[0].message
