"""The package pins of every requirements file the course ships, read from the book's one list.

The book's ``requirements.txt`` is the one home of every version. The autograder's
``requirements*.txt`` (``course/autograder.py``) and the student version's ``requirements.txt``
(``course/student/requirements.txt``, a template: a bare name takes the book's pin; only the
packages the book does not install carry their own ``name==version``) are derived from it.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(#.*)?$")


def normal(name):
    """A distribution name as pip compares it ('Pillow' and 'pillow', 'myst_nb' and 'myst-nb')."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(names, requirements=REQUIREMENTS):
    """The lines of ``requirements`` that pin ``names``, in that order ("name==version"). Raises
    ValueError naming every package that has no exact pin there."""
    found = {}
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[normal(match.group(1))] = f"{match.group(1)}=={match.group(2)}"
    missing = [name for name in names if normal(name) not in found]
    if missing:
        raise ValueError(f"{requirements} has no `name==version` line for {', '.join(missing)}")
    return [found[normal(name)] for name in names]


def resolve(template, requirements=REQUIREMENTS):
    """The text of a requirements template with every bare package name replaced by the book's pin
    (comments and ``name==version`` lines kept as they are)."""
    out = []
    for line in Path(template).read_text(encoding="utf-8").splitlines():
        match = _NAME.match(line.strip())
        out.append(pins([match.group(1)], requirements)[0] if match else line)
    return "\n".join(out) + "\n"
