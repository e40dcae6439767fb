"""``python -m hwlib.data [list | fetch [NAME ...]]``: what each chapter needs, where the files are, and
fetching them ahead of time.

``list`` (the default) says for each chapter whether it can run (its data here, after a download,
or not at all), then where each registered file was found and whether its checksum holds.
``fetch`` downloads what the named datasets or chapters lack (a dataset: ``flickr8k-upstream``; a
chapter: ``5``, ``ch5`` or ``05_image_captioning``; nothing: every chapter), saying how large each
file is before it starts.
"""

import argparse
import sys
import warnings

from hwlib.data.chapters import chapter_status, fetch_plan
from hwlib.data.registry import CHAPTERS, DATASETS, dataset
from hwlib.data.store import DataNotFoundError, find_local, locate, remote_size, search_roots


def _list():
    print("search order: " + " -> ".join(f"{label} ({root})" for label, root in search_roots()) + " -> download")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print("\nchapters:")
        for chapter in CHAPTERS:
            print(f"  {chapter}: {chapter_status(chapter).line()}")
        missing = 0
        for ds in DATASETS.values():
            print(f"\n{ds.name}: {ds.title}")
            for f in ds.files:
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


def _fetch(selectors):
    try:
        plan = fetch_plan(selectors)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    if not plan:
        print("nothing to fetch: every chapter asked for has its data")
        return 0
    failed = 0
    for name in plan:
        for f in dataset(name).files:
            found, _ = find_local(f)
            if found is None and f.url:
                size = remote_size(f.url)
                print(f"{f.path}: {_human(size) if size else 'size unknown'} from {f.url}", flush=True)
            try:
                print(f"ok  {f.path}  ({locate(f, allow_download=True)})")
            except DataNotFoundError as exc:
                failed += 1
                print(exc, file=sys.stderr)
    return 1 if failed else 0


def _human(size):
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hwlib.data", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="which chapters can run, and where each data file is")
    fetch = sub.add_parser("fetch", help="download what the named datasets or chapters lack (default: all)")
    fetch.add_argument("names", nargs="*", metavar="NAME",
                       help=f"a dataset ({', '.join(DATASETS)}) or a chapter (a number, or its name)")
    args = parser.parse_args(argv)
    if args.command == "fetch":
        return _fetch(args.names)
    return _list()


if __name__ == "__main__":
    sys.exit(main())
