"""Running the checks against an ``hwlib`` package: recording the reference, grading a student.

The recording (``Store``) holds, for every value check, the outputs of each case and the caches
the backward checks were given; it is a pickle written by the instructor from the reference
solution and read by the grader (a trusted file: it never comes from a student). Without a
recording the grader still runs every case — an exception, a missing implementation, a changed
input or a wrong type is reported — but cannot judge values.
"""

import importlib
import pickle
import re
import signal
import threading
import time
import traceback
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hwgrade.checks import CHECKS
from hwgrade.codes import Code, Problem, Problems
from hwgrade.compare import compare, snapshot, unchanged

# The order in which a check's code is chosen when it finds several problems: the most basic first.
_PRIORITY = [Code.WRONG_OUTPUT, Code.SHAPE, Code.DTYPE, Code.MUTATED, Code.OFF_BY_ONE, Code.VALUES,
             Code.DIVERGED, Code.NOT_GOOD_ENOUGH]


@dataclass
class Result:
    name: str
    code: int
    message: str
    seconds: float
    points: float
    max_points: float
    homework: str


class Student:
    """The graded package's modules, imported on first use: ``hw.layers``, ``hw.models`` ..."""

    def __getattr__(self, module):
        if module.startswith("__"):
            raise AttributeError(module)
        return importlib.import_module(f"hwlib.{module}")


class Store:
    """Recorded outputs and caches: {check: {"outputs": {case label: [arrays]}, "caches": {key: cache}}}."""

    def __init__(self, data=None, recording=False):
        self.data = {} if data is None else data
        self.recording = recording

    @classmethod
    def load(cls, path):
        with open(path, "rb") as f:
            return cls(pickle.load(f))

    def save(self, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            pickle.dump(self.data, f, protocol=4)

    def public(self):
        """A copy with each check's first case only (its caches kept): what students may see."""
        out = {}
        for name, entry in self.data.items():
            first = next(iter(entry["outputs"]), None)
            out[name] = {"outputs": {first: entry["outputs"][first]} if first else {}, "caches": entry["caches"]}
        return Store(out)

    def cache_getter(self, check):
        entry = self.data.setdefault(check, {"outputs": {}, "caches": {}})

        def cache(key, make):
            if self.recording or key not in entry["caches"]:
                value = make()              # the reference's forward pass when recording, else the student's
                if self.recording:
                    entry["caches"][key] = value
                return value
            return entry["caches"][key]
        return cache

    def expected(self, check, label):
        return self.data.get(check, {}).get("outputs", {}).get(label)


def run_check(check, store, hw=None, package_dir=None):
    """Grade one check; returns a Result."""
    hw = hw or Student()
    start = time.perf_counter()
    problems, unjudged = [], 0
    try:
        with _cpu_limit(check.cpu_seconds):
            rng = np.random.default_rng(zlib.crc32(check.name.encode()))
            if check.training:
                _single_thread()
                check.build(hw, rng, store.cache_getter(check.name))
            else:
                for case in check.build(hw, rng, store.cache_getter(check.name)):
                    found, judged = _run_case(case, store.expected(check.name, case.label))
                    problems += found
                    unjudged += not judged
    except Problem as problem:
        problems.append(problem)
    except Problems as found:
        problems += found.problems
    except NotImplementedError as exc:
        return _result(check, Code.NOT_IMPLEMENTED, f"not implemented yet: {exc}", start)
    except _CpuTimeout:
        return _result(check, Code.NOT_GOOD_ENOUGH, f"used more than {check.cpu_seconds:.0f} s of CPU time "
                                                    "(the reference needs a fraction of that)", start)
    except FloatingPointError as exc:
        return _result(check, Code.DIVERGED, f"diverged: {str(exc).splitlines()[0]}", start)
    except Exception as exc:  # the student's code raised: report where, keep grading the rest
        return _result(check, Code.EXCEPTION, describe_exception(exc, package_dir), start)
    if problems:
        code = min((p.code for p in problems), key=_PRIORITY.index)
        return _result(check, code, "; ".join(p.message for p in problems), start)
    if unjudged:
        return _result(check, Code.SUCCESS, f"ran without errors; {unjudged} case(s) have no recorded values here "
                                            "(the autograder judges them)", start)
    return _result(check, Code.SUCCESS, "ok" if not check.training else "ok (reached its bar)", start)


def _run_case(case, expected):
    """(problems, judged) for one case: judged is False when there are no recorded values."""
    before = snapshot(case.inputs)
    outputs = case.call()
    problems = []
    if not unchanged(before, case.inputs):
        problems.append(Problem(Code.MUTATED, f"{case.label}: an input was modified in place; work on a copy"))
    outputs = tuple(outputs) if isinstance(outputs, (tuple, list)) else (outputs,)
    if expected is None:
        return problems, False
    if len(outputs) != len(expected):
        problems.append(Problem(Code.WRONG_OUTPUT, f"{case.label}: {len(outputs)} outputs, expected "
                                                   f"{len(expected)} ({', '.join(case.names)})"))
        return problems, True
    for name, actual, want in zip(case.names, outputs, expected):
        problems += compare(f"{case.label}: {name}", actual, want, **case.tolerance)
    return problems, True


def _result(check, code, message, start):
    return Result(check.name, int(code), message, time.perf_counter() - start,
                  check.points if code == Code.SUCCESS else 0.0, check.points, check.homework)


def record(path, names=None):
    """Run the value checks on this (reference) package and save their outputs and caches to ``path``."""
    store = Store(recording=True)
    hw = Student()
    for name in names or CHECKS:
        check = CHECKS[name]
        if check.training:
            continue
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        outputs = store.data.setdefault(name, {"outputs": {}, "caches": {}})["outputs"]
        for case in check.build(hw, rng, store.cache_getter(name)):
            result = case.call()
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            outputs[case.label] = [np.asarray(value) for value in result]
    store.save(path)
    return sum(len(entry["outputs"]) for entry in store.data.values())


def results_dict(result):
    return asdict(result)


# -- exceptions: where in the student's code, and a hint ---------------------------------------------

_HINTS = [
    (KeyError, r"", "a dictionary key is missing: params and grads use the names in the docstring "
                    "(e.g. 'W1', 'b1')"),
    (AttributeError, r"'NoneType' object has no attribute", "something returned None: check that the function "
                                                             "ends with `return`"),
    (ValueError, r"shape|broadcast|align", "shapes do not fit: check the array layout in the docstring "
                                           "(batch first)"),
    (TypeError, r"dtype|floating", "keep the input's dtype: float32 in, float32 out"),
    (IndexError, r"", "an index is out of range: indices are 0-based, and the last one is size - 1"),
    (RuntimeError, r"size|shape|mat1 and mat2", "tensor shapes do not fit: check the (B, T, C) layout"),
]


def describe_exception(exc, package_dir=None):
    """'TypeError: message (at hwlib/layers.py:52 in fc_forward) — hint' for an exception from the student."""
    message = str(exc).splitlines()[0] if str(exc) else ""
    text = f"{type(exc).__name__}: {message}"
    where = _student_frame(exc, package_dir)
    if where:
        text += f" (at {where})"
    for kind, pattern, hint in _HINTS:
        if isinstance(exc, kind) and re.search(pattern, message):
            return f"{text} — hint: {hint}"
    if type(exc).__name__ == "AxisError":
        return f"{text} — hint: an axis does not exist: check which axis you reduce over"
    return text


def _student_frame(exc, package_dir):
    """file:line of the last traceback frame in the graded package, skipping the grader itself and the
    shared input checks (``_checks.py``), whose errors belong to the line that called them."""
    package_dir = Path(package_dir or Path(importlib.import_module("hwlib").__file__).parent).resolve()
    best = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename).resolve()
        if package_dir in path.parents and "grade" not in path.relative_to(package_dir).parts[:1] \
                and path.name != "_checks.py":
            best = f"{path.relative_to(package_dir.parent)}:{frame.lineno} in {frame.name}"
    return best


# -- a CPU-time limit (not wall time: a loaded machine must not fail a student) --------------------------

class _CpuTimeout(Exception):
    pass


class _cpu_limit:
    """Raise _CpuTimeout in the main thread once the process has used ``seconds`` more CPU time."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.active = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

    def __enter__(self):
        if self.active:
            self.previous = signal.signal(signal.SIGPROF, self._fire)
            signal.setitimer(signal.ITIMER_PROF, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.previous)
        return False

    @staticmethod
    def _fire(signum, frame):
        raise _CpuTimeout()


def _single_thread():
    """Training checks run on one thread: their results and cost do not depend on the machine's cores."""
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass
