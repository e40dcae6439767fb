"""Build the student version of the book: ``python course/student_build.py [DEST]`` (``make assignment``).

Solution regions are the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in hwlib (each
one is the rest of a function body, after its input checks). In the student copy every region
becomes a TODO comment and ``raise NotImplementedError``, so the package still imports and the
grader reports code 40 for it. Instructor-only code is marked the same way: the loop versions of
``hwlib.layers.naive`` and the fused-attention referee of ``hwlib.transformer`` would otherwise be working
copies of graded functions.

In the notebooks, every cell tagged ``solution`` (a derivation that answers a written homework
question, an exercise's solutions, the cell that checks them) becomes an empty answer cell; a cell
that checks a graded function against a derived formula (or against a loop version or referee the
student version lacks) is replaced by its student version from ``course/student/cells/`` (checks
against numerical and PyTorch gradients only); the outputs of the graded cells -- the first code
cell that uses a function with a solution region, and every cell after it -- are cleared, and so
are the full-scale numbers every chapter glues. The book's machinery (the package ``hwbook``:
pinned kernels, the nbval tolerance plugin, glued numbers, results files and tables) stays out:
the build drops every cell hidden from the reader that uses it (the glue, results-table and
benchmark-table cells), and from the other cells the lines that use it (its imports,
``results.report(...)``, the ``if results.full:`` checks of the recorded full run), so that the
student chapters run with hwlib alone (``strip_machinery``).

``dist/assignment/`` then holds: hwlib/ (stripped), hwgrade/ (the local grader, with the public
recording: the first case of each check), book/ (the chapters and the reading guide; no results
files), data/ (the empty local cache), pyproject.toml, requirements.txt (the student's,
``course/student/requirements.txt`` with the book's pins filled in), README.md (``course/student/README.md``) and a
``_toc.yml``/``_config.yml`` for ``make student-site``. The full recording stays in the book's
repository; ``course/autograder.py`` packs it with the grader for Gradescope.
"""

import argparse
import ast
import hashlib
import io
import re
import shutil
import sys
import tokenize
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
STUDENT = HERE / "student"
sys.path.insert(0, str(ROOT))
# The grader's package and recording names: the one place this build takes them from.
GRADER = "hwgrade"
from hwgrade.paths import INSTRUCTOR_RECORDING, PUBLIC_NAME  # noqa: E402

sys.path.insert(0, str(HERE))
from requirement_pins import resolve as resolve_requirements  # noqa: E402  (versions: the book's list)

EXPECTED = ROOT / INSTRUCTOR_RECORDING
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
_DEF = re.compile(r"^(\s*)def (\w+)\(")
_CLASS = re.compile(r"^(\s*)class (\w+)\b")
SOLUTION_TAG = "solution"
ANSWER_MARKDOWN = "**Your answer:** *(write your derivation or answer here; the book's version of this cell has one)*"
ANSWER_CODE = "# Your code here: check your answer numerically, as the rest of the chapter does."
# hwlib modules the student version does not ship (none: the book's machinery is the package
# hwbook, which the build never copies). hwlib.layers.naive ships stripped (chapter 4 imports it;
# its student cell uses PyTorch as the referee instead of the loops).
NOT_SHIPPED = set()
MACHINERY = "hwbook"
HIDDEN_TAGS = {"remove-input", "remove-cell"}
# Pages of the book students do not get.
INSTRUCTOR_PAGES = {"book/for_instructors"}
CELLS = STUDENT / "cells"
_TOLERANCE = re.compile(r"^\s*# NBVAL_TOLERANCE\b")


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


def code_fingerprint(source):
    """A short hash of a cell's code with comments and blank lines left out, so that a student cell
    knows which version of the book's cell it replaces (comment edits do not invalidate it)."""
    tokens = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                tokenize.DEDENT, tokenize.ENDMARKER):
                tokens.append(tok.string)
    except (tokenize.TokenError, IndentationError):
        tokens = source.split()
    return hashlib.sha256(" ".join(tokens).encode()).hexdigest()[:12]


_HEADER = re.compile(r"^# student version of (\S+) cell (\S+); book cell (\w{12})\n")


def student_cells(cells_dir=CELLS):
    """{(notebook stem, cell id): (book fingerprint, replacement source)} from ``cells_dir``. Each file
    starts with ``# student version of <stem> cell <id>; book cell <fingerprint>``."""
    found = {}
    for path in sorted(Path(cells_dir).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        match = _HEADER.match(text)
        if not match:
            raise ValueError(f"{path}: the first line must be '# student version of STEM cell ID; "
                             "book cell FINGERPRINT'")
        found[(match.group(1), match.group(2))] = (match.group(3), text[match.end():].rstrip("\n"))
    return found


def _replace_cells(nb, stem, replacements):
    """Put the student versions of this notebook's cells in place; a book cell that is gone or has
    changed since its student version was written is an error (update the student version)."""
    by_id = {cell.get("id"): cell for cell in nb.cells}
    for (owner, cell_id), (fingerprint, source) in replacements.items():
        if owner != stem:
            continue
        cell = by_id.get(cell_id)
        if cell is None:
            raise ValueError(f"{stem}: no cell {cell_id} for course/student/cells/{stem}.{cell_id}.py")
        now = code_fingerprint(cell.source)
        if now != fingerprint:
            raise ValueError(f"{stem} cell {cell_id} changed (book cell {now}, the student version was "
                             f"written for {fingerprint}): update course/student/cells/{stem}.{cell_id}.py")
        cell.source = source
        cell.outputs, cell.execution_count = [], None


# A number the book's run glued into a sentence ({glue:text}`key`, {glue:md}`key`): the student
# version has no glued values (its chapters run without hwbook), so the role would render as
# nothing and leave a hole in the sentence; it becomes a visible mark, explained once per chapter.
_GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`")
LEFT_OUT = "(…)"
LEFT_OUT_NOTE = ("*In the student version, the numbers that the book's own run measured are left out of "
                 f"the text and shown as {LEFT_OUT}: running the chapter's cells computes yours.*")


def _mark_left_out_numbers(nb):
    """Replace every glue role in the markdown cells by LEFT_OUT; the first markdown cell (the
    chapter's title and opening) then ends with LEFT_OUT_NOTE. Returns how many were replaced."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source, n = _GLUE_ROLE.subn(LEFT_OUT, cell.source)
            count += n
    if count:
        first = next(c for c in nb.cells if c.cell_type == "markdown")
        first.source = first.source.rstrip("\n") + "\n\n" + LEFT_OUT_NOTE
    return count


def _is_glue(output):
    """A glued value (the book's machinery put it there for the prose); ``full_<key>`` ones are the
    last full-scale run's numbers, a homework's reported results."""
    return bool(output.get("metadata", {}).get("scrapbook", {}).get("name"))


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _machinery_lines(statements, tainted):
    """The line ranges (first, last; 1-based) of the statements that use the book's machinery: an
    import from hwbook, or a statement that uses a name in ``tainted`` (names imported from hwbook,
    and every name a dropped assignment binds, such as ``results`` or ``bench``). A compound
    statement whose own header is clean keeps its clean statements and goes only if none is left;
    one whose header uses the machinery (``if results.full:``) goes whole."""
    drop = []
    for node in statements:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m == MACHINERY or m.startswith(MACHINERY + ".") for m in modules):
                tainted |= {(a.asname or a.name).split(".")[0] for a in node.names}
                drop.append((node.lineno, node.end_lineno))
            continue
        bodies = [getattr(node, field) for field in ("body", "orelse", "finalbody")
                  if isinstance(getattr(node, field, None), list)]
        header = [child for field, child in ast.iter_fields(node)
                  if field not in ("body", "orelse", "finalbody", "handlers")]
        header_names = set().union(*(_names(c) for c in header if isinstance(c, ast.AST)))
        if bodies and not header_names & tainted and not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            inner = [_machinery_lines(body, tainted) for body in bodies]
            if all(sum(last - first + 1 for first, last in part) == sum(
                    s.end_lineno - s.lineno + 1 for s in body) for part, body in zip(inner, bodies)):
                drop.append((node.lineno, node.end_lineno))
            else:
                drop += [r for part in inner for r in part]
        elif _names(node) & tainted:
            drop.append((node.lineno, node.end_lineno))
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):   # results = ..., bench = ...
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                tainted |= set().union(*(_names(t) for t in targets))
        else:                                   # clean code that binds a name makes it clean again
            tainted -= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return drop


def strip_machinery(source, tainted):
    """``source`` without the lines that use the book's machinery (``_machinery_lines``); ``tainted``
    (a set, shared by the cells of one notebook, in order) grows with the names they define."""
    drop = _machinery_lines(ast.parse(source).body, tainted)
    if not drop:
        return source
    gone = {i for first, last in drop for i in range(first, last + 1)}
    lines = [line for i, line in enumerate(source.split("\n"), 1) if i not in gone]
    stripped = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    ast.parse(stripped)              # what is left must still be a cell of Python
    return stripped


def student_notebook(path, names, replacements=None):
    """The notebook at ``path`` as students get it: solution cells blanked, cells with derived formulas
    replaced by their student versions, no tolerance comments, no full-scale numbers, and the graded
    cells' outputs cleared."""
    nb = nbformat.read(path, as_version=4)
    stem = Path(path).stem
    for i, cell in enumerate(nb.cells):
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            replacement = (nbformat.v4.new_markdown_cell(ANSWER_MARKDOWN) if cell.cell_type == "markdown"
                           else nbformat.v4.new_code_cell(ANSWER_CODE))
            replacement.id = cell.get("id", f"answer-{i}")
            replacement.metadata["tags"] = ["answer"]
            nb.cells[i] = replacement
    _replace_cells(nb, stem, student_cells() if replacements is None else replacements)
    tainted, kept = set(), []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = "\n".join(line for line in cell.source.split("\n") if not _TOLERANCE.match(line))
            cell.metadata.pop("nbval_tolerance", None)
            cell.outputs = [o for o in cell.get("outputs", []) if not _is_glue(o)]
            hidden = HIDDEN_TAGS & set(cell.metadata.get("tags", []))
            stripped = strip_machinery(cell.source, tainted)
            if not stripped.strip() or (hidden and stripped != cell.source):
                continue                  # a glue, results or benchmark cell: the machinery's alone
            cell.source = stripped
        kept.append(cell)
    nb.cells = kept
    _mark_left_out_numbers(nb)
    first = first_graded_cell(nb, names)
    if first is not None:
        for cell in nb.cells[first:]:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                tags = cell.metadata.setdefault("tags", [])
                if "graded" not in tags:
                    tags.append("graded")
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    return nb


def _yaml_lines(path):
    return Path(path).read_text(encoding="utf-8").split("\n")


def student_toc(root=ROOT):
    """The book's _toc.yml without the instructors' pages."""
    kept = [line for line in _yaml_lines(root / "_toc.yml")
            if not any(line.strip() == f"- file: {page}" for page in INSTRUCTOR_PAGES)]
    return "\n".join(kept)


def student_config(root=ROOT):
    """The book's _config.yml for the student tree: its own title, no warnings-as-errors needs."""
    lines = _yaml_lines(root / "_config.yml")
    out = []
    for line in lines:
        if line.startswith("title:"):
            line = line.rstrip() + " (student version)"
        out.append(line)
    return "\n".join(out)


def _copy_package(src, dest, count_regions=True):
    """Copy a Python package, stripping its solution regions; returns how many it stripped."""
    count = 0
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src.parent)
        if "__pycache__" in rel.parts or path.is_dir() or path.name in NOT_SHIPPED:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            source = path.read_text(encoding="utf-8")
            count += len(solution_regions(source))
            target.write_text(strip_solutions(source, ".".join(rel.with_suffix("").parts)), encoding="utf-8")
        else:
            shutil.copy2(path, target)
    return count


def shipped_regions(package=ROOT / "hwlib"):
    """Number of solution regions in the modules the student version ships."""
    return sum(len(r) for path, r in regions_by_file(package).items() if path.name not in NOT_SHIPPED)


def build(dest, root=ROOT, expected=EXPECTED):
    """Write the student version to ``dest`` (replaced if it exists); returns the number of regions stripped."""
    from hwgrade.runner import Store

    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    count = _copy_package(root / "hwlib", dest)
    # The grader students run locally ships as its own package, with the public recording only.
    shutil.copytree(root / GRADER, dest / GRADER, ignore=shutil.ignore_patterns("__pycache__", "*.pkl"))
    Store.load(expected).public().save(dest / GRADER / PUBLIC_NAME)
    names = graded_names(root / "hwlib")
    replacements = student_cells()
    (dest / "book").mkdir(parents=True)
    for notebook in sorted((root / "book").glob("*.ipynb")):
        nbformat.write(student_notebook(notebook, names, replacements), dest / "book" / notebook.name)
    shutil.copy2(root / "book" / "intro.md", dest / "book" / "intro.md")
    shutil.copytree(root / "book" / "images", dest / "book" / "images")
    shutil.copytree(root / "book" / "_ext", dest / "book" / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(root / "pyproject.toml", dest / "pyproject.toml")
    # The local data cache, found from the working directory upwards (hwlib.data.store).
    (dest / "data").mkdir()
    for name in ("README.md", ".gitignore"):
        shutil.copy2(root / "data" / name, dest / "data" / name)
    (dest / "requirements.txt").write_text(resolve_requirements(STUDENT / "requirements.txt"), encoding="utf-8")
    shutil.copy2(STUDENT / "README.md", dest / "README.md")
    (dest / "_toc.yml").write_text(student_toc(root), encoding="utf-8")
    (dest / "_config.yml").write_text(student_config(root), encoding="utf-8")
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the student version of hwlib book.")
    parser.add_argument("dest", nargs="?", default=str(ROOT / "dist" / "assignment"))
    parser.add_argument("--fingerprints", action="store_true",
                        help="print each student cell's book fingerprint now (after a chapter changed)")
    args = parser.parse_args(argv)
    if args.fingerprints:
        for (stem, cell_id), (old, _) in student_cells().items():
            nb = nbformat.read(ROOT / "book" / f"{stem}.ipynb", as_version=4)
            now = {c.get("id"): code_fingerprint(c.source) for c in nb.cells}.get(cell_id, "missing")
            print(f"{stem} cell {cell_id}: written for {old}, book now {now}")
        return 0
    count = build(args.dest)
    print(f"wrote {args.dest}: {count} solution regions replaced by TODOs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
