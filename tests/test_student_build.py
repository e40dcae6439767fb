"""course/student_build.py: nothing in the student version answers a homework question -- not its
code cells, docstrings, outputs (text or images), results files, recording or README -- and it
ships only what running and grading need. (tests/test_assignment.py has the line-by-line check of
the solution regions, the answer cells and the grader on the build.)"""

import ast
import json
import pickle
import re

import nbformat
import pytest

from conftest import ROOT
from test_assignment import builder

# The numbers the homework asks students to report, by the key each chapter reports them under
# (book/results/<chapter>.json at full scale, the chapter's glued outputs at CI scale).
REPORTED = {
    "03_softmax_and_two_layer_net": ("softmax_test", "narrow_val", "wide_val", "final_val", "final_test"),
    "04_convnet_from_scratch": ("mnist_test", "cifar_val", "cifar_test"),
    "05_image_captioning": ("rnn_val", "rnn_train", "lstm_val", "lstm_train"),
    "06_transfer_learning": ("finetune", "finetune_first", "frozen", "frozen_first", "scratch"),
    "07_transformers": ("plain_train", "plain_test", "pad_train", "pad_test", "story_train",
                        "story_val", "story_best_val"),
}
# Fragments of derived answers that the book's code cells hold (the list): none may reach
# the student version in any file.
ANSWERS = ("np.eye(4)[y]) / 5", "np.eye(K)[label]", "np.outer(delta, x1)", "g + (mask * (g @ w2)) @ w1",
           "(mask * (g @ w2)).T @ x", "conv.conv2d_full(K[f, c], dy[n, f])", "conv.filt2d(x[n, c], dy[n, f])",
           "conv.conv2d_full(w[None], dy[None])", "conv.filt2d(x[None], dy[None])", "M.T @ dy",
           "onehot(y)", "dout @ w.T", "x.T @ dout", "⊛full dout", "⊛filt dout", "W1^T (σ'(a)")
_NUMBER = re.compile(r"\d+\.\d{2,}")
# Where a reported number's digits appear for another reason.
COINCIDENCES = {("hwlib/optim.py", "0.999"): "Adam's default β2",
                ("book/03_softmax_and_two_layer_net.ipynb", "0.999"): "Adam's default β2, explained",
                ("book/04_convnet_from_scratch.ipynb", "0.985"): "the bar the chapter asserts for MNIST"}


def reported_numbers():
    """{number as printed: where it comes from} for every number the homework asks students to report,
    at both scales (only numbers with two or more decimals: integers also appear in code)."""
    found = {}
    for chapter, keys in REPORTED.items():
        full = json.loads((ROOT / "book" / "results" / f"{chapter}.json").read_text())["values"]
        glued = {}
        for cell in nbformat.read(ROOT / "book" / f"{chapter}.ipynb", as_version=4).cells:
            for output in cell.get("outputs", []):
                name = output.get("metadata", {}).get("scrapbook", {}).get("name")
                if name:
                    glued[name] = str(output["data"].get("application/papermill.record/text/plain", "")).strip("'")
        for key in keys:
            for scale, values in (("full", full), ("CI", glued)):
                for number in _NUMBER.findall(values.get(key, "")):
                    found.setdefault(number, f"{chapter} {key} ({scale} scale)")
    return found


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    dest = tmp_path_factory.mktemp("student") / "dist"
    builder.build(dest)
    return dest


def _texts(dist):
    return {p: p.read_text(encoding="utf-8") for p in dist.rglob("*")
            if p.is_file() and p.suffix in {".py", ".ipynb", ".md", ".json", ".toml", ".txt", ".cfg", ".yml"}}


def test_the_reported_numbers_are_known():
    numbers = reported_numbers()
    assert len(numbers) >= 20 and "0.985" in numbers and "0.720" in numbers, numbers


def test_no_reported_number_is_in_any_file_of_the_build(dist):
    numbers = reported_numbers()
    leaks = [f"{path.relative_to(dist)}: {number} ({numbers[number]})"
             for path, text in _texts(dist).items() for number in numbers
             if re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", text)
             and (path.relative_to(dist).as_posix(), number) not in COINCIDENCES]
    assert not leaks, "\n".join(leaks[:20])


def test_no_derived_answer_is_in_code_docstrings_or_comments(dist):
    leaks = [f"{path.relative_to(dist)}: {answer}" for path, text in _texts(dist).items()
             for answer in ANSWERS if answer in text]
    assert not leaks, "\n".join(leaks)


def test_the_fragments_are_in_the_reference():
    """The list above is of real answers: each is in the book's chapters or hwlib's docstrings now, or
    was (the docstrings' formulas moved to the book): at least the code cells' ones are found."""
    book = "\n".join(c.source for p in (ROOT / "book").glob("*.ipynb") for c in nbformat.read(p, as_version=4).cells)
    assert sum(answer in book for answer in ANSWERS) >= 8


def test_backward_docstrings_state_contracts_not_gradients(dist):
    """No docstring of the shipped hwlib writes a gradient as a formula (``dx = ...``)."""
    offenders = []
    for path in (dist / "hwlib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(node) or ""
                if re.search(r"``d\w*(\[[^\]]*\])? *=", doc) or "onehot" in doc:
                    offenders.append(f"{path.relative_to(dist)}:{node.lineno} {node.name}")
    assert not offenders, offenders


def test_student_cells_replace_the_cells_with_derived_formulas(dist):
    """Every cell that has a student version is replaced; no line of the book's cell that its student
    version lacks is anywhere in the student chapters."""
    replacements = builder.student_cells()
    assert len(replacements) >= 8
    for (stem, cell_id), (_, source) in replacements.items():
        book = {c.get("id"): c for c in nbformat.read(ROOT / "book" / f"{stem}.ipynb", as_version=4).cells}
        student = nbformat.read(dist / "book" / f"{stem}.ipynb", as_version=4)
        assert {c.get("id"): c for c in student.cells}[cell_id].source == source
        text = "\n".join(c.source for c in student.cells)
        for line in book[cell_id].source.split("\n"):
            line = line.strip()
            if len(line) >= 20 and line not in source and not line.startswith("#"):
                assert line not in text, f"{stem} {cell_id}: {line}"


def test_a_changed_book_cell_makes_the_build_fail(tmp_path):
    stem, cell_id = next(iter(builder.student_cells()))
    nb = nbformat.read(ROOT / "book" / f"{stem}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    assert builder.code_fingerprint(cell.source + "\n# a comment") == builder.code_fingerprint(cell.source)
    cell.source += "\nx = 1"
    nbformat.write(nb, tmp_path / f"{stem}.ipynb")
    with pytest.raises(ValueError, match="changed"):
        builder.student_notebook(tmp_path / f"{stem}.ipynb", builder.graded_names())


def test_outputs_before_the_first_graded_cell_only_and_no_full_scale_glue(dist):
    names = builder.graded_names()
    for path in sorted((dist / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = builder.first_graded_cell(nb, names)
        for i, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                assert i < first, f"{path.name} cell {i} keeps an output after the first graded cell"
                name = output.get("metadata", {}).get("scrapbook", {}).get("name", "")
                assert not name.startswith("full_"), f"{path.name} cell {i}: glued {name}"
            if cell.cell_type == "code":
                assert "NBVAL_TOLERANCE" not in cell.source, f"{path.name} cell {i}"
        assert nb.metadata["kernelspec"]["name"] == "python3"


def test_no_results_file_ships(dist):
    assert not (dist / "book" / "results").exists()
    assert not [p for p in dist.rglob("*.json") if p.parent.name == "results"]


def test_the_chapters_run_without_the_book_s_machinery(dist):
    """No hwbook in the build, no cell or module that imports it or uses its objects, no glued value
    left in an output; the cells that only glued or showed results are gone, the others kept."""
    assert not list(dist.rglob("hwbook"))
    for path in sorted((dist / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        book = nbformat.read(ROOT / "book" / path.name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert not re.search(r"\bhwbook\b|\bresults\.(report|table|save|full)\b|ChapterResults|"
                                 r"\brecorded\(|myst_nb", cell.source), f"{path.name}: {cell.source[:300]}"
            ast.parse(cell.source)
            for output in cell.get("outputs", []):
                assert "scrapbook" not in output.get("metadata", {}), f"{path.name}: a glued output"
        prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert "{glue" not in prose, f"{path.name}: a glue role left (it renders as a hole)"
        if any("{glue" in c.source for c in book.cells if c.cell_type == "markdown"):
            assert builder.LEFT_OUT in prose and builder.LEFT_OUT_NOTE in prose, path.name
        kept = {c.get("id") for c in nb.cells}
        for cell in book.cells:
            hidden = {"remove-input", "remove-cell"} & set(cell.metadata.get("tags", []))
            if cell.get("id") not in kept:
                uses = re.search(r"results\.|recorded\(|markdown_table\(", cell.source)
                assert cell.cell_type == "code" and uses and (hidden or "results" in cell.source), \
                    f"{path.name}: dropped {cell.source[:200]}"
    shipped = "\n".join(p.read_text(encoding="utf-8") for p in (dist / "hwlib").rglob("*.py"))
    assert not re.search(r"(import|from) hwbook\b", shipped)


def test_strip_machinery_keeps_clean_code_and_its_names():
    tainted = set()
    source = ("from hwbook.results import ChapterResults\nimport numpy as np\n"
              'results = ChapterResults("x", "results")\n')
    assert builder.strip_machinery(source, tainted) == "import numpy as np"
    assert {"ChapterResults", "results"} <= tainted
    cell = ("for cell in ('rnn', 'lstm'):\n    h = cell.upper()\n    results.report(cell, h)\n"
            "if results.full:\n    for cell in 'ab':\n        assert results.full[cell]\n"
            "for k in 'ab':\n    results.report(k, 1)\nprint(cell, h)\n")
    assert builder.strip_machinery(cell, tainted) == "for cell in ('rnn', 'lstm'):\n    h = cell.upper()\nprint(cell, h)"
    assert builder.strip_machinery("def f(x):\n    return x\n\n\nf(1)\n", tainted) == "def f(x):\n    return x\n\n\nf(1)\n"


def test_the_public_recording_holds_first_cases_only(dist):
    with open(dist / builder.GRADER / builder.PUBLIC_NAME, "rb") as f:
        public = pickle.load(f)
    with open(builder.EXPECTED, "rb") as f:
        full = pickle.load(f)
    for name, entry in public.items():
        first = list(full[name]["outputs"])[:1]
        assert list(entry["outputs"]) == first and set(entry["caches"]) <= set(first), name
    assert not list(dist.rglob(builder.EXPECTED.name))


def test_only_what_running_and_grading_need_ships(dist):
    assert not list(dist.rglob("reproducible.py")) and not list(dist.rglob("nbval_tolerance.py"))
    assert not list(dist.rglob("results.py"))
    assert not (dist / "book" / "nbval-sanitize.cfg").exists()
    assert not (dist / "book" / "for_instructors.md").exists()
    assert {p.name for p in dist.iterdir()} == {"README.md", "requirements.txt", "pyproject.toml", "hwlib",
                                                 builder.GRADER, "book", "_toc.yml", "_config.yml", "data"}
    assert sorted(p.name for p in (dist / "data").iterdir()) == [".gitignore", "README.md"]
    shipped = "\n".join(p.read_text(encoding="utf-8") for p in (dist / "hwlib").rglob("*.py"))
    assert not re.search(r"(import|from) hwbook\b", shipped) and "nbval_tolerance" not in shipped
    assert "nbval_tolerance" not in "\n".join(c.source for p in (dist / "book").glob("*.ipynb")
                                              for c in nbformat.read(p, as_version=4).cells)
    requirements = (dist / "requirements.txt").read_text().lower()
    packages = {line.split("==")[0] for line in requirements.split("\n") if line and not line.startswith("#")}
    assert not packages & {"jupyter-book", "selenium", "pytest", "nbval", "ai-edge-litert", "hypothesis"}
    assert packages & {"notebook", "jupyterlab"} and "ipykernel" in packages
    book_pins = set((ROOT / "requirements.txt").read_text().lower().split("\n"))
    pinned = [line for line in requirements.split("\n") if line and not line.startswith("#")]
    assert all("==" in line for line in pinned), pinned                  # every package pinned
    assert {"torch==", "numpy=="} <= {line.split("==")[0] + "==" for line in pinned}
    assert all(line in book_pins for line in pinned if line.split("==")[0] in {"torch", "numpy", "ipykernel"})


def test_the_student_readme_is_the_course_file_and_says_what_a_student_needs(dist):
    readme = (dist / "README.md").read_text()
    assert readme == (ROOT / "course" / "student" / "README.md").read_text()
    for topic in ("## Install", "## Open and run the notebooks", "## Order of work", "## Grade your work locally",
                  "## What to upload to Gradescope", "book/intro.md", "pip install -r requirements.txt",
                  "jupyter notebook", "python -m hwgrade", "hwlib/"):
        assert topic in readme, topic
    assert (dist / "book" / "intro.md").read_text() == (ROOT / "book" / "intro.md").read_text()
    assert "reading guide" in (dist / "book" / "intro.md").read_text()


def test_the_student_toc_has_no_instructors_page(dist):
    toc = (dist / "_toc.yml").read_text()
    assert "for_instructors" not in toc and "book/07_transformers" in toc
    for line in toc.split("\n"):
        if line.strip().startswith(("- file:", "root:")):
            page = line.split(":", 1)[1].strip()
            assert (dist / f"{page}.ipynb").exists() or (dist / f"{page}.md").exists(), page
