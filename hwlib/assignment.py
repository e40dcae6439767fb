"""Build the student version of the book from the reference sources: ``python -m hwlib.assignment [DEST]``.

Solution regions are the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in hwlib (each
one is the rest of a function body, after its input checks). In the student copy every region
becomes a TODO comment and ``raise NotImplementedError``, so the package still imports and the
grader (``python -m hwlib.grade``) reports code 40 for it. Notebooks are copied with the outputs
of their graded cells cleared: the first code cell that uses a function with a solution region,
and every cell after it (they all depend on it).

``make assignment`` writes ``dist/assignment/``: hwlib/ (stripped, with the grader and its expected
outputs), book/ (the chapter notebooks), pyproject.toml, requirements.txt and a README for students.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
ROOT = Path(__file__).resolve().parents[1]
_DEF = re.compile(r"^(\s*)def (\w+)\(")
_CLASS = re.compile(r"^(\s*)class (\w+)\b")
# Files of hwlib that are tools for instructors, not part of the student package.
INSTRUCTOR_ONLY = {"assignment.py"}


def solution_regions(source):
    """[(qualified function name, first line, last line)] of the regions in ``source`` (0-based, the
    marker lines included). Raises ValueError for unbalanced or nested markers."""
    lines = source.split("\n")
    regions, start = [], None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == BEGIN:
            if start is not None:
                raise ValueError(f"line {i + 1}: {BEGIN} inside another solution region (line {start + 1})")
            start = i
        elif text == END:
            if start is None:
                raise ValueError(f"line {i + 1}: {END} without {BEGIN}")
            regions.append((_enclosing_function(lines, start), start, i))
            start = None
    if start is not None:
        raise ValueError(f"line {start + 1}: {BEGIN} is never closed")
    return regions


def _enclosing_function(lines, index):
    """'Class.method' or 'function' of the def that encloses line ``index``."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    names = []
    for line in reversed(lines[:index]):
        match = _DEF.match(line) or _CLASS.match(line)
        if match and len(match.group(1)) < indent:
            names.append(match.group(2))
            indent = len(match.group(1))
            if indent == 0:
                break
    if not names:
        raise ValueError(f"line {index + 1}: a solution region must be inside a function")
    return ".".join(reversed(names))


def strip_solutions(source, module=""):
    """``source`` with every solution region replaced by a TODO and ``raise NotImplementedError``."""
    lines = source.split("\n")
    for name, first, last in reversed(solution_regions(source)):
        pad = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
        where = f"{module}.{name}" if module else name
        lines[first:last + 1] = [f"{pad}# TODO: write the body of {name} (its docstring says what it returns).",
                                 f'{pad}raise NotImplementedError("{where} is not implemented yet")']
    return "\n".join(lines)


def graded_names(package=ROOT / "hwlib"):
    """Names of the functions, methods and classes with a solution region, for finding graded cells."""
    names = set()
    for path in package.rglob("*.py"):
        for name, _, _ in solution_regions(path.read_text(encoding="utf-8")):
            names.update(name.split("."))
    names -= {"loss", "forward", "sample", "run"}          # too generic alone: matched with their owner
    return names | {"Solver", "CaptioningSolver", "trainer.run", "train_multiplier", "GPT", "MaskedAttention"}


def first_graded_cell(notebook, names):
    """Index of the first code cell that uses one of ``names`` outside imports and comments (or None)."""
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and pattern.search(_calls_only(cell.source)):
            return i
    return None


def _calls_only(source):
    """A cell's source without import statements (and their continuation lines) and comments."""
    kept, in_import = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("import ", "from ")) or in_import:
            in_import = stripped.endswith(("(", ",", "\\")) or (in_import and not stripped.endswith(")"))
            continue
        kept.append(line.split("#", 1)[0])
    return "\n".join(kept)


def student_notebook(path, names):
    """The notebook at ``path`` with graded cells' outputs cleared and tagged 'graded'."""
    nb = nbformat.read(path, as_version=4)
    first = first_graded_cell(nb, names)
    if first is not None:
        for cell in nb.cells[first:]:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                tags = cell.metadata.setdefault("tags", [])
                if "graded" not in tags:
                    tags.append("graded")
    return nb


def build(dest, root=ROOT):
    """Write the student package to ``dest`` (replaced if it exists); returns the number of regions stripped."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    count = 0
    for path in sorted((root / "hwlib").rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or path.is_dir() or path.name in INSTRUCTOR_ONLY:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            source = path.read_text(encoding="utf-8")
            module = ".".join(rel.with_suffix("").parts)
            count += len(solution_regions(source))
            target.write_text(strip_solutions(source, module), encoding="utf-8")
        else:
            shutil.copy2(path, target)
    names = graded_names(root / "hwlib")
    (dest / "book").mkdir(parents=True)
    for notebook in sorted((root / "book").glob("*.ipynb")):
        nbformat.write(student_notebook(notebook, names), dest / "book" / notebook.name)
    for name in ("pyproject.toml", "requirements.txt"):
        shutil.copy2(root / name, dest / name)
    shutil.copy2(root / "book" / "nbval-sanitize.cfg", dest / "book" / "nbval-sanitize.cfg")
    (dest / "README.md").write_text(STUDENT_README, encoding="utf-8")
    return count


STUDENT_README = """# hwlib book: the assignment

This is the student version of *hwlib book*. The package `hwlib/` is complete except for the
functions you write: each one has a docstring that says what it takes and returns (shapes and
dtypes), and a body that is only

    # TODO: write the body of fc_forward (its docstring says what it returns).
    raise NotImplementedError("hwlib.layers.fc_forward is not implemented yet")

The chapters in `book/` explain and derive what each function computes; their cells that depend
on your code have no outputs yet. Run a chapter top to bottom: it stops at the first function you
have not written.

## Setup

    python3.11 -m venv .venv && . .venv/bin/activate
    pip install -r requirements.txt && pip install -e .

The data is found (or downloaded) by `hwlib.data`; `python -m hwlib.data` shows where each file is.

## Checking your work

    python -m hwlib.grade            # every graded function, one line each
    python -m hwlib.grade --json     # the same, for a machine

Each line is a code and an explanation: 0 success, 1 unknown failure, 2 your code raised an
exception, 40 not implemented yet, 50 wrong output (uncategorized), 51 wrong dtype, 52 wrong shape,
53 values differ beyond tolerance, 54 values off by exactly 1.0, 55 an input was modified in place,
60 training did not reach its bar (or was too slow), 61 training diverged (NaN or inf). The exit
status is 0 only when everything passes. Your code must keep the input's dtype (float32 in,
float32 out) and must never modify its inputs.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the student version of hwlib book.")
    parser.add_argument("dest", nargs="?", default=str(ROOT / "dist" / "assignment"))
    args = parser.parse_args(argv)
    count = build(args.dest)
    print(f"wrote {args.dest}: {count} solution regions replaced by TODOs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
