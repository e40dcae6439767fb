"""Cross-references in the book are links, and every one of them leads somewhere.

- Every mention of "chapter N", "chapters N and M", "exercise M", "chapter N, exercise M" or
  "ch. N" in the prose (the chapters' Markdown cells, the intro, the instructors' page) is a MyST
  link: ``[chapter 3](03_softmax_and_two_layer_net.ipynb)`` to a chapter, ``[exercise 2](#ch3-ex2)``
  to a target written ``(ch3-ex2)=`` before an exercise or a heading. The book of 31abab3 failed
  here: 34 mentions in the chapters and 61 in the intro (its whole reading guide) were plain text.
- Every such link resolves: a ``#label`` to a target defined once in the book, a file to a page
  of the table of contents. (The build, run with ``--nitpick -W``, refuses a broken one too; this
  check names it without a build.) On the built site (browser stage) every in-book link's
  fragment is an id on its page.
- Every back-link of the library, a docstring's "Explained in chapter N, *Title* ("Section")",
  names a chapter by its number and title and a section heading that chapter has.
"""

import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
PAGES = [BOOK / "intro.md", BOOK / "for_instructors.md"]

MENTION = re.compile(r"\b(chapters?|exercises?|ch\.)\s+(\d+|LINK)"
                     r"((?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*[–-]\s*)(?:\d+|LINK)\b)*)", re.I)
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
ROLE = re.compile(r"\{(?:ref|numref|doc)\}`[^`]*`")
TARGET = re.compile(r"^\s*(?:\d+\.\s+)?\(([\w-]+)\)=\s*$", re.M)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$", re.M)


def _markdown(path):
    """The Markdown prose of a page: its Markdown cells, or the file."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def _without_code_blocks(text):
    """``text`` without the contents of fenced code blocks; a directive's fence (```{admonition}
    ...) holds prose and stays."""
    kept, fences = [], []  # fences: (backticks, is code) of the open blocks
    for line in text.split("\n"):
        m = re.match(r"^\s*(`{3,}|:{3,})(.*)$", line)
        if m:
            marker, info = m.group(1), m.group(2).strip()
            if fences and marker == fences[-1][0] and not info:
                fences.pop()
                continue
            if not (fences and fences[-1][1]):  # a fence inside a code block is its text
                fences.append((marker, not info.startswith("{")))
                continue
        if not any(code for _, code in fences):
            kept.append(line)
    return "\n".join(kept)


def _prose(text):
    """The text a reader reads as prose: code blocks (not directives), inline code, math and
    headings left out, every link and cross-reference role replaced by the word LINK."""
    text = _without_code_blocks(text)
    text = HEADING.sub("", text)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = ROLE.sub("LINK", text)
    text = LINK.sub("LINK", text)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\$[^$]*\$", "", text)
    return " ".join(text.split())


def _all_pages():
    return CHAPTERS + PAGES


def test_the_book_has_its_pages():
    assert len(CHAPTERS) == 7 and all(p.is_file() for p in PAGES)


def test_unlinked_mentions_are_found():
    """The check itself: plain mentions are caught, linked ones pass."""
    plain = ["as in chapter 1, every", "Chapters 1 and 2 derived", "(chapter 3, exercise 2)",
             "exercise 4 asks", "chapters [1](a.ipynb) and 2", "ch. 4, MNIST", "in chapter 5 exercises 1, 4"]
    linked = ["as in [chapter 1](a.ipynb), every", "Chapters [1](a.ipynb) and [2](b.ipynb) derived",
              "([chapter 3, exercise 2](#ch3-ex2))", "[exercise 4](#ch4-ex4) asks",
              "chapters [1](a.ipynb)–[4](b.ipynb)", "[ch. 4, MNIST](#ch4-mnist)",
              "in [chapter 5](c.ipynb) exercises [1](#ch5-ex1), [4](#ch5-ex4)",
              "the next chapter", "## Exercises\n\n1. (ch1-ex1)=\n   **A.** text"]
    assert all(_unlinked(_prose(t)) for t in plain)
    assert not any(_unlinked(_prose(t)) for t in linked)


def _unlinked(prose):
    return [m.group(0) for m in MENTION.finditer(prose) if re.search(r"\d", m.group(2) + m.group(3))]


@pytest.mark.parametrize("page", _all_pages(), ids=lambda p: p.name)
def test_every_chapter_and_exercise_mention_is_a_link(page):
    unlinked = _unlinked(_prose(_markdown(page)))
    assert not unlinked, f"{page.name}: write these as MyST links: {unlinked}"


def _targets():
    found = {}
    for page in _all_pages():
        for label in TARGET.findall(_markdown(page)):
            found.setdefault(label, []).append(page.name)
    return found


def test_targets_are_defined_once():
    twice = {label: pages for label, pages in _targets().items() if len(pages) > 1}
    assert not twice
    # every exercise of every chapter has its target
    for path in CHAPTERS:
        n = int(path.name[:2])
        exercises = re.search(r"^## Exercises\n(.*)", _markdown(path), re.M | re.S).group(1)
        count = len(re.findall(r"^\d+\. ", exercises.split("```")[0], re.M))
        assert count >= 3
        assert all(f"ch{n}-ex{k}" in _targets() for k in range(1, count + 1)), path.name


@pytest.mark.parametrize("page", _all_pages(), ids=lambda p: p.name)
def test_every_link_resolves(page):
    targets, toc = _targets(), (ROOT / "_toc.yml").read_text(encoding="utf-8")
    broken = []
    for text, dest in LINK.findall(_markdown(page)):
        if dest.startswith(("http://", "https://", "mailto:")):
            continue
        if dest.startswith("#"):
            if dest[1:] not in targets:
                broken.append(f"[{text}]({dest}): no target ({dest[1:]})=")
        else:
            path = (page.parent / dest.split("#")[0]).resolve()
            doc = path.relative_to(ROOT).with_suffix("").as_posix() if path.is_relative_to(ROOT) else ""
            if not path.is_file() or f"file: {doc}\n" not in toc + "\n" and f"root: {doc}\n" not in toc:
                broken.append(f"[{text}]({dest}): not a page of the book")
    assert not broken, f"{page.name}: {broken}"


def _headings(path):
    """(title, [section headings]) of a chapter, as plain text (no $, `, *)."""
    heads = [(len(h), re.sub(r"[$`*\\]", "", t)) for h, t in HEADING.findall(_markdown(path))]
    return heads[0][1], [t for level, t in heads[1:]]


BACKLINK = re.compile(r'Explained in chapter (\d+)(?:, \*([^*]+)\*)?(?:,? \((?:section )?"([^"]+)"\)|, "([^"]+)")?')


def _backlinks():
    found = []
    for path in sorted((ROOT / "hwlib").rglob("*.py")) + sorted((ROOT / "hwgrade").rglob("*.py")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        for m in BACKLINK.finditer(text):
            found.append((path.relative_to(ROOT).as_posix(), int(m[1]), m[2], m[3] or m[4]))
    return found


def test_explained_in_backlinks_name_a_real_chapter_and_section():
    backlinks = _backlinks()
    assert len(backlinks) >= 20  # the library's docstrings point back ~25 times
    chapters = {int(p.name[:2]): _headings(p) for p in CHAPTERS}
    wrong = []
    for where, n, title, section in backlinks:
        if n not in chapters:
            wrong.append(f"{where}: there is no chapter {n}")
            continue
        chapter_title, sections = chapters[n]
        if title and not chapter_title.lower().startswith(title.lower()):
            wrong.append(f"{where}: chapter {n} is *{chapter_title}*, not *{title}*")
        if section and not any(s.lower().startswith(section.lower()) for s in sections):
            wrong.append(f'{where}: chapter {n} has no section "{section}"')
    assert not wrong, wrong


@pytest.mark.browser
def test_built_links_land_on_an_id():
    """On the built site every link between the book's pages ends on an element of its page."""
    from bs4 import BeautifulSoup

    site = ROOT / "_build" / "html"
    pages = sorted((site / "book").glob("*.html"))
    assert pages, f"no built site at {site}: run the book build first"
    ids = {p.name: {t["id"] for t in BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").find_all(id=True)}
           for p in pages}
    broken, checked = [], 0
    for page in pages:
        article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("article")
        for a in article.find_all("a", href=True):
            href = a["href"]
            if href.startswith(("http", "mailto:", "../_", "_")) or "reference" not in a.get("class", []):
                continue
            name, _, fragment = href.partition("#")
            name = name or page.name
            if name not in ids:
                continue
            checked += 1
            if fragment and fragment not in ids[name]:
                broken.append(f"{page.name}: {a.get_text()!r} -> {href}")
    assert checked > 50 and not broken, broken


@pytest.mark.browser
def test_built_prose_shows_no_raw_markup():
    """No backtick, glue role or MyST target is left as text in the built prose (31abab3: chapter 4's
    "Recorded with `python bench/conv_bench.py –threads 2 …`", a command glued as text, showed
    its backticks, and Sphinx's smart quotes made an en dash of ``--threads``)."""
    from bs4 import BeautifulSoup

    pages = sorted((ROOT / "_build" / "html" / "book").glob("*.html"))
    assert pages, "no built site: run the book build first"
    raw = []
    for page in pages:
        article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("article")
        for block in article.find_all(["p", "li", "td", "th", "figcaption"]):
            if block.find_parent(["pre", "div"], class_=re.compile("highlight|output|cell_output")):
                continue
            for code in block.find_all(["code", "pre", "script", "mjx-container"]):
                code.decompose()
            for math in block.find_all(class_="math"):
                math.decompose()
            text = block.get_text(" ")
            # a "$" left over is math that was not parsed as math (a $$ block glued to the line
            # above it, inside a list item: chapter 7's learning-rate schedule showed its TeX)
            if "`" in text or "$" in text or "{glue" in text or re.search(r"\(\w[\w-]*\)=", text):
                raw.append(f"{page.name}: {text.strip()[:100]}")
    assert not raw, raw


API_NAME = re.compile(r"`(hwlib(?:\.\w+)+)")


def _resolves(dotted):
    """Whether ``hwlib.a.b.c`` names a module or an attribute reachable from the longest
    importable module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


@pytest.mark.parametrize("page", _all_pages(), ids=lambda p: p.name)
def test_every_hwlib_name_in_the_prose_exists(page):
    """A reader who types the import path a page names finds it (old module names stay only
    as the grader's aliases for flat uploads, not as paths the book teaches)."""
    names = sorted(set(API_NAME.findall(_markdown(page))))
    missing = [name for name in names if not _resolves(name)]
    assert not missing, f"{page.name} names what hwlib does not have: {missing}"
