"""The grader's side of the sandbox: where student code runs, and with what it may touch.

``Sandbox(package)`` copies the package to grade into a private folder and starts the fork server
of ``hwgrade.child`` (a separate interpreter, ``python -I``, with a scrubbed environment). Each
``run(cases, limit_s)`` is one forked child that runs one check's cases and answers with plain data.

When the grader runs as root (Gradescope), every child drops to an unprivileged user (``nobody``,
or ``$HWGRADE_USER``), which owns only its copy of the submission; the recording, the grader's
files and the results folder stay readable by root alone (``protect``). As any other user (a
student grading locally) the child runs as that user: only public data is there.
"""

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from hwgrade import child as wire

USER_ENV = "HWGRADE_USER"
# Libraries the fork server imports before forking: what hwlib uses, so that an unprivileged child
# finds them already loaded.
PRELOAD = ["numpy", "numpy.linalg", "math", "dataclasses", "copy", "itertools", "functools", "collections",
           "typing", "warnings", "time", "re", "json", "pathlib", "zlib", "hashlib", "gzip", "pickle", "struct",
           "io", "contextlib", "enum", "inspect", "textwrap", "importlib", "importlib.util", "abc", "numbers",
           "torch", "torch.nn", "torch.nn.functional", "torch.utils.data", "torch.optim", "matplotlib",
           "matplotlib.pyplot", "matplotlib.figure", "PIL", "PIL.Image"]
# As root the child cannot read this interpreter's own library everywhere (a Python installed under
# /root, say): the fork server imports the standard library before forking, except modules that do
# something when imported or need a display.
_NOT_PRELOADED = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "__phello__", "lib2to3",
                  "ensurepip", "venv", "pydoc_data", "msilib", "winreg", "winsound", "_winapi", "nt", "msvcrt",
                  "_msi", "_overlapped", "_scproxy", "_osx_support", "curses", "_curses", "_curses_panel",
                  "readline", "dbm", "_dbm", "_gdbm", "sqlite3", "_sqlite3", "_tkinter", "_crypt", "crypt",
                  "nis", "ossaudiodev", "spwd", "_uuid", "xxsubtype", "xxlimited", "xxlimited_35", "_xxtestfuzz",
                  "_testcapi", "_testinternalcapi", "_testbuffer", "_testimportmultiple", "_testmultiphase",
                  "_ctypes_test", "_testclinic", "_xxsubinterpreters", "test"}
STDLIB = sorted(m for m in sys.stdlib_module_names if m not in _NOT_PRELOADED and not m.startswith("_test"))
SERVER_SLACK_S = 30.0                 # beyond a job's own limit before the fork server itself is presumed hung


def drop_user():
    """(uid, gid) the children run as, or None when the grader is not root."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(os.environ.get(USER_ENV, "nobody"))
    return entry.pw_uid, entry.pw_gid


def protect(*paths):
    """Make ``paths`` (files or folders) readable by their owner only: as root, nothing the
    unprivileged child can reach."""
    for path in paths:
        path = Path(path)
        if path.exists():
            mode = path.stat().st_mode
            path.chmod(stat.S_IMODE(mode) & 0o700)


class Sandbox:
    def __init__(self, package_root, memory_mb=768):
        self.user = drop_user()
        self.memory_mb = memory_mb
        self.base = Path(tempfile.mkdtemp(prefix="hwgrade-"))
        self.workdir = self.base / "work"
        self.home = self.base / "home"
        shutil.copytree(Path(package_root) / "hwlib", self.workdir / "hwlib",
                        ignore=shutil.ignore_patterns("__pycache__"), symlinks=False)
        self.home.mkdir()
        if self.user:
            self.base.chmod(0o755)
            for folder, _, files in os.walk(self.base):
                os.chown(folder, *self.user)
                for name in files:
                    os.chown(os.path.join(folder, name), *self.user)
        self.server = None
        self.peak_rss_kb = 0

    def env(self):
        return {"PATH": "/usr/bin:/bin", "HOME": str(self.home), "MPLCONFIGDIR": str(self.home),
                "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8", "TMPDIR": str(self.home)}

    def _start(self):
        source = Path(wire.__file__).read_text(encoding="utf-8")
        preload = PRELOAD + (STDLIB if self.user else [])
        env = dict(self.env(), HWGRADE_PRELOAD=json.dumps(preload), HWGRADE_WARM="1" if self.user else "")
        self.server = subprocess.Popen([sys.executable, "-I", "-c", source], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                       cwd=str(self.home), start_new_session=True)

    def run(self, cases, limit_s):
        """(status dict, [case replies] or None): status is ok, timeout, crashed or garbage."""
        if self.server is None or self.server.poll() is not None:
            self._start()
        job = {"cases": cases, "limit_s": float(limit_s), "workdir": str(self.workdir), "env": self.env(),
               "memory_mb": self.memory_mb, "user": list(self.user) if self.user else None}
        import time
        try:
            wire.write_frame(self.server.stdin.fileno(), wire.encode(job))
            frame = wire.read_frame(self.server.stdout.fileno(),
                                    deadline=time.monotonic() + limit_s + SERVER_SLACK_S)
        except (OSError, EOFError, TimeoutError, ValueError):
            self.stop()
            return {"status": "crashed", "exit": None}, None
        head, _, payload = frame.partition(b"\n")
        status = json.loads(head)
        self.peak_rss_kb = max(self.peak_rss_kb, int(status.get("max_rss_kb", 0)))
        if status["status"] != "ok":
            return status, None
        try:
            replies = wire.decode(payload)
        except Exception:
            return dict(status, status="garbage"), None
        if not isinstance(replies, list) or len(replies) != len(cases) or \
                not all(isinstance(r, dict) for r in replies):
            return dict(status, status="garbage"), None
        return status, replies

    def stop(self):
        if self.server is not None:
            if self.server.poll() is None:
                self.server.kill()
            self.server.wait()
            self.server = None

    def close(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
