"""What a student uploaded, turned into one ``hwlib/`` package to grade.

Accepted, as Gradescope users upload: the ``hwlib/`` folder (whole, or only the edited files,
at any depth up to six folders down), the edited module files flat (hwlib's names, such as
``conv.py`` for ``hwlib/layers/conv.py``; the names hwlib's modules had before the layers package,
such as ``convolution.py``: ``RENAMED``; or the homework's, such as ``cnn_layers.py``: ``ALIASES``),
or a zip of any of these (the whole student folder included). The files found replace the starter
version's (the untouched student version the autograder ships), so each function is graded on what
was uploaded and a module that was not uploaded is the starter's. A file written for the earlier
layout also has its imports of the earlier module paths rewritten to the new ones
(:func:`modernize`), line numbers kept. The package's ``__init__.py`` is always the starter's:
students write nothing there, and an error in theirs must not cost every function.
Symbolic links, files over 5 MB and zip members that would land outside their folder are ignored.
"""

import ast
import os
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

# hwlib's files before the layers package and the split of transfer.py, and the module(s) each one
# is now: a file of the earlier layout, uploaded flat or inside hwlib/, is graded as each of them.
_TRANSFER = ("transfer/surgery.py", "transfer/training.py", "transfer/visualize.py")
RENAMED = {"layers.py": ("layers/dense.py",), "convolution.py": ("layers/conv.py",),
           "pooling.py": ("layers/pool.py",), "rnn_layers.py": ("layers/recurrent.py",),
           "blocks.py": ("layers/composite.py",), "transfer.py": _TRANSFER}
# The homework's file names (seed documents 000 and 001) and the hwlib module(s) each one is.
ALIASES = {"cnn_layers.py": ("layers/conv.py",), "cnn.py": ("models/classifiers.py",),
           "softmax.py": ("models/classifiers.py",), "rnn.py": ("models/captioning.py",),
           "transfer_learning.py": _TRANSFER, "transformer_trainer.py": ("trainer.py",)}
# Module paths of the earlier layout -> where those names live now (for modernize).
_MODULES = {"hwlib._checks": "hwlib.layers._checks", "hwlib.convolution": "hwlib.layers.conv",
            "hwlib.pooling": "hwlib.layers.pool", "hwlib.rnn_layers": "hwlib.layers.recurrent",
            "hwlib.blocks": "hwlib.layers.composite", "hwlib.naive": "hwlib.layers.naive"}
# The earlier hwlib.layers re-exported the convolution and pooling layers.
_SUBMODULES = {"dense", "conv", "pool", "recurrent", "composite", "naive", "_checks"}
_LAYER_NAMES = {"dense": {"fc_forward", "fc_backward", "relu_forward", "relu_backward", "softmax_loss",
                          "log_softmax"},
                "pool": {"max_pool_forward", "max_pool_backward", "avg_pool_forward", "avg_pool_backward"}}
MAX_DEPTH = 6
MAX_FILE = 5 * 2 ** 20
MAX_ZIP_TOTAL = 200 * 2 ** 20
SKIP = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", "venv", ".venv"}


class UploadError(Exception):
    """Nothing gradable was found; the message says what was expected."""


def expected_text():
    return ("Upload the hwlib/ folder (or only the files of it you edited), or the edited module files "
            "themselves (e.g. conv.py, recurrent.py, models/captioning.py as captioning.py, the earlier "
            f"names {', '.join(sorted(RENAMED))}, or the homework's names: {', '.join(sorted(ALIASES))}), "
            "or a zip of any of these.")


def module_names(starter):
    """{flat file name: (paths inside hwlib/)} for the starter's modules whose file name is unique,
    the earlier names (``RENAMED``) and the homework's (``ALIASES``)."""
    counts, paths = {}, {}
    for path in Path(starter).rglob("*.py"):
        rel = path.relative_to(starter).as_posix()
        counts[path.name] = counts.get(path.name, 0) + 1
        paths[path.name] = (rel,)
    names = {n: p for n, p in paths.items() if counts[n] == 1 and n != "__init__.py"}
    return names | {a: t for a, t in {**RENAMED, **ALIASES}.items() if a not in names}


def _family(name):
    return next((f for f, names in _LAYER_NAMES.items() if name in names), "conv")


def modernize(source):
    """``source`` with its imports of the earlier module paths (``hwlib.convolution``, the
    re-exporting ``hwlib.layers``, ``from hwlib import rnn_layers``...) rewritten to the modules those
    names live in now; every other line, and the number of lines, unchanged."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source                       # graded as it is: the grader reports the error
    lines = source.split("\n")
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level or node.col_offset:
            continue
        names = [(a.name, a.asname) for a in node.names]
        new = []
        if node.module in _MODULES:
            new.append(f"from {_MODULES[node.module]} import " + ", ".join(_alias(n, a) for n, a in names))
        elif node.module == "hwlib.layers" and not all(n in _SUBMODULES for n, _ in names):
            by_family = {}
            for n, a in names:
                by_family.setdefault(_family(n), []).append(_alias(n, a))
            new += [f"from hwlib.layers.{f} import {', '.join(items)}" for f, items in sorted(by_family.items())]
        elif node.module == "hwlib" and any(n in {m.split(".")[-1] for m in _MODULES} | {"layers"}
                                            for n, _ in names):
            for n, a in names:
                if n == "layers":           # the earlier hwlib.layers: every dense, conv and pool layer
                    new.append("import types as _types; import hwlib.layers as _l; from hwlib.layers import "
                               f"conv as _c, dense as _d, pool as _p; {a or n} = _types.SimpleNamespace("
                               "**{**vars(_l), **vars(_d), **vars(_c), **vars(_p)})")
                elif f"hwlib.{n}" in _MODULES:
                    new.append(f"import {_MODULES['hwlib.' + n]} as {a or n}")
                else:
                    new.append(f"from hwlib import {_alias(n, a)}")
        if new:
            edits.append((node.lineno - 1, node.end_lineno - 1, "; ".join(new)))
    for first, last, text in sorted(edits, reverse=True):
        lines[first:last + 1] = [text] + [""] * (last - first)
    return "\n".join(lines)


def _alias(name, asname):
    return f"{name} as {asname}" if asname else name


def _extract(archive, dest):
    total = 0
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist()[:5000]:
            name = PurePosixPath(info.filename)
            if info.is_dir() or name.suffix not in (".py", ".zip") or name.is_absolute() or ".." in name.parts or \
                    stat.S_ISLNK(info.external_attr >> 16) or info.file_size > MAX_FILE:
                continue
            total += info.file_size
            if total > MAX_ZIP_TOTAL:
                break
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def _unpack(upload, work):
    """A copy of the upload's .py and .zip files in ``work``, every zip (to two levels) extracted
    beside it."""
    upload = Path(upload)
    copy = work / "upload"
    copy.mkdir(parents=True)
    if upload.is_file():
        shutil.copy(upload, copy / upload.name)
    else:
        for folder, dirs, files in os.walk(upload, followlinks=False):
            rel = Path(folder).relative_to(upload)
            dirs[:] = [d for d in dirs if d not in SKIP and not (Path(folder) / d).is_symlink()
                       and len(rel.parts) < MAX_DEPTH + 2]
            for name in files:
                src = Path(folder) / name
                if not name.endswith((".py", ".zip")) or src.is_symlink() or not src.is_file() \
                        or src.stat().st_size > MAX_FILE:
                    continue                 # only what can be graded (not a student's data cache)
                (copy / rel).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, copy / rel / name)
    for _ in range(2):
        for archive in sorted(copy.rglob("*.zip")):
            try:
                _extract(archive, archive.with_name(archive.stem + "_zip"))
            except (zipfile.BadZipFile, OSError, ValueError):
                pass
            archive.unlink()
    return copy


def _walk(root):
    """(depth, folder) of every folder under ``root``, shallowest first."""
    found = []
    for folder, dirs, _ in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.startswith(".")) if depth < MAX_DEPTH else []
        found.append((depth, Path(folder)))
    return sorted(found, key=lambda item: (item[0], str(item[1])))


def assemble(upload, starter, dest):
    """Write the package to grade to ``dest/hwlib``; returns notes (what was taken from where).
    ``starter`` is a folder holding the untouched hwlib/ (None: the upload must be complete)."""
    dest = Path(dest)
    work = dest / ".unpack"
    copy = _unpack(upload, work)
    starter = Path(starter) / "hwlib" if starter else None
    names = module_names(starter) if starter else {}
    taken, notes = {}, []
    packages = [f for _, f in _walk(copy) if f.name == "hwlib" and any(f.rglob("*.py"))]
    if packages:
        package = packages[0]
        for path in sorted(package.rglob("*.py")):
            if not any(part in SKIP for part in path.parts):
                rel = path.relative_to(package).as_posix()
                for target in RENAMED.get(rel, (rel,)):          # an earlier layout's file: its new place
                    taken.setdefault(target, path)
        notes.append(f"graded the hwlib/ found at {package.relative_to(copy).as_posix() or '.'}")
    elif names:
        for _, folder in _walk(copy):
            files = {p.name: p for p in folder.glob("*.py") if p.name in names}
            if files:
                for name in sorted(files, key=lambda n: (n in RENAMED, n in ALIASES)):   # hwlib's names first
                    for target in names[name]:
                        if target in taken and taken[target].read_bytes() != files[name].read_bytes():
                            notes.append(f"{name} ignored: {taken[target].name} is the same module ({target})")
                            continue
                        taken.setdefault(target, files[name])
                where = folder.relative_to(copy).as_posix()
                notes.append(f"graded the module files found at {where if where != '.' else 'the top'}: "
                             + ", ".join(f"{p.name} as hwlib/{t}" for t, p in sorted(taken.items())))
                break
    if not taken:
        raise UploadError("No hwlib module was found in the submission. " + expected_text())
    target = dest / "hwlib"
    if starter:
        shutil.copytree(starter, target, ignore=shutil.ignore_patterns("__pycache__"))
        if "__init__.py" in taken:
            del taken["__init__.py"]
            notes.append("hwlib/__init__.py is the starter's (yours is not used)")
    elif "__init__.py" not in taken:
        raise UploadError("The uploaded hwlib/ has no __init__.py and no starter version is here to complete "
                          "it. " + expected_text())
    for rel, path in taken.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            (target / rel).write_text(modernize(path.read_text(encoding="utf-8")), encoding="utf-8")
        except UnicodeDecodeError:
            shutil.copyfile(path, target / rel)
    if starter:
        notes.append(f"{len(taken)} file(s) from the upload, every other module from the starter version")
    shutil.rmtree(work, ignore_errors=True)
    return notes
