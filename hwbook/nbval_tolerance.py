"""A pytest plugin for nbval: compare the numbers a cell prints within the tolerance the cell declares.

nbval re-executes a notebook and compares every output with the committed one, character for
character. That is right for everything deterministic, and the book pins its floating-point
kernels (``hwbook.reproducible``) so that x86-64 machines with AVX2 reproduce the committed outputs
exactly. Some outputs still cannot be exact everywhere: training amplifies the last bit of a
matrix product into a different accuracy on an ARM laptop, under another kernel choice, or on the
original data files instead of the offline copies. A cell that prints such numbers declares, in
its metadata (out of the reader's way: the site never shows it), how far they may move and why::

    "metadata": {"nbval_tolerance": "abs=0.004 int=5: kernel choices move these by up to 0.002"}

The comparison then requires the text around the numbers to be identical and each number to be
within its tolerance; everything else stays exact. Rules (all optional, default 0 / exact):

* ``abs=A``, ``rel=R``: a decimal number (``0.646``) may move by max(A, R·|committed value|);
* ``int=N``: an integer (``776``) may move by N;
* ``sci=F``: a number in e-notation (``3.1e-10``, typically a round-off error) may differ by a
  factor of F; values below 1e-14 count as 1e-14 (two float64 results that agree to their last
  few bits: the order of a sum, which kernels choose, moves them between 0 and a few 1e-15).

A declaration in a cell's metadata applies to that cell. The same key in the notebook's metadata
sets the default for every cell of the notebook; a cell's own declaration replaces it. A
declaration left in a cell's source (the old ``# NBVAL_TOLERANCE ...`` comment) is an error, so
that no tolerance is silently dropped. Load with ``pytest -p hwbook.nbval_tolerance --nbval``.
"""

import difflib
import math
import re
from collections import defaultdict
from dataclasses import dataclass

MARKER = "NBVAL_TOLERANCE"  # the old in-source comment, now refused (see declared)
KEY = "nbval_tolerance"  # the metadata key, in a cell's or the notebook's metadata
_DECLARATION = re.compile(r"^(?P<rules>[^:]*)(?::\s*(?P<why>.*))?$", re.DOTALL)
_RULE = re.compile(r"(abs|rel|int|sci)\s*=\s*([0-9.eE+-]+)")
# A number not glued to a word: 12, 9,001, -0.5, 97.9, 3.1e-10 (not the 2 of "conv2d" or "x11").
NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")
ROUND_OFF_FLOOR = 1e-14


@dataclass(frozen=True)
class Tolerance:
    """How far the numbers of one cell's outputs may move (see the module)."""

    abs: float = 0.0
    rel: float = 0.0
    int: float = 0.0
    sci: float = 1.0
    why: str = ""

    @classmethod
    def parse(cls, text):
        """The Tolerance a declaration ``"abs=0.01 int=2: why"`` states.

        Raises ValueError for a declaration with an unknown rule or no reason.
        """
        if not isinstance(text, str):
            raise ValueError(f"{KEY}: expected a string such as 'abs=0.01: why', got {text!r}")
        match = _DECLARATION.match(text.strip())
        rules_text = match.group("rules").strip()
        rules = dict(_RULE.findall(rules_text))
        leftover = _RULE.sub("", rules_text).strip()
        if leftover or not rules:
            raise ValueError(f"{MARKER}: cannot read {rules_text!r}; expected rules such as abs=0.01 int=2 sci=10")
        if not (match.group("why") or "").strip():
            raise ValueError(f"{MARKER} {rules_text}: say why after a colon (what varies, and the spread measured)")
        values = {key: float(value) for key, value in rules.items()}
        if values.get("sci", 1.0) < 1 or any(v < 0 for v in values.values()):
            raise ValueError(f"{MARKER} {rules_text}: tolerances must be >= 0 and sci >= 1")
        return cls(**values, why=match.group("why").strip())

    def allows(self, expected, actual):
        """Is the printed number ``actual`` close enough to the committed ``expected`` (both strings)?"""
        if expected == actual:
            return True
        a, b = _value(expected), _value(actual)
        if "e" in expected.lower():
            a, b = max(abs(a), ROUND_OFF_FLOOR), max(abs(b), ROUND_OFF_FLOOR)
            return math.copysign(1, _value(expected)) == math.copysign(1, _value(actual)) and \
                abs(math.log10(a) - math.log10(b)) <= math.log10(self.sci) + 1e-12
        if "." in expected:
            return abs(a - b) <= max(self.abs, self.rel * abs(a)) + 1e-12
        return abs(a - b) <= self.int


def _value(text):
    return float(text.replace(",", ""))


def declared(metadata):
    """The Tolerance declared in a cell's or notebook's metadata (a dict), or None."""
    text = (metadata or {}).get(KEY)
    return None if text is None else Tolerance.parse(text)


def _refuse_source_declaration(source):
    if re.search(rf"#\s*{MARKER}\b", source):
        raise ValueError(f"a {MARKER} comment in a cell's source is no longer read: "
                         f"move it to the cell's metadata key {KEY!r}")


def compare_text(expected, actual, tolerance):
    """Problems (a list of strings, empty when it passes) comparing one committed and one new output."""
    if expected == actual:
        return []
    skeleton_expected, skeleton_actual = NUMBER.sub("#", expected), NUMBER.sub("#", actual)
    if skeleton_expected != skeleton_actual:
        diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(), "committed", "new", lineterm="", n=1)
        return ["the text differs, not only its numbers:", *list(diff)[:40]]
    problems = []
    for line_expected, line_actual in zip(expected.splitlines(), actual.splitlines()):
        for e, a in zip(NUMBER.findall(line_expected), NUMBER.findall(line_actual)):
            if not tolerance.allows(e, a):
                problems.append(f"{e} became {a} (allowed: {_allowed(e, tolerance)}) in: {line_actual.strip()[:100]}")
    return problems


def _allowed(number, tolerance):
    if "e" in number.lower():
        return f"a factor of {tolerance.sci:g}"
    if "." in number:
        return f"±{max(tolerance.abs, tolerance.rel * abs(_value(number))):g}"
    return f"±{tolerance.int:g}"


def _flatten(outputs, skip):
    """nbval's view of a cell's outputs: {key or MIME type: [values in order]} (strings only)."""
    flat = defaultdict(list)
    for output in outputs:
        for key, value in output.items():
            if key in skip:
                continue
            items = value.items() if key == "data" else [(key, value)]
            for sub, content in items:
                if sub not in skip:
                    flat[sub].append(content)
    return flat


def compare_outputs(self, test, ref, skip_compare=None):
    """Replacement for ``nbval.plugin.IPyNbCell.compare_outputs`` that honours declared tolerances."""
    from nbval.plugin import transform_streams_for_comparison

    skip = skip_compare or self.parent.skip_compare
    _refuse_source_declaration(self.cell.source)
    tolerance = declared(self.cell.metadata) or _notebook_default(self.parent) or Tolerance()
    new = _flatten(transform_streams_for_comparison(test), skip)
    old = _flatten(transform_streams_for_comparison(ref), skip)
    self.comparison_traceback = []
    if set(new) != set(old):
        self.comparison_traceback.append(f"output kinds differ: committed {sorted(old)}, new {sorted(new)}")
        return False
    problems = []
    for key, old_values in old.items():
        new_values = new[key]
        if len(new_values) != len(old_values):
            problems.append(f"{key}: {len(old_values)} committed outputs, {len(new_values)} new")
            continue
        for old_value, new_value in zip(old_values, new_values):
            old_value, new_value = self.sanitize(old_value), self.sanitize(new_value)
            if isinstance(old_value, str) and isinstance(new_value, str):
                problems += [f"{key}: {p}" for p in compare_text(old_value, new_value, tolerance)]
            elif old_value != new_value:
                problems.append(f"{key}: {old_value!r} became {new_value!r}")
    if problems and tolerance != Tolerance():
        problems.append(f"(declared: {_describe(tolerance)}: {tolerance.why})")
    self.comparison_traceback.extend(problems)
    return not problems


def _describe(tolerance):
    parts = [f"{k}={getattr(tolerance, k):g}" for k in ("abs", "rel", "int") if getattr(tolerance, k)]
    if tolerance.sci != 1:
        parts.append(f"sci={tolerance.sci:g}")
    return " ".join(parts) or "exact"


def _notebook_default(notebook_item):
    if not hasattr(notebook_item, "_hwlib_tolerance"):
        nb = getattr(notebook_item, "nb", {})
        notebook_item._hwlib_tolerance = declared(nb.get("metadata", {}))
    return notebook_item._hwlib_tolerance


def pytest_configure(config):
    from nbval import plugin as nbval_plugin

    nbval_plugin.IPyNbCell.compare_outputs = compare_outputs


def declarations(notebook_path):
    """Every tolerance a notebook declares: (cell number, 'cell' or 'notebook', Tolerance).

    Cells are numbered like nbval's ``Cell N``: code cells only, from 0; the notebook's default
    comes first, with the number None. Raises ValueError for a declaration left in a cell's source.
    """
    import json

    nb = json.loads(open(notebook_path, encoding="utf-8").read())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    found = []
    default = declared(nb.get("metadata", {}))
    if default is not None:
        found.append((None, "notebook", default))
    for number, cell in enumerate(code):
        _refuse_source_declaration("".join(cell["source"]))
        tolerance = declared(cell.get("metadata", {}))
        if tolerance is not None:
            found.append((number, "cell", tolerance))
    return found


def main(argv=None):
    """``python -m hwbook.nbval_tolerance NOTEBOOK...``: list what each chapter lets move, and why."""
    import sys

    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m hwbook.nbval_tolerance NOTEBOOK...", file=sys.stderr)
        return 2
    for path in paths:
        found = declarations(path)
        print(f"{path}: {len(found) or 'no'} declaration(s); everything else is compared exactly")
        for number, scope, tolerance in found:
            where = "notebook default" if scope == "notebook" else f"cell {number}"
            print(f"  {where:<17} {_describe(tolerance):<22} {tolerance.why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
