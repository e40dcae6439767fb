#!/usr/bin/env bash
# The autograder's real install test: setup.sh runs for real, as root, in a clean Debian chroot
# whose system Python is not 3.11, and the grader then runs there on the reference solution, in
# Gradescope's layout (course/gradescope_trial.py lays it out). Not part of `make test`: it needs
# root, Debian's archive and a package index, and takes minutes (the README says how long).
#
#   tests/chroot_install_test.sh [trixie|bullseye]
#
# trixie (python3 3.13, as Ubuntu 24.04 has 3.12): setup.sh must install, the reference must get
# every autograded point. bullseye (python3 3.9, no 3.11 in its archive): setup.sh must stop with
# its message that no Python 3.11 or newer could be installed.
#
# Environment: HWGRADE_CHROOT_DIR (default /work/chroot-hwgrade; never inside a git worktree),
# HWGRADE_TORCH_INDEX (default PyPI, which has no CPU-only torch: its CUDA build runs on the CPU,
# so HWGRADE_REQUIRE_CPU_TORCH=0 is passed with it), HWGRADE_CHROOT_KEEP=1 keeps the chroot,
# HWGRADE_HOST_CA (default: the host's CA bundle, copied in for pip where TLS is intercepted).
set -euo pipefail
SUITE="${1:-trixie}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$REPO/.venv/bin/python}"
DIR="${HWGRADE_CHROOT_DIR:-/work/chroot-hwgrade}"
LOCK=/tmp/hwlib-heavy.lock
MIRROR="${HWGRADE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
TORCH_INDEX="${HWGRADE_TORCH_INDEX:-https://pypi.org/simple}"
case "$TORCH_INDEX" in *download.pytorch.org*) CPU_ONLY=1 ;; *) CPU_ONLY="${HWGRADE_REQUIRE_CPU_TORCH:-0}" ;; esac
HOST_CA="${HWGRADE_HOST_CA:-/etc/ssl/certs/ca-certificates.crt}"
case "$SUITE" in trixie) EXPECT=pass ;; bullseye) EXPECT=fail ;; *) echo "unknown suite $SUITE" >&2; exit 2 ;; esac

[ "$(id -u)" = 0 ] || { echo "needs root (debootstrap, chroot, mount)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "needs debootstrap: apt-get install debootstrap" >&2; exit 2; }
mkdir -p "$DIR"
if git -C "$DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "$DIR is inside a git worktree: choose another HWGRADE_CHROOT_DIR" >&2; exit 2
fi
BASE="$DIR/$SUITE-base" RUN="$DIR/$SUITE-run" WORK="$DIR/work"
stamp() { date +%s; }
# a heavy step under the shared lock, timed inside it (waiting for the lock is not counted)
locked() { flock "$LOCK" bash -c 'l=$1; shift; t=$(date +%s); "$@"; s=$?
  echo "chroot test: $l took $(( $(date +%s) - t )) s" >&2; exit $s' -- "$@"; }
took() { echo "chroot test: $1 took $(( $(stamp) - $2 )) s"; }

# 1. The base system, once (kept: every run starts from a fresh copy of it). python3 is there as
#    in Gradescope's images, whose harness runs on it.
if [ ! -x "$BASE/usr/bin/python3" ]; then
  rm -rf "$BASE"
  locked "debootstrap $SUITE" debootstrap --variant=minbase --include=python3,ca-certificates "$SUITE" "$BASE" "$MIRROR"
fi
cleanup() {
  for m in dev/shm dev proc; do mountpoint -q "$RUN/$m" && umount -l "$RUN/$m"; done
  [ "${HWGRADE_CHROOT_KEEP:-0}" = 1 ] || rm -rf "$RUN"
}
trap cleanup EXIT
t=$(stamp); rm -rf "$RUN" "$WORK"; cp -a "$BASE" "$RUN"; mkdir -p "$WORK"; took "fresh copy" "$t"
echo "chroot test: $SUITE, system $(chroot "$RUN" python3 -V)"

# 2. The zip, laid out as Gradescope does, the reference hwlib/ as the upload.
PYTHONPATH="$REPO" "$PY" "$REPO/course/autograder.py" "$WORK/autograder.zip"
mkdir -p "$WORK/upload" && cp -r "$REPO/hwlib" "$WORK/upload/hwlib"
find "$WORK/upload" -name __pycache__ -prune -exec rm -rf {} +
PYTHONPATH="$REPO" "$PY" -c 'import sys; sys.path.insert(0, sys.argv[1] + "/course")
import gradescope_trial as g; g.lay_out(sys.argv[2], sys.argv[3], sys.argv[4])' \
  "$REPO" "$WORK/autograder.zip" "$WORK/upload" "$RUN/autograder"
cp /etc/resolv.conf "$RUN/etc/resolv.conf"
cp "$HOST_CA" "$RUN/etc/ssl/host-ca.crt"
mount -t proc proc "$RUN/proc"; mount --bind /dev "$RUN/dev"; mount -t tmpfs shm "$RUN/dev/shm"
ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
     PIP_CERT=/etc/ssl/host-ca.crt HWGRADE_TORCH_INDEX="$TORCH_INDEX" HWGRADE_REQUIRE_CPU_TORCH="$CPU_ONLY")

# 3. setup.sh, for real, from /autograder/source.
set +e
locked setup.sh chroot "$RUN" "${ENV[@]}" bash -c 'cd /autograder/source && bash ./setup.sh' 2>&1 | tee "$WORK/setup.log"
status=${PIPESTATUS[0]}; set -e
echo "chroot test: setup.sh exited with status $status"
if [ "$EXPECT" = fail ]; then
  if [ "$status" -ne 0 ] && grep -q "FAILED: no Python 3.11 or newer could be installed" "$WORK/setup.log"; then
    echo "chroot test: PASS ($SUITE: setup.sh refused, with its message)"; exit 0
  fi
  echo "chroot test: FAIL ($SUITE: setup.sh should have refused with its message)"; exit 1
fi
[ "$status" -eq 0 ] || { echo "chroot test: FAIL (setup.sh exited $status)"; exit 1; }
du -sh "$RUN/opt/hwgrade/venv" | sed 's/^/chroot test: venv size /'

# 4. The grader on the reference, as Gradescope runs it (working directory /autograder).
locked run_autograder chroot "$RUN" "${ENV[@]}" bash -c 'cd /autograder && ./run_autograder' 2>&1 | tail -n 20
PYTHONPATH="$REPO" "$PY" - "$REPO" "$RUN/autograder/results/results.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1] + "/course")
import gradescope_trial as g
results = json.load(open(sys.argv[2]))
problems = g.check_results(results)
full = sum(t.get("max_score", 0) for t in results["tests"])
lost = [t["name"] for t in results["tests"] if t.get("score", 0) < t.get("max_score", 0)]
print(f"chroot test: score {results.get('score')} of {full}; lost: {lost or 'nothing'}; "
      f"the grader's execution_time: {results.get('execution_time')} s")
sys.exit(1 if problems or lost or not results["tests"] or results.get("score") != full else 0)
PY
echo "chroot test: PASS ($SUITE: setup.sh installed, the reference got every point)"
