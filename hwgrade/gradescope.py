"""Gradescope's entry point: ``python -m hwgrade.gradescope [--root ROOT]``.

ROOT (default ``$AUTOGRADER_ROOT`` or ``/autograder``) is laid out as Gradescope's specification
says: the upload in ``ROOT/submission``, the autograder zip's contents in ``ROOT/source`` (this
package, the full recording ``grade_expected.pkl`` and the starter version ``starter/hwlib``), and
``ROOT/results/results.json`` to write. It is written always — valid JSON, with a message, even
when the upload holds nothing gradable or the grader itself fails — and the exit status is 0.
Before any student code runs, ``source`` and ``results`` are made readable by root alone.
"""

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from hwgrade import report
from hwgrade.paths import RECORDING_NAME, STARTER_NAME
from hwgrade.points import homework as pick_homework
from hwgrade.runner import Store
from hwgrade.sandbox import protect
from hwgrade.submission import UploadError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hwgrade.gradescope")
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    parser.add_argument("--homework", help="W2024 (default, or $HWGRADE_HOMEWORK) or W2022")
    args = parser.parse_args(argv)
    root = Path(args.root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / "results.json"
    try:
        from hwgrade.__main__ import grade

        homework = pick_homework(args.homework)
        source = root / "source"
        protect(source, results_dir)
        store = Store.load(source / RECORDING_NAME)
        starter = source / STARTER_NAME
        results, notes, seconds, _ = grade(root / "submission", store,
                                           starter=starter if (starter / "hwlib").is_dir() else None)
        payload = report.gradescope(results, homework, seconds, notes)
    except UploadError as exc:
        payload = report.failure(str(exc))
    except BaseException as exc:          # the grader's own failure must still leave a results.json
        payload = report.failure(f"The autograder itself failed ({type(exc).__name__}: {exc}); nothing was "
                                 "graded. Please tell the course staff.\n" + traceback.format_exc()[-2000:])
    out.write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
