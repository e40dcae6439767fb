"""The student build (course/student_build.py) gives nothing away. More leak checks of the student
build: tests/test_student_build.py; the Gradescope autograder: tests/test_course_autograder.py."""

import ast
import importlib.util
import json
import os
import pickle
import subprocess
import sys

import nbformat
import pytest

from conftest import MIRROR, ROOT
from hwgrade.checks import CHECKS


def _load(name, path):
    spec = importlib.util.spec_from_file_location(f"assignment_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load("build", ROOT / "course" / "student_build.py")


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    dest = tmp_path_factory.mktemp("assignment") / "dist"
    assert builder.build(dest) == builder.shipped_regions()
    return dest


def _dist_texts(dist):
    """{path: text} of every text file of the student build (sources, notebooks, README, results)."""
    return {p: p.read_text(encoding="utf-8") for p in dist.rglob("*")
            if p.is_file() and p.suffix in {".py", ".ipynb", ".md", ".json", ".toml", ".txt", ".cfg"}}


def test_regions_are_balanced_and_inside_functions():
    source = "def f(x):\n    y = 1\n    # BEGIN SOLUTION\n    return x + y\n    # END SOLUTION\n"
    assert builder.solution_regions(source) == [("f", 2, 4)]
    stripped = builder.strip_solutions(source, "m")
    assert "return x + y" not in stripped and 'raise NotImplementedError("m.f is not implemented yet")' in stripped
    namespace = {}
    exec(stripped, namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)
    with pytest.raises(ValueError, match="never closed"):
        builder.solution_regions("def f():\n    # BEGIN SOLUTION\n    pass\n")
    with pytest.raises(ValueError, match="inside a function"):
        builder.solution_regions("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n")


# Lines of solutions that the build may contain elsewhere: calls of shipped APIs, not solutions.
GENERIC_LINES = {
    "loss, dscores = dense.softmax_loss(scores, y)",        # chapter 1 shows how to call the layer
    "history.log_checkpoint(time.perf_counter() - start, **metrics)",   # the History API (Solver)
    "return history", "scheduler.step()", "ax.imshow(pixels)", "_fixed_batchnorm_to_eval(model)",
}


def test_no_line_of_a_solution_is_in_the_student_build(dist):
    """Every line that only a solution region contains (not also a line of hwlib outside the
    regions, nor a call of a shipped API) is absent from every file of the build: sources,
    notebooks, README."""
    texts = "\n".join(_dist_texts(dist).values())
    regions_of = builder.regions_by_file()
    outside = set(GENERIC_LINES)
    for path in [*(ROOT / "hwlib").rglob("*.py"), *(ROOT / "hwgrade").glob("*.py")]:   # the grader ships too
        lines = path.read_text(encoding="utf-8").split("\n")
        inside = {i for _, first, last in regions_of.get(path, []) for i in range(first + 1, last)}
        outside |= {lines[i].strip() for i in range(len(lines)) if i not in inside}
    leaks = []
    for path, regions in regions_of.items():
        lines = path.read_text(encoding="utf-8").split("\n")
        for i in sorted({i for _, first, last in regions for i in range(first + 1, last)}):
            line = lines[i].strip()
            if len(line.replace(" ", "")) >= 12 and line not in outside and line in texts:
                leaks.append(f"{path.name}:{i + 1}: {line}")
    assert not leaks, "\n".join(leaks[:20])
    assert builder.BEGIN not in texts and builder.END not in texts


def test_every_stripped_function_raises_not_implemented(dist):
    stripped = {}
    for path, regions in builder.regions_by_file().items():
        if path.name in builder.NOT_SHIPPED:
            continue
        rel = path.relative_to(ROOT)
        tree = ast.parse((dist / rel).read_text(encoding="utf-8"))
        bodies = {_qualified(tree, node): node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        for name, _, _ in regions:
            node = bodies[name]
            stripped[f"{rel}:{name}"] = any(isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n)
                                            for n in ast.walk(node))
    assert stripped and all(stripped.values()), [k for k, ok in stripped.items() if not ok]


def _qualified(tree, function):
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and function in node.body:
            return f"{node.name}.{function.name}"
    return function.name


def test_no_other_module_implements_a_graded_function(dist):
    """Every function in the build that is named after a graded one (or is a loop version of one,
    as in hwlib.layers.naive) raises NotImplementedError, itself or through a stripped function it calls
    (rnn_backward through the shared backward loop)."""
    graded = {name.split(" ")[0].split(".")[-1] for name in CHECKS} - {"loss", "forward", "sample", "run", "train"}
    graded |= {"im2col", "col2im", "fused_attention"}
    offenders = []
    for path in (dist / "hwlib").rglob("*.py"):
        functions = [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.FunctionDef)]
        stripped = {f.name for f in functions if _raises_not_implemented(f)}
        for node in functions:
            if node.name in graded or node.name.endswith("_loops") or path.name == "naive.py":
                calls = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
                if node.name not in stripped and not calls & stripped:
                    offenders.append(f"{path.relative_to(dist)}:{node.lineno} {node.name}")
    assert not offenders, offenders


def _raises_not_implemented(function):
    return any(isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n) for n in ast.walk(function))


def test_the_grader_finds_nothing_implemented_in_the_build(dist):
    proc = subprocess.run([sys.executable, "-m", "hwgrade", "--json", str(dist)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    results = {r["name"]: r["code"] for r in json.loads(proc.stdout)}
    assert set(results) == set(CHECKS) and set(results.values()) == {40}, results


def test_the_build_ships_only_the_public_recording(dist):
    with open(dist / "hwgrade" / "public_expected.pkl", "rb") as f:
        public = pickle.load(f)
    with open(builder.EXPECTED, "rb") as f:
        full = pickle.load(f)
    assert set(public) == set(full)
    for name, entry in public.items():
        first = next(iter(full[name]["outputs"]), None)
        assert list(entry["outputs"]) == ([first] if first else [])
        assert set(entry["caches"]) <= {first}, name          # no hidden case's cache
        assert set(entry["specs"]) == set(full[name]["specs"])   # shapes and dtypes of every case
    assert not (dist / "book" / "_assignment").exists() and not list(dist.rglob("grade_expected.pkl"))
    assert not list(dist.rglob("build.py")) and not list(dist.rglob("autograder.py"))


def test_written_answers_become_answer_cells(dist):
    """A cell tagged `solution` (a derivation that answers a written question, an exercise's
    solutions, the cell that checks them) becomes an empty answer cell, and no line of it that the rest
    of the chapter does not also contain is left; graded cells have no outputs."""
    names = builder.graded_names()
    for book_path in sorted((ROOT / "book").glob("*.ipynb")):
        book = nbformat.read(book_path, as_version=4)
        student = nbformat.read(dist / "book" / book_path.name, as_version=4)
        by_id = {c.get("id"): c for c in student.cells}
        student_text = "\n".join(c.source for c in student.cells)
        solutions = [i for i, c in enumerate(book.cells) if builder.SOLUTION_TAG in c.metadata.get("tags", [])]
        shared = "\n".join(c.source for i, c in enumerate(book.cells) if i not in solutions)
        # Every cell is kept in its place but the book's machinery alone (glue and results cells).
        assert [c.get("id") for c in book.cells if c.get("id") in by_id] == [c.get("id") for c in student.cells]
        for i in solutions:
            cell = by_id[book.cells[i].get("id")]
            assert "answer" in cell.metadata["tags"]
            assert cell.source in (builder.ANSWER_MARKDOWN, builder.ANSWER_CODE)
            for line in book.cells[i].source.split("\n"):
                if len(line.strip()) >= 40 and line.strip() not in shared:
                    assert line.strip() not in student_text, f"{book_path.name}: {line.strip()[:80]}"
        first = builder.first_graded_cell(student, names)
        assert first is not None, f"{book_path.name} has no graded cell"
        assert all(not c.get("outputs") for c in student.cells[first:] if c.cell_type == "code")
    assert any(builder.SOLUTION_TAG in c.metadata.get("tags", [])
               for p in (ROOT / "book").glob("*.ipynb") for c in nbformat.read(p, as_version=4).cells)


def test_student_readme_says_what_differs_from_the_original_homework(dist):
    readme = (dist / "README.md").read_text()
    for topic in ("Caches are hwlib's", "batch-first", "History", "MobileNetV2", "classifier[1]", "GPTConfig",
                  "python -m hwgrade"):
        assert topic in readme, topic
    assert "drops into hwlib" not in readme and "drop into hwlib" not in readme


def kernel_without_pins(tmp):
    """A python3 kernel spec that starts ipykernel directly: the student version has no
    hwbook.reproducible for the book's pinned kernel to start through."""
    spec = tmp / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (student)", "language": "python"}))
    return tmp / "jupyter"


@pytest.mark.slow
def test_student_notebooks_run_until_their_first_todo(dist):
    """Every student chapter executes cleanly up to the first cell that uses student code, and the
    first error it meets there is a NotImplementedError."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    env = dict(os.environ, PYTHONPATH=str(dist), JUPYTER_PATH=str(kernel_without_pins(dist.parent / "kernel")))
    env.setdefault("HWLIB_DATA_DIR", str(ROOT / "data"))
    env.setdefault("HWLIB_DATA_MIRROR", str(MIRROR))
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        for path in sorted((dist / "book").glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            first = builder.first_graded_cell(nb, builder.graded_names())
            client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}})
            with pytest.raises(CellExecutionError) as error:
                client.execute()
            assert "NotImplementedError" in str(error.value), (path.name, str(error.value)[-2000:])
            ran = [c for c in nb.cells[:first] if c.cell_type == "code"]
            assert all(c.get("execution_count") for c in ran), f"{path.name}: a cell before the first TODO did not run"
    finally:
        os.environ.clear()
        os.environ.update(saved)
