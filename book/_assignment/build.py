"""Build the student version of the book: ``python book/_assignment/build.py [DEST]`` (``make assignment``).

Solution regions are the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in hwlib (each
one is the rest of a function body, after its input checks). In the student copy every region
becomes a TODO comment and ``raise NotImplementedError``, so the package still imports and the
grader reports code 40 for it. Instructor-only code is marked the same way: the loop versions of
``hwlib.naive`` and the fused-attention referee of ``hwlib.transformer`` would otherwise be working
copies of graded functions.

In the notebooks, every cell tagged ``solution`` (a derivation that answers a written homework
question, an exercise's solutions, the cell that checks them) becomes an empty answer cell, and
the outputs of the graded cells — the first code cell that uses a function with a solution region,
and every cell after it — are cleared.

``dist/assignment/`` then holds: hwlib/ (stripped; with the grader and the recorded outputs of each
check's first, public case), book/ (the chapters and their results files), pyproject.toml,
requirements.txt and a README for students. This builder and the full recording stay here, in the
book's repository; ``autograder.py`` packs the grader with the full recording for Gradescope.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from hwgrade.paths import INSTRUCTOR_RECORDING, PUBLIC_NAME  # noqa: E402

EXPECTED = ROOT / INSTRUCTOR_RECORDING
_DEF = re.compile(r"^(\s*)def (\w+)\(")
_CLASS = re.compile(r"^(\s*)class (\w+)\b")
SOLUTION_TAG = "solution"
ANSWER_MARKDOWN = "**Your answer:** *(write your derivation or answer here; the book's version of this cell has one)*"
ANSWER_CODE = "# Your code here: check your answer numerically, as the rest of the chapter does."


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


def regions_by_file(package=ROOT / "hwlib"):
    """{path: [(name, first, last)]} for every file of the package with solution regions."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        regions = solution_regions(path.read_text(encoding="utf-8"))
        if regions:
            found[path] = regions
    return found


def graded_names(package=ROOT / "hwlib"):
    """Names of the functions, methods and classes with a solution region, for finding graded cells."""
    names = {part for regions in regions_by_file(package).values() for name, _, _ in regions
             for part in name.split(".")}
    names -= {"loss", "forward", "sample", "run"}          # too generic alone: matched with their owner
    return names | {"Solver", "CaptioningSolver", "trainer.run", "train_multiplier", "GPT", "MaskedAttention"}


def first_graded_cell(notebook, names):
    """Index of the first code cell that uses one of ``names`` outside imports and comments (or None)."""
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and SOLUTION_TAG not in cell.metadata.get("tags", []) \
                and pattern.search(_calls_only(cell.source)):
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
    """The notebook at ``path`` with its solution cells blanked and its graded cells' outputs cleared."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            replacement = (nbformat.v4.new_markdown_cell(ANSWER_MARKDOWN) if cell.cell_type == "markdown"
                           else nbformat.v4.new_code_cell(ANSWER_CODE))
            replacement.id = cell.get("id", f"answer-{i}")
            replacement.metadata["tags"] = ["answer"]
            nb.cells[i] = replacement
    first = first_graded_cell(nb, names)
    if first is not None:
        for cell in nb.cells[first:]:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                tags = cell.metadata.setdefault("tags", [])
                if "graded" not in tags:
                    tags.append("graded")
    return nb


def build(dest, root=ROOT, expected=EXPECTED):
    """Write the student version to ``dest`` (replaced if it exists); returns the number of regions stripped."""
    from hwgrade.runner import Store

    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    count = 0
    for path in sorted((root / "hwlib").rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or path.is_dir():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            source = path.read_text(encoding="utf-8")
            count += len(solution_regions(source))
            target.write_text(strip_solutions(source, ".".join(rel.with_suffix("").parts)), encoding="utf-8")
        else:
            shutil.copy2(path, target)
    # The grader students run locally ships as its own package, with the public recording.
    shutil.copytree(root / "hwgrade", dest / "hwgrade", ignore=shutil.ignore_patterns("__pycache__", "*.pkl"))
    Store.load(expected).public().save(dest / "hwgrade" / PUBLIC_NAME)
    names = graded_names(root / "hwlib")
    (dest / "book" / "results").mkdir(parents=True)
    for notebook in sorted((root / "book").glob("*.ipynb")):
        nbformat.write(student_notebook(notebook, names), dest / "book" / notebook.name)
    for results in sorted((root / "book" / "results").glob("*.json")):
        shutil.copy2(results, dest / "book" / "results" / results.name)
    for name in ("pyproject.toml", "requirements.txt"):
        shutil.copy2(root / name, dest / name)
    shutil.copy2(root / "book" / "nbval-sanitize.cfg", dest / "book" / "nbval-sanitize.cfg")
    (dest / "README.md").write_text(STUDENT_README, encoding="utf-8")
    return count


STUDENT_README = """# hwlib book: the assignment

This is the student version of *hwlib book*. The package `hwlib/` is complete except for the
functions you write: each one has a docstring that says what it takes and returns (shapes, dtypes
and, for a forward pass, what its cache holds), and a body that is only

    # TODO: write the body of fc_forward (its docstring says what it returns).
    raise NotImplementedError("hwlib.layers.fc_forward is not implemented yet")

The chapters in `book/` explain and derive what each function computes. Where the book derives
an answer to a written question, or solves an exercise, your copy has an answer cell instead
("Your answer: ..."). The cells that depend on your code have no outputs yet: run a chapter top to
bottom and it stops at the first function you have not written.

## Setup

    python3.11 -m venv .venv && . .venv/bin/activate
    pip install -r requirements.txt && pip install -e .

The data is found (or downloaded) by `hwlib.data`; `python -m hwlib.data` shows where each file is.

## Checking your work

    python -m hwgrade            # every graded function, one line each
    python -m hwgrade --json     # the same, for a machine

Each line is a code and an explanation: 0 success, 1 unknown failure, 2 your code raised an
exception (the line of your code is shown, with a hint), 40 not implemented yet, 50 wrong output
(type or structure), 51 wrong dtype, 52 wrong shape, 53 values differ beyond tolerance, 54 values
off by exactly 1.0, 55 an input was modified in place, 60 training did not reach its bar, 61
training diverged (NaN or inf). Every problem a check finds is listed. Locally the grader knows
the expected values of each function's first case only; the autograder also runs hidden cases
(rectangular shapes, non-contiguous inputs, huge scores, ties, padding, float64 precision...), so
a 0 here is necessary, not sufficient. Your code must keep the input's dtype (float32 in, float32
out, float64 in, float64 out at float64 precision) and must never modify its inputs.

## How this differs from the cs231n and EECS545 starter code

The functions are the homework's, but they live in one package and follow its conventions, so
code written for the original starter files needs adapting:

* **Where things are.** Layers: `hwlib/layers.py` (fully-connected, ReLU, softmax loss),
  `hwlib/convolution.py`, `hwlib/pooling.py`, `hwlib/rnn_layers.py`; update rules:
  `hwlib/optim.py`; models: `hwlib/models/`; training: `hwlib/solver.py`, `hwlib/trainer.py`,
  `hwlib/transfer.py`; attention: `hwlib/transformer.py`.
* **Caches are hwlib's.** Each forward pass's docstring says exactly what its cache holds, and the
  backward pass receives that cache (the grader gives your backward pass a cache built by the
  reference forward pass, so the layout matters). For example `fc_forward` caches `(x, w)`,
  `conv_forward` caches `(x, w, cols)` with the im2col matrix, `max_pool_forward` caches the input's
  shape and dtype, the arg-max offset inside each window and the pool sizes.
* **Layouts are batch-first**: images `(N, C, H, W)`, sequences `(N, T, D)`, tokens `(B, T)`.
  `conv_forward` has no bias, stride or padding (the bias is `conv_bias_forward`); it computes
  filtering, `Y[n, f] = Σ_c X[n, c] ⊛filt K[f, c]`.
* **Training loops return a `hwlib.history.History`** (per-step losses and learning rates,
  per-epoch metrics), not a dict: `trainer.run`, `transfer.train_model`, and `Solver.history`.
* **Transfer learning uses MobileNetV2** (converted from an offline TFLite file) rather than
  ResNet-18: its last layer is `model.classifier[1]`, not `model.fc`, and `finetune(model,
  num_classes)` / `freeze(model, num_classes)` replace it.
* **The GPT takes a `GPTConfig`**, and `MaskedAttention` keeps its projections as `query`, `key`,
  `value` and `proj`.
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
