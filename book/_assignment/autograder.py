"""Pack the Gradescope autograder: ``python book/_assignment/autograder.py [ZIP]`` (``make autograder``).

The zip holds what Gradescope runs, and only that:

* ``setup.sh`` — installs Python and the packages a student's ``hwlib`` imports (CPU PyTorch);
* ``run_autograder`` — finds the ``hwlib/`` folder in the submission and grades it with the
  grader packed here (``source/hwgrade``, never the student's own copy), writing
  ``results/results.json`` in Gradescope's format;
* ``source/grade_expected.pkl`` — the full recording of every check's cases, which students never
  see (their version carries the first case of each check only).

No solution is in the zip: the grader compares with recorded outputs and caches instead of
computing them. ``AUTOGRADER_ROOT`` replaces ``/autograder`` for a local trial run.
"""

import argparse
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
from hwgrade.paths import INSTRUCTOR_RECORDING, STARTER_NAME  # noqa: E402

sys.path.insert(0, str(HERE))

EXPECTED = ROOT / INSTRUCTOR_RECORDING
# What a student's hwlib imports when graded (from the book's requirements.txt, CPU builds).
PACKAGES = ["numpy==2.4.6", "matplotlib==3.11.2", "pillow==13.0.0", "pooch==1.9.0", "tqdm==4.70.1"]
TORCH = ["torch==2.14.1", "torchvision==0.29.1"]

SETUP = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, on its Ubuntu image.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q {" ".join(PACKAGES)}
/autograder/venv/bin/pip install -q --index-url https://download.pytorch.org/whl/cpu {" ".join(TORCH)}
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; the grader always writes results/results.json.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
cd "$ROOT/source" && PYTHONPATH="$ROOT/source" "$PYTHON" -m hwgrade.gradescope --root "$ROOT"
exit 0
"""


def build(zip_path, expected=EXPECTED):
    """Write the autograder zip; returns the list of names in it."""
    zip_path = Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    if not expected.is_file():
        raise FileNotFoundError(f"{expected} is missing: run python -m hwgrade --record first")
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        _add(zf, "setup.sh", SETUP)
        _add(zf, "run_autograder", RUN)
        zf.write(expected, "source/grade_expected.pkl")
        for path in sorted((ROOT / "hwgrade").glob("*.py")):
            zf.write(path, f"source/hwgrade/{path.name}")
        # the untouched student version: fills the modules an upload lacks (hwgrade.submission)
        sys.path.insert(0, str(ROOT / "course"))      # the student build moved to course/ (issue 22)
        from student_build import strip_solutions

        for path in sorted((ROOT / "hwlib").rglob("*")):
            rel = path.relative_to(ROOT)
            if "__pycache__" in rel.parts or path.is_dir():
                continue
            name = f"source/{STARTER_NAME}/{rel.as_posix()}"
            if path.suffix == ".py":
                zf.writestr(name, strip_solutions(path.read_text(encoding="utf-8"), ".".join(rel.with_suffix("").parts)))
            else:
                zf.write(path, name)
        return zf.namelist()


def _add(zf, name, text):
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16          # executable, as Gradescope expects
    zf.writestr(info, text)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Pack the Gradescope autograder zip.")
    parser.add_argument("zip", nargs="?", default=str(ROOT / "dist" / "autograder.zip"))
    args = parser.parse_args(argv)
    names = build(args.zip)
    print(f"wrote {args.zip}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
