"""``python -m hwlib.data [list | fetch [NAME ...]]``: where every data file is, and fetching them ahead of time.

``list`` (the default) prints each registered file, where it was found and whether its checksum
holds. ``fetch`` downloads whatever is missing (what a student with internet runs once).
"""

import argparse
import sys
import warnings

from hwlib.data import (
    DATASETS,
    DataNotFoundError,
    dataset,
    find_local,
    locate,
    search_roots,
)


def _list():
    print("search order: " + " -> ".join(f"{label} ({root})" for label, root in search_roots()) + " -> download")
    missing = 0
    for ds in DATASETS.values():
        print(f"\n{ds.name}: {ds.title}")
        for f in ds.files:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found, tried = find_local(f)
            if found:
                print(f"  ok       {f.path}  ({found})")
                continue
            missing += 1
            bad = [str(where) for _, where, problem in tried if problem.startswith("checksum")]
            state = "CORRUPT " if bad else "missing "
            source = f"download from {f.url}" if f.url else f"no public URL: {f.note}"
            print(f"  {state} {f.path}  ({'bad copy at ' + ', '.join(bad) + '; ' if bad else ''}{source})")
    print(f"\n{missing} file(s) not available locally" if missing else "\nall files available and verified")
    return 0


def _fetch(names):
    failed = 0
    for name in names:
        dataset(name)                     # unknown names fail before anything is downloaded
    for name in names or list(DATASETS):
        for f in dataset(name).files:
            try:
                print(f"ok  {f.path}  ({locate(f, allow_download=True)})")
            except DataNotFoundError as exc:
                failed += 1
                print(exc, file=sys.stderr)
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hwlib.data", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="show where each data file is and whether its checksum holds")
    fetch = sub.add_parser("fetch", help="download every missing file (or those of the named datasets)")
    fetch.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(DATASETS)}")
    args = parser.parse_args(argv)
    if args.command == "fetch":
        return _fetch(args.names)
    return _list()


if __name__ == "__main__":
    sys.exit(main())
