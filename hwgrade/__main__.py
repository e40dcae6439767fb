"""``python -m hwgrade``: see the package's docstring."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

from hwgrade.checks import CHECKS
from hwgrade.paths import INSTRUCTOR_RECORDING, expected_path
from hwgrade.runner import Store, record, results_dict, run_check



def use_package(path):
    """Make ``import hwlib`` load the package in ``path`` (a folder holding hwlib/); the grader's own
    modules stay the ones already loaded."""
    folder = Path(path).resolve()
    if not (folder / "hwlib" / "__init__.py").is_file():
        raise SystemExit(f"{folder} has no hwlib/ package to grade")
    for name in [m for m in sys.modules if (m == "hwlib" or m.startswith("hwlib.")) and not m.startswith("hwgrade")]:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    import hwlib
    if Path(hwlib.__file__).resolve().parent != folder / "hwlib":
        raise SystemExit(f"could not import hwlib from {folder} (got {hwlib.__file__})")
    return folder / "hwlib"


def gradescope(results, seconds):
    """Gradescope's results.json: one test per graded function, scored all or nothing."""
    tests = [{"name": f"{r.name} ({r.homework})" if r.homework != "not in the homework" else r.name,
              "score": r.points, "max_score": r.max_points, "output": f"code {r.code}: {r.message}",
              "visibility": "visible"} for r in results]
    passed = sum(r.code == 0 for r in results)
    return {"score": sum(r.points for r in results), "execution_time": round(seconds, 1),
            "output": f"{passed} of {len(results)} graded functions pass. Codes: 0 success, 2 exception, "
                      "40 not implemented, 50 wrong output, 51 dtype, 52 shape, 53 values, 54 off by 1.0, "
                      "55 input modified, 60 not good enough, 61 diverged.",
            "visibility": "visible", "tests": tests}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hwgrade",
                                     description="Grade an hwlib package with the seed autograder's codes.")
    parser.add_argument("path", nargs="?", help="folder holding the hwlib/ to grade (default: this one)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    parser.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json to FILE")
    parser.add_argument("--only", nargs="*", help="grade only these checks (names as printed)")
    parser.add_argument("--expected", help="the recording to grade against (default: see expected_path)")
    parser.add_argument("--record", action="store_true", help="instructors: record the reference outputs")
    args = parser.parse_args(argv)
    if args.record:
        target = Path(args.expected or INSTRUCTOR_RECORDING)
        print(f"recorded {record(target)} cases in {target}")
        return 0
    names = args.only or list(CHECKS)
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        parser.error(f"unknown checks {unknown}; known: {', '.join(CHECKS)}")
    path = expected_path(args.expected)
    store = Store.load(path) if path else Store()
    package_dir = use_package(args.path) if args.path else None
    start = time.perf_counter()
    results = [run_check(CHECKS[name], store, package_dir=package_dir) for name in names]
    seconds = time.perf_counter() - start
    if args.gradescope:
        Path(args.gradescope).write_text(json.dumps(gradescope(results, seconds), indent=1))
    if args.json:
        print(json.dumps([results_dict(r) for r in results], indent=1))
    elif not args.gradescope:
        width = max(len(r.name) for r in results)
        for r in results:
            print(f"{r.code:>3}  {r.name:<{width}}  {r.message}")
        passed = sum(r.code == 0 for r in results)
        where = f"recorded outputs: {path}" if path else "no recorded outputs: values not judged"
        print(f"\n{passed} of {len(results)} checks pass ({sum(r.points for r in results):g} of "
              f"{sum(r.max_points for r in results):g} points; {where})")
    return 0 if all(r.code == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
