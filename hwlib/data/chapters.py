"""Which data each chapter needs, whether it is here, and what a chapter would download.

``registry.CHAPTERS`` lists, per chapter, its requirements; a requirement is a tuple of datasets
any one of which will do (chapter 4 reads CIFAR-10 from the upstream pickles or the offline JPEG
copy). ``chapter_status(name)`` says whether the chapter can run now, after a download, or not at
all; ``fetch_plan(names)`` turns dataset and chapter names into the datasets to fetch.
"""

from dataclasses import dataclass

from hwlib.data.registry import CHAPTERS, DATASETS, dataset
from hwlib.data.store import find_local


@dataclass
class Status:
    """A chapter's data: ``ready`` (all here), ``downloads`` (datasets it would fetch), ``blocked``
    (requirements that can be neither found nor downloaded)."""

    chapter: str
    found: dict        # dataset -> where its first file was found
    downloads: list
    blocked: list

    @property
    def ready(self):
        return not self.downloads and not self.blocked

    def line(self):
        if self.blocked:
            return f"cannot run: no copy of {' or '.join(self.blocked)}, here or online"
        if self.downloads:
            return f"downloads {', '.join(self.downloads)} first (python -m hwlib.data fetch {self.chapter})"
        if not self.found:
            return "ready (needs no data)"
        return "ready: " + ", ".join(f"{name} ({where})" for name, where in self.found.items())


def local_copy(name):
    """{file path: where it is} if every file of dataset ``name`` is here and verified, else None."""
    found = {}
    for f in dataset(name).files:
        path, _ = find_local(f)
        if path is None:
            return None
        found[f.path] = path
    return found


def downloadable(name):
    return all(f.url for f in dataset(name).files)


def chapter_name(selector):
    """The chapter a selector names: its full name, its number ('5', '05') or 'ch5'."""
    text = str(selector).lower().removeprefix("chapter").removeprefix("ch").strip("_ ")
    for name in CHAPTERS:
        if text == name or (text.isdigit() and int(text) == int(name.split("_")[0])):
            return name
    raise KeyError(f"unknown chapter {selector!r}; known: {', '.join(CHAPTERS)}")


def chapter_status(chapter):
    """The Status of ``chapter`` (a name from ``registry.CHAPTERS``), from local copies only."""
    found, downloads, blocked = {}, [], []
    for alternatives in CHAPTERS[chapter]:
        here = next(((name, copy) for name in alternatives if (copy := local_copy(name))), None)
        if here:
            found[here[0]] = next(iter(here[1].values())).parent
        elif any(downloadable(name) for name in alternatives):
            downloads.append(next(name for name in alternatives if downloadable(name)))
        else:
            blocked.append(" / ".join(alternatives))
    return Status(chapter, found, downloads, blocked)


def fetch_plan(selectors):
    """The datasets to fetch for dataset names and chapter selectors (all chapters' if none):
    a dataset named directly always; for a chapter, only what it lacks."""
    plan = []
    for selector in selectors or list(CHAPTERS):
        if selector in DATASETS:
            names = [selector]
        else:
            names = chapter_status(chapter_name(selector)).downloads
        plan += [name for name in names if name not in plan]
    return plan
