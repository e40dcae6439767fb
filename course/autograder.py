"""Pack the Gradescope autograder: ``python course/autograder.py [ZIP]`` (``make autograder``).

Gradescope extracts the zip into ``/autograder/source``, copies ``run_autograder`` from the zip's
root to ``/autograder/run_autograder``, runs ``setup.sh`` once when it builds the image, and then
``/autograder/run_autograder`` for each submission. So the zip's root holds:

* ``setup.sh`` and ``run_autograder`` (``course/gradescope/``, executable);
* ``requirements.txt`` and ``requirements-torch.txt``: the grader's pins, taken line for line from
  the book's ``requirements.txt`` (one home for every version), torch apart because it comes
  from PyTorch's CPU-only index;
* ``hwgrade/``: the grader package;
* the full recording of every check's cases (students only ever see the first case of each);
* ``starter/hwlib/``: the untouched student version (solutions replaced by TODOs), whose modules
  fill in what an upload of only the edited files lacks.

No solution is in the zip: the grader compares with the recording. The zip is reproducible (sorted
names, fixed timestamps): the same checkout packs the same bytes. ``course/gradescope_trial.py``
runs it locally in Gradescope's layout.
"""

import argparse
import importlib.util
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from requirement_pins import REQUIREMENTS, normal as _normal, pins  # noqa: E402,F401  (one home of the pins)

SCRIPTS = Path(__file__).resolve().parent / "gradescope"
GRADER = ROOT / "hwgrade"
# The student build, which makes the untouched starter version the zip carries.
STUDENT_BUILD = ROOT / "course" / "student_build.py"
# What the grader and a student's hwlib import when graded (distribution names; their versions
# are read from requirements.txt). torch and torchvision come from the CPU index.
PACKAGES = ("numpy", "matplotlib", "pillow", "pooch", "tqdm")
TORCH_PACKAGES = ("torch", "torchvision")
EXECUTABLE = ("setup.sh", "run_autograder")
_STAMP = (1980, 1, 1, 0, 0, 0)


def grader_paths():
    """The grader's own names for the recording and the starter folder (hwgrade.paths)."""
    sys.path.insert(0, str(ROOT))
    from hwgrade import paths
    return paths


def student_build():
    """The student-build module (course/student_build.py), loaded from its path."""
    spec = importlib.util.spec_from_file_location("student_build", STUDENT_BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def starter():
    """{path: bytes} of the student version's ``hwlib/`` (what ``make assignment`` builds)."""
    with tempfile.TemporaryDirectory() as tmp:
        student_build().build(Path(tmp) / "student")
        package = Path(tmp) / "student" / "hwlib"
        return {path.relative_to(package.parent).as_posix(): path.read_bytes()
                for path in sorted(package.rglob("*"))
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}


def contents(requirements=REQUIREMENTS, grader=GRADER, recording=None):
    """{name in the zip: bytes} of everything the autograder zip holds."""
    paths = grader_paths()
    recording = Path(recording) if recording else ROOT / paths.INSTRUCTOR_RECORDING
    if not recording.is_file():
        raise FileNotFoundError(f"{recording} is missing: record the expected outputs first (make record)")
    if not (grader / "gradescope.py").is_file():
        raise FileNotFoundError(f"{grader} has no gradescope.py: the grader package is incomplete")
    files = {name: (SCRIPTS / name).read_bytes() for name in EXECUTABLE}
    header = "# The grader's pins, from the book's requirements.txt (course/autograder.py).\n"
    files["requirements.txt"] = (header + "\n".join(pins(PACKAGES, requirements)) + "\n").encode()
    files["requirements-torch.txt"] = (header + "\n".join(pins(TORCH_PACKAGES, requirements)) + "\n").encode()
    for path in sorted(grader.rglob("*")):
        rel = path.relative_to(grader.parent)
        if path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc":
            files[rel.as_posix()] = path.read_bytes()
    files[paths.RECORDING_NAME] = recording.read_bytes()
    for rel, data in starter().items():
        files[f"{paths.STARTER_NAME}/{rel}"] = data
    return files


def build(zip_path, **kwargs):
    """Write the autograder zip to ``zip_path``; returns the names in it."""
    zip_path = Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    files = contents(**kwargs)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _STAMP)
            info.external_attr = (0o100755 if name in EXECUTABLE else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    return sorted(files)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Pack the Gradescope autograder zip.")
    parser.add_argument("zip", nargs="?", default=str(ROOT / "dist" / "autograder.zip"))
    args = parser.parse_args(argv)
    names = build(args.zip)
    size = Path(args.zip).stat().st_size
    print(f"wrote {args.zip}: {len(names)} files, {size / 2**20:.1f} MiB; at its root: "
          f"{', '.join(n for n in names if '/' not in n)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
