"""``python -m hwgrade [PATH] [--expected FILE] [--json | --gradescope FILE] [--only NAME ...]``.

Grades the upload at PATH (a folder or zip holding hwlib/ or hwlib's module files; default: the
folder this hwgrade/ sits in) against a recording (``--expected``, ``$HWGRADE_EXPECTED``, or the
public one shipped in the package) and prints one line per graded function with its code
(``--codes`` lists them). ``--record`` (instructors) records the reference's outputs.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from hwgrade import report
from hwgrade.checks import CHECKS
from hwgrade.codes import codes_markdown, codes_text
from hwgrade.paths import INSTRUCTOR_RECORDING, expected_path
from hwgrade.points import PARTS, homework as pick_homework
from hwgrade.runner import Store, record, results_dict, run_checks
from hwgrade.sandbox import Sandbox
from hwgrade.submission import assemble

HERE = Path(__file__).resolve().parents[1]


def grade(upload, store, names=None, starter=None, budget_s=None):
    """(results, notes, seconds, peak child RSS in kB) for the upload; raises UploadError."""
    names = names or list(CHECKS)
    with tempfile.TemporaryDirectory(prefix="hwgrade-upload-") as folder:
        notes = assemble(upload, starter, folder)
        start = time.perf_counter()
        with Sandbox(folder) as sandbox:
            kwargs = {"budget_s": budget_s} if budget_s else {}
            results = run_checks(names, store, sandbox, **kwargs)
            peak = sandbox.peak_rss_kb
    return results, notes, time.perf_counter() - start, peak


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hwgrade", description=__doc__.split("\n\n")[1])
    parser.add_argument("path", nargs="?", default=str(HERE), help="the upload to grade (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    parser.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json to FILE")
    parser.add_argument("--only", nargs="*", help="grade only these checks (names as printed)")
    parser.add_argument("--expected", help="the recording (default: $HWGRADE_EXPECTED or the public one)")
    parser.add_argument("--starter", help="a folder holding the starter hwlib/ that fills what the upload lacks")
    parser.add_argument("--homework", choices=sorted(PARTS), help="whose points (default: $HWGRADE_HOMEWORK "
                                                                  "or W2024)")
    parser.add_argument("--codes", action="store_true", help="list the codes and exit (--markdown: as a table)")
    parser.add_argument("--markdown", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--record", action="store_true", help="instructors: record the reference outputs")
    args = parser.parse_args(argv)
    if args.codes:
        print(codes_markdown() if args.markdown else codes_text())
        return 0
    names = args.only or list(CHECKS)
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        parser.error(f"unknown checks {unknown}; known: {', '.join(CHECKS)}")
    if args.record:
        target = Path(args.expected or INSTRUCTOR_RECORDING)
        with Sandbox(args.path) as sandbox:
            print(f"recorded {record(target, sandbox)} cases in {target}")
        return 0
    homework = pick_homework(args.homework)
    path = expected_path(args.expected)
    store = Store.load(path) if path else Store()
    results, notes, seconds, peak = grade(args.path, store, names, args.starter)
    if args.gradescope:
        Path(args.gradescope).write_text(json.dumps(report.gradescope(results, homework, seconds, notes), indent=1))
    if args.json:
        print(json.dumps([results_dict(r) for r in results], indent=1))
    elif not args.gradescope:
        where = f"recorded outputs: {path}" if path else "no recorded outputs: values not judged"
        print("\n".join(notes))
        print(report.text(results, homework, f"{where}; {seconds:.0f} s, largest child {peak / 1024:.0f} MB"))
    return 0 if all(r.code == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
