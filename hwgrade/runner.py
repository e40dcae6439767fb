"""Running the checks: each check's cases go to one sandboxed child; this process compares.

The recording (``Store``) holds, for every value check, each case's outputs, the caches the backward
checks are given, and each output's shape, dtype and finiteness ("specs"). It is a pickle written
by the instructor from the reference solution and read here only (a trusted file that never
reaches the child). The public recording students get keeps the first case's outputs and caches
and every case's specs: locally each case is still judged for exceptions, NaN/inf, dtype, shape,
overflow warnings and input mutation, and a function whose values could not all be judged is
reported as "not judged" (70), never as a success.
"""

import os
import pickle
import re
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hwgrade.checks import CHECKS, Cache
from hwgrade.child import Opaque
from hwgrade.codes import Code, Problem, Problems
from hwgrade.compare import compare

# The order in which a check's code is chosen when it finds several problems: the most basic first.
_PRIORITY = [Code.CRASHED, Code.TIME_LIMIT, Code.MEMORY, Code.EXCEPTION,
             Code.WRONG_OUTPUT, Code.SHAPE, Code.DTYPE, Code.MUTATED, Code.OFF_BY_ONE, Code.VALUES,
             Code.DIVERGED, Code.NOT_GOOD_ENOUGH]
# The whole run must fit Gradescope's default 10 minutes with room for setup and the results.
TOTAL_BUDGET_S = 480.0
# A cap on every check's wall-clock limit (seconds), e.g. for a trial run; unset: each check's own.
MAX_CHECK_ENV = "HWGRADE_MAX_CHECK_S"


@dataclass
class Result:
    name: str
    code: int
    message: str
    seconds: float


class Store:
    """{check: {"outputs": {label: [values]}, "caches": {label: [caches]}, "specs": {label: [spec]},
    "warnings": {label: [text]}}}"""

    def __init__(self, data=None):
        self.data = {} if data is None else data

    @classmethod
    def load(cls, path):
        with open(path, "rb") as f:
            return cls(pickle.load(f))

    def save(self, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            pickle.dump(self.data, f, protocol=4)

    def public(self):
        """What students may see: the first case's outputs and caches, every case's specs."""
        out = {}
        for name, entry in self.data.items():
            first = next(iter(entry["outputs"]), None)
            keep = [first] if first is not None else []
            out[name] = {"outputs": {k: entry["outputs"][k] for k in keep},
                         "caches": {k: entry["caches"][k] for k in keep if k in entry["caches"]},
                         "specs": dict(entry.get("specs", {})), "warnings": dict(entry.get("warnings", {}))}
        return Store(out)

    def entry(self, check):
        return self.data.get(check, {"outputs": {}, "caches": {}, "specs": {}, "warnings": {}})


def _spec(value):
    if isinstance(value, np.ndarray):
        finite = bool(np.isfinite(value).all()) if value.dtype.kind in "fc" else True
        return (value.shape, str(value.dtype), finite)
    return None


def _wire_args(args, caches):
    """``args`` with each Cache replaced by its recorded value (in order) or by a request to make it."""
    pending = list(caches or [])

    def walk(a):
        if isinstance(a, Cache):
            if pending:
                return pending.pop(0)
            return {"$make_cache": {"fn": a.fn, "args": a.args, "index": a.index}}
        if isinstance(a, (list, tuple)):
            return type(a)(walk(x) for x in a)
        return a
    return walk(args)


def _inputs_text(args):
    arrays = []

    def walk(a):
        if isinstance(a, np.ndarray):
            arrays.append(f"{a.shape} {a.dtype}" + ("" if a.flags.c_contiguous or a.ndim < 2 else " column-major"))
        elif isinstance(a, (list, tuple)):
            for x in a:
                walk(x)
    walk(args)
    return ", ".join(arrays[:6])


def _outputs(case, reply):
    """(names, outputs) of a case's reply, the model recipes' gradients flattened."""
    outputs = reply.get("outputs")
    if not isinstance(outputs, (tuple, list)):
        raise Problem(Code.WRONG_OUTPUT, f"{case.label}: no outputs came back")
    outputs = tuple(outputs)
    if case.recipe == "model_loss":
        value, grads, keys = outputs
        if not isinstance(grads, dict) or set(grads) != set(keys):
            raise Problem(Code.WRONG_OUTPUT, f"{case.label}: grads must be a dict with the keys of params "
                                             f"{keys}, got {sorted(grads) if isinstance(grads, dict) else grads!r}")
        return ("loss",) + tuple(f"grads[{k!r}]" for k in keys), (value, *(grads[k] for k in keys))
    return case.names, outputs


def run_check(check, store, sandbox, limit_s=None, recording=False):
    """Grade one check in the sandbox (or, with ``recording``, record the reference's outputs into
    ``store``); returns a Result."""
    start = time.perf_counter()
    rng = np.random.default_rng(zlib.crc32(check.name.encode()))
    cases = check.build(rng)
    entry = store.entry(check.name)
    wire = [{"recipe": c.recipe, "args": _wire_args(c.args, None if recording else entry["caches"].get(c.label))}
            for c in cases]
    status, replies = sandbox.run(wire, limit_s or check.limit_s)

    def result(code, message):
        return Result(check.name, int(code), message, round(time.perf_counter() - start, 3))

    if replies is None:
        what = status["status"]
        if what == "timeout":
            return result(Code.TIME_LIMIT, f"stopped after {limit_s or check.limit_s:.0f} s of wall-clock time "
                                           "(the reference needs a small fraction of that)")
        if what == "garbage":
            return result(Code.CRASHED, "the process running this check answered with something that is not "
                                        "the grader's data")
        return result(Code.CRASHED, f"the process running this check ended without answering (exit status "
                                    f"{status.get('exit')}): sys.exit, os._exit or a crash in the code it ran")
    problems, unjudged = [], 0
    for case, reply in zip(cases, replies):
        try:
            if reply.get("error") is not None:
                error = _error(reply["error"])
                code = Code(error["code"])
                inputs = _inputs_text(case.args)
                text = f"case '{case.label}' (inputs {inputs}): " if inputs else f"case '{case.label}': "
                if code == Code.NOT_IMPLEMENTED:
                    return result(code, f"not implemented yet: {error['message']}")
                if code in (Code.WRONG_OUTPUT, Code.DTYPE, Code.SHAPE, Code.VALUES):
                    problems.append(Problem(code, f"{case.label}: {error['message']}"))
                    continue
                if code == Code.MEMORY:
                    return result(code, f"{text}ran out of memory (limit {sandbox.memory_mb} MB beyond the libraries)")
                return result(code, text + describe_exception(error))
            if recording:
                _record(store, check.name, case, reply)
                continue
            if case.judge is not None:
                case.judge(reply.get("outputs"))
                continue
            found, judged = _judge(case, reply, entry)
        except Problem as problem:
            problems.append(problem)
            continue
        except Problems as many:
            problems += many.problems
            continue
        except Exception as exc:          # a reply of the wrong structure
            if recording:
                raise
            problems.append(Problem(Code.WRONG_OUTPUT, f"{case.label}: the outputs have the wrong structure "
                                                       f"({type(exc).__name__}: {exc})"[:300]))
            continue
        problems += found
        unjudged += not judged
    if recording:
        return result(Code.SUCCESS, "recorded")
    if problems:
        code = min((p.code for p in problems), key=_PRIORITY.index)
        return result(code, "; ".join(p.message for p in problems))
    if unjudged:
        return result(Code.NOT_JUDGED, f"no problem found; the values of {unjudged} of {len(cases)} case(s) are "
                                       "not recorded here (the autograder judges them): shapes, dtypes, NaN/inf, "
                                       "overflow and input changes checked")
    return result(Code.SUCCESS, "ok" if not check.training else "ok (reached its bar)")


# The codes a child may report for a case; anything else it claims (a success, say) is an exception.
_CHILD_CODES = {Code.EXCEPTION, Code.NOT_IMPLEMENTED, Code.WRONG_OUTPUT, Code.DTYPE, Code.SHAPE, Code.VALUES,
                Code.DIVERGED, Code.MEMORY}


def _error(error):
    """A child's error report, checked: a code it may report, text, frames of (path, line, name)."""
    if not isinstance(error, dict):
        error = {}
    code = error.get("code")
    kinds = [str(k) for k in error.get("kinds", [])][:6] if isinstance(error.get("kinds"), list) else []
    frames = [(str(f[0]), int(f[1]), str(f[2])) for f in error.get("frames", []) if isinstance(f, (list, tuple))
              and len(f) == 3 and isinstance(f[1], int)] if isinstance(error.get("frames"), list) else []
    return {"code": code if code in _CHILD_CODES and type(code) is int else int(Code.EXCEPTION),
            "kinds": kinds or ["Exception"], "message": str(error.get("message", ""))[:300], "frames": frames}


def _record(store, name, case, reply):
    entry = store.data.setdefault(name, {"outputs": {}, "caches": {}, "specs": {}, "warnings": {}})
    if reply.get("caches"):
        entry["caches"][case.label] = reply["caches"]
    if case.judge is not None:
        return
    if reply.get("warnings"):
        entry["warnings"][case.label] = reply["warnings"]
    _, outputs = _outputs(case, reply)
    entry["outputs"][case.label] = [v if isinstance(v, (list, str)) else np.asarray(v) for v in outputs]
    entry["specs"][case.label] = [_spec(np.asarray(v)) if not isinstance(v, (list, str)) else None
                                  for v in outputs]


def _judge(case, reply, entry):
    """(problems, judged) for one value case."""
    names, outputs = _outputs(case, reply)
    problems = []
    if reply.get("mutated"):
        problems.append(Problem(Code.MUTATED, f"{case.label}: an input was modified in place; work on a copy"))
    expected = entry["outputs"].get(case.label)
    warned = [w for w in reply.get("warnings", []) if not entry["warnings"].get(case.label)]
    if expected is None:
        specs = entry["specs"].get(case.label) or []
        for name, value, spec in zip(names, outputs, specs):
            problems += _against_spec(f"{case.label}: {name}", value, spec)
        if specs and len(outputs) != len(specs):
            problems.append(Problem(Code.WRONG_OUTPUT, f"{case.label}: {len(outputs)} outputs, expected "
                                                       f"{len(specs)} ({', '.join(names)})"))
        if warned:
            problems.append(Problem(Code.VALUES, f"{case.label}: numerical trouble ({'; '.join(warned)}): "
                                                 "shift or rescale before exponentiating"))
        return problems, False
    if len(outputs) != len(expected):
        problems.append(Problem(Code.WRONG_OUTPUT, f"{case.label}: {len(outputs)} outputs, expected "
                                                   f"{len(expected)} ({', '.join(names)})"))
        return problems, True
    for name, actual, want in zip(names, outputs, expected):
        if isinstance(want, list):
            if actual != want:
                problems.append(Problem(Code.VALUES, f"{case.label}: {name}: {actual!r:.120} where {want!r:.120} "
                                                     "was expected"))
            continue
        problems += compare(f"{case.label}: {name}", actual, want, **case.tolerance)
    return problems, True


def _plain(value):
    return f"an object of type {value.type_name}" if isinstance(value, Opaque) else value


def _against_spec(label, value, spec):
    if spec is None:
        return []
    shape, dtype, finite = spec
    if not isinstance(value, (np.ndarray, np.generic, bool, int, float)):
        return [Problem(Code.WRONG_OUTPUT, f"{label}: expected a numpy array, got {type(_plain(value)).__name__}")]
    value = np.asarray(value)
    problems = []
    if str(value.dtype) != dtype:
        problems.append(Problem(Code.DTYPE, f"{label}: dtype {value.dtype}, expected {dtype}"))
    if value.shape != tuple(shape):
        problems.append(Problem(Code.SHAPE, f"{label}: shape {value.shape}, expected {tuple(shape)}"))
    elif finite and value.dtype.kind in "fc" and not np.isfinite(value).all():
        bad = int((~np.isfinite(value)).sum())
        problems.append(Problem(Code.VALUES, f"{label}: {bad} of {value.size} values are inf or nan where "
                                             "finite values were expected"))
    return problems


def run_checks(names, store, sandbox, budget_s=TOTAL_BUDGET_S, recording=False):
    """Every check in ``names``, in order, within ``budget_s`` seconds of wall-clock time in all."""
    start, results = time.monotonic(), []
    cap = float(os.environ.get(MAX_CHECK_ENV) or "inf")
    for name in names:
        left = budget_s - (time.monotonic() - start)
        check = CHECKS[name]
        if left < 5:
            results.append(Result(name, int(Code.TIME_LIMIT), f"not run: the grader's total budget of "
                                                               f"{budget_s:.0f} s was used up by earlier checks", 0.0))
            continue
        results.append(run_check(check, store, sandbox, min(check.limit_s, cap, left), recording))
    return results


def record(path, sandbox, names=None):
    """Run every check on the (reference) package in ``sandbox`` and save the outputs and caches."""
    store = Store()
    results = run_checks(names or list(CHECKS), store, sandbox, budget_s=10 ** 6, recording=True)
    failed = [r for r in results if r.code != Code.SUCCESS]
    if failed:
        raise SystemExit(f"the reference fails: {[(r.name, r.code, r.message) for r in failed]}")
    store.save(path)
    return sum(len(entry["outputs"]) for entry in store.data.values())


def results_dict(result):
    return asdict(result)


# -- exceptions: where in the student's code, and a hint ---------------------------------------------

_HINTS = [
    ("KeyError", r"", "a dictionary key is missing: params and grads use the names in the docstring "
                      "(e.g. 'W1', 'b1')"),
    ("AttributeError", r"'NoneType' object has no attribute", "something returned None: check that the "
                                                               "function ends with `return`"),
    ("ValueError", r"shape|broadcast|align", "shapes do not fit: check the array layout in the docstring "
                                             "(batch first)"),
    ("TypeError", r"dtype|floating", "keep the input's dtype: float32 in, float32 out"),
    ("IndexError", r"", "an index is out of range: indices are 0-based, and the last one is size - 1"),
    ("AxisError", r"", "an axis does not exist: check which axis you reduce over"),
    ("RuntimeError", r"size|shape|mat1 and mat2", "tensor shapes do not fit: check the (B, T, C) layout"),
]


def describe_exception(error):
    """'TypeError: message (at hwlib/layers/dense.py:52 in fc_forward) — hint: ...' from a child's report
    (exception class names, message, traceback frames inside the graded copy)."""
    kinds, message = error.get("kinds") or ["Exception"], error.get("message", "")
    text = f"{kinds[0]}: {message}"
    frames = [f for f in error.get("frames", []) if str(f[0]).startswith("hwlib/")
              and not str(f[0]).endswith("_checks.py")]
    if frames:
        path, line, name = frames[-1]
        text += f" (at {path}:{line} in {name})"
    for kind, pattern, hint in _HINTS:
        if kind in kinds and re.search(pattern, message):
            return f"{text} — hint: {hint}"
    return text
