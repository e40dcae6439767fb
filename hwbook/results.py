"""The numbers a chapter states: computed, glued into its prose, and kept for the full-scale run.

Every measured number on a page comes from code, and reaches the prose one way. A chapter creates
``results = ChapterResults(name, "results")`` (the folder of the results files, relative to the
chapter's folder: the kernel runs in ``book/``) and calls ``results.report(key, value, fmt)`` for
each number or phrase it states: the value is formatted once, glued (``myst_nb.glue``) so that the
prose can show it with ``{glue:text}`key```, and remembered.

Under ``HWLIB_FULL=1`` the chapter ends with ``save()``, which writes what it reported to the
committed file ``<results_dir>/<name>.json``. At the CI scale the chapter reads that file back and
glues each full-scale number as ``full_<key>``, so the sentences and the results table about the
full run show what the last full run measured; a new full run updates them, and nothing about
either scale is typed by hand.

Tables are built one way too: ``markdown_table(header, rows, align)`` gives the Markdown text of
one table, and ``ChapterResults.table(rows)`` is that table with a column for each scale.
Measurements a chapter shows but does not make (the benchmark scripts' records) are read with
``recorded(name, results_dir)``.
"""

import datetime
import json
import platform
import re
from pathlib import Path

from hwlib.scale import full_scale


def glue(key, text, as_markdown=False):
    """Glue ``text`` (a string) under ``key`` for the prose, without displaying it; with
    ``as_markdown`` as Markdown, for ``{glue:md}`` (inline code such as a command line, which
    ``{glue:text}`` would show with its backticks and typographic dashes). Chapters glue through
    ``ChapterResults.report``, which formats and remembers the value first."""
    from myst_nb import glue as myst_glue

    if as_markdown:
        from IPython.display import Markdown

        myst_glue(key, Markdown(text), display=False)
    else:
        myst_glue(key, text, display=False)


def spread(values, fmt="{:.3f}"):
    """One value as itself; several (one per seed) as their mean and range: '0.497 (0.476–0.514)'."""
    values = [float(v) for v in values]
    if len(values) == 1:
        return fmt.format(values[0])
    mean = sum(values) / len(values)
    return f"{fmt.format(mean)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def spread_values(text):
    """The numbers behind a ``spread`` text, as (mean, lowest, highest): '0.497 (0.476–0.514)' gives
    (0.497, 0.476, 0.514) and a single value '0.5' gives (0.5, 0.5, 0.5); thousands separators are
    allowed. For the prose's comparisons with a recorded full run (``ChapterResults.full``)."""
    match = re.fullmatch(r"\s*([-\d.,]+)(?:\s*\(([-\d.,]+)–([-\d.,]+)\))?\s*", str(text))
    if not match:
        raise ValueError(f"not a value or a 'mean (low–high)' spread: {text!r}")
    mean, low, high = (None if g is None else float(g.replace(",", "")) for g in match.groups())
    return (mean, mean, mean) if low is None else (mean, low, high)


def minutes(seconds):
    """A duration as the book prints it, e.g. '2.4 min' (nbval masks durations when it compares)."""
    return f"{seconds / 60:.1f} min"


def seconds(value):
    """A short duration with two significant digits, e.g. '9.5 s' or '0.042 s'."""
    return f"{float(f'{value:.2g}'):g} s"


class ChapterResults:
    """The reported numbers of one chapter (see the module).

    - ``values``: key -> text reported by this run
    - ``full``: key -> text recorded by the last full-scale run (empty at full scale, or if none)
    """

    def __init__(self, name, results_dir):
        self.name = name
        self.path = Path(results_dir) / f"{name}.json"
        self.values = {}
        self.full = {}
        if not full_scale() and self.path.is_file():
            self.full = json.loads(self.path.read_text(encoding="utf-8"))["values"]
            for key, text in self.full.items():
                glue(f"full_{key}", text)

    def report(self, key, value, fmt="{:.3f}", as_markdown=False):
        """Format ``value`` with ``fmt`` (a format string or a function), glue and remember it: the one
        way a chapter puts a value into its prose (``fmt="{}"`` for a text as it is). At full scale
        it is glued as ``full_<key>`` too, for the pages' full-scale sentences. ``as_markdown``:
        see ``glue``."""
        text = fmt(value) if callable(fmt) else fmt.format(value)
        self.values[key] = text
        glue(key, text, as_markdown)
        if full_scale():
            glue(f"full_{key}", text, as_markdown)

    def table(self, rows, first_column=""):
        """The results table of both scales (``markdown_table``, shown), one row per ``(label, template)``.

        A template names reported keys in braces, e.g. ``"{test_acc} ({train_minutes})"``; the CI
        column fills them from this run, the full column from the results file ("not recorded" when
        a key is missing there).
        """
        header = [first_column, "CI scale (this page)", "full scale (`HWLIB_FULL=1`)"]
        body = [(label, _fill(template, self.values), _fill(template, self.full)) for label, template in rows]
        return markdown(markdown_table(header, body))

    def save(self):
        """Write the reported numbers to the results file, at full scale only; returns its path or None."""
        if not full_scale():
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"chapter": self.name, "scale": "full", "recorded": datetime.date.today().isoformat(),
                  "machine": f"{platform.machine()}, {_kernels()}", "values": self.values}
        self.path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return self.path


def markdown_table(header, rows, align=None):
    """The Markdown text of one table: the one way a chapter builds a table of results.

    - header: the column titles
    - rows: one sequence of cells per row (each cell is shown as ``str(cell)``)
    - align: one letter per column, "l" (the default) or "r" for right-aligned numbers
    """
    align = align or "l" * len(header)
    if len(align) != len(header) or set(align) - {"l", "r"}:
        raise ValueError(f"align {align!r}: one 'l' or 'r' per column of {list(header)}")
    lines = [_row(header), _row("---:" if a == "r" else "---" for a in align)]
    for row in rows:
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"row {row} has {len(row)} cells for {len(header)} columns")
        lines.append(_row(row))
    return "\n".join(lines)


def markdown(*blocks):
    """Show Markdown blocks (tables, a sentence) as one output, a blank line between them."""
    from IPython.display import Markdown

    return Markdown("\n\n".join(blocks))


def _row(cells):
    return "| " + " | ".join(map(str, cells)) + " |"


def _kernels():
    """The pinned kernel choice in force."""
    from hwbook.reproducible import describe

    return describe()


def recorded(name, results_dir):
    """The record a benchmark script wrote to ``<results_dir>/<name>.json`` (a dict), for chapters that
    show measurements they do not make themselves (e.g. ``bench/conv_bench.py --record``)."""
    path = Path(results_dir) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run the script that records it (see its 'command')")
    return json.loads(path.read_text(encoding="utf-8"))


def _fill(template, values):
    try:
        return template.format(**values)
    except KeyError:
        return "not recorded"
