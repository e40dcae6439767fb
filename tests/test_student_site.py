"""The student site (``make student-site``, built from the student version into
dist/assignment/_build/html, or $HWLIB_SITE): no page holds a solution, a derived answer, a
reported number or the instructors' page. The browser checks are tests/test_site.py's, run on it by
``make student-browser``."""

import html
import os
import re
from pathlib import Path

import pytest

from conftest import ROOT
from test_assignment import GENERIC_LINES, builder
from test_student_build import ANSWERS, COINCIDENCES, reported_numbers

SITE = Path(os.environ.get("HWLIB_SITE", ROOT / "dist" / "assignment" / "_build" / "html"))
pytestmark = [pytest.mark.student_site,
              pytest.mark.skipif(not (SITE / "index.html").exists(), reason=f"no student site at {SITE}")]


def _pages():
    return {p: html.unescape(re.sub(r"<[^>]+>", "", p.read_text(encoding="utf-8")))
            for p in SITE.rglob("*.html")}


def _solution_lines():
    """Lines that only the reference's solution regions contain (as tests/test_assignment.py
    finds them), at least 20 characters long."""
    outside, inside = set(), set()
    for path, regions in builder.regions_by_file().items():
        lines = path.read_text(encoding="utf-8").split("\n")
        body = {i for _, first, last in regions for i in range(first + 1, last)}
        inside |= {lines[i].strip() for i in body}
        outside |= {lines[i].strip() for i in range(len(lines)) if i not in body}
    for path in (ROOT / "hwlib").rglob("*.py"):
        if path not in builder.regions_by_file():
            outside |= {line.strip() for line in path.read_text(encoding="utf-8").split("\n")}
    return {line for line in inside - outside - GENERIC_LINES if len(line) >= 20 and not line.startswith("#")}


def test_every_chapter_is_a_page_and_the_instructors_page_is_not():
    names = {p.name for p in SITE.rglob("*.html")}
    assert {f"{p.stem}.html" for p in (ROOT / "book").glob("*.ipynb")} <= names
    assert "for_instructors.html" not in names
    assert not any("for_instructors" in text for text in _pages().values())


def test_no_page_holds_a_line_of_a_solution_or_a_derived_answer():
    solutions = _solution_lines()
    assert len(solutions) > 50
    leaks = [f"{p.name}: {line}" for p, text in _pages().items() for line in solutions | set(ANSWERS)
             if line in text]
    assert not leaks, "\n".join(leaks[:20])


def test_no_page_holds_a_solution_cell():
    """The book's solution cells (derivations, exercise solutions) are not on any page."""
    import nbformat

    texts = "\n".join(_pages().values())
    for path in (ROOT / "book").glob("*.ipynb"):
        cells = nbformat.read(path, as_version=4).cells
        # lines the chapter's other cells also hold (calls of shipped functions) are not solutions
        shared = "\n".join(c.source for c in cells if builder.SOLUTION_TAG not in c.metadata.get("tags", []))
        for cell in cells:
            if builder.SOLUTION_TAG in cell.metadata.get("tags", []):
                for line in cell.source.split("\n"):
                    line = line.strip()
                    if len(line) >= 40 and line not in shared:
                        assert line not in texts, f"{path.name}: {line[:80]}"


def test_no_page_holds_a_reported_number():
    numbers = reported_numbers()
    allowed = {number for _, number in COINCIDENCES}
    leaks = [f"{p.name}: {n} ({numbers[n]})" for p, text in _pages().items() for n in numbers
             if n not in allowed and re.search(rf"(?<![\d.]){re.escape(n)}(?!\d)", text)]
    assert not leaks, "\n".join(leaks[:20])
