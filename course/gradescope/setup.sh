#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (zip extracted into
# /autograder/source). It gives the grader Python >= 3.11 and CPU-only PyTorch in a venv outside
# /autograder, so that the sandboxed student process can run that Python without being able to
# read the grader or the recording. It never replaces the image's python3 (Gradescope's harness
# runs on it). Every failure stops the build with a message that says what to change.
#
# Overrides (for a local install test; Gradescope needs none):
#   HWGRADE_VENV         where the venv goes               (default /opt/hwgrade/venv)
#   HWGRADE_TORCH_INDEX  the index torch comes from        (default PyTorch's CPU-only index)
#   HWGRADE_REQUIRE_CPU_TORCH=0  accept a CUDA build of torch (an index that has no CPU build)
#   PIP_INDEX_URL, PIP_CERT ...  pip's own variables, for the other packages
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${HWGRADE_VENV:-/opt/hwgrade/venv}"
TORCH_INDEX="${HWGRADE_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
SANDBOX_USER="${HWGRADE_USER:-nobody}"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1

die() { printf '\nsetup.sh: FAILED: %s\n\n' "$*" >&2; exit 1; }
trap 'die "line $LINENO: \`$BASH_COMMAND\` exited with status $?"' ERR
say() { printf 'setup.sh: %s\n' "$*"; }
new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
has_package() { [ -n "$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v none)" ]; }
install() { apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }

[ "$(id -u)" = 0 ] || die "run me as root (Gradescope does)"
for f in requirements.txt requirements-torch.txt; do
  [ -f "$HERE/$f" ] || die "$HERE/$f is missing: build the zip with course/autograder.py"
done
. /etc/os-release
say "image: ${PRETTY_NAME:-unknown}; system python3: $(python3 -V 2>&1 || echo none)"
apt-get update -qq

# -- Python >= 3.11, in this order: the image's python3 (Ubuntu 24.04: 3.12), the distribution's
#    python3.1x (Ubuntu 22.04: python3.11 in universe), the deadsnakes PPA (Ubuntu only).
PYTHON=""
if command -v python3 >/dev/null && new_enough python3; then
  PYTHON="$(command -v python3)"
  install "$(basename "$(readlink -f "$PYTHON")")-venv" || install python3-venv
else
  for v in 3.13 3.12 3.11; do
    if has_package "python$v-venv"; then
      install "python$v" "python$v-venv" && PYTHON="/usr/bin/python$v" && break
    fi
  done
  if [ -z "$PYTHON" ] && [ "${ID:-}" = ubuntu ]; then
    say "no python3.11+ in this image's archive: adding the deadsnakes PPA"
    install software-properties-common gpg-agent
    add-apt-repository -y ppa:deadsnakes/ppa >/dev/null && apt-get update -qq
    install python3.11 python3.11-venv && PYTHON=/usr/bin/python3.11
  fi
fi
[ -n "$PYTHON" ] && new_enough "$PYTHON" || die "no Python 3.11 or newer could be installed on \
${PRETTY_NAME:-this image} (python3 is $(python3 -V 2>&1)). Choose the Ubuntu 22.04 or 24.04 \
base image in Gradescope's autograder settings."
say "grader Python: $PYTHON ($("$PYTHON" -V 2>&1))"

# -- the venv, the pinned packages, torch from the CPU index (its own dependencies come with it).
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV" || die "$PYTHON -m venv failed (its -venv package is missing?)"
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
"${PIP[@]}" --upgrade pip
"${PIP[@]}" -r "$HERE/requirements.txt"
"${PIP[@]}" --index-url "$TORCH_INDEX" -c "$HERE/requirements.txt" -r "$HERE/requirements-torch.txt" \
  || die "torch did not install from $TORCH_INDEX (set HWGRADE_TORCH_INDEX to an index that has it)"
chmod -R a+rX "$VENV"

# -- check what was installed against the pins, and that torch computes on the CPU.
"$VENV/bin/python" - "$HERE/requirements.txt" "$HERE/requirements-torch.txt" <<'PY' || die "the installed packages do not match the pins (above)"
import importlib.metadata as md, os, sys
if sys.version_info < (3, 11):
    sys.exit(f"venv Python is {sys.version.split()[0]}, need 3.11 or newer")
wrong = []
for path in sys.argv[1:]:
    for line in open(path):
        line = line.split("#")[0].strip()
        if "==" in line:
            name, pin = (s.strip() for s in line.split("=="))
            got = md.version(name)
            if got.split("+")[0] != pin:
                wrong.append(f"{name} {got} (pinned {pin})")
import torch
if torch.version.cuda and os.environ.get("HWGRADE_REQUIRE_CPU_TORCH", "1") != "0":
    wrong.append(f"torch {torch.__version__} is a CUDA {torch.version.cuda} build, not the CPU one")
assert float((torch.ones(2, 2) @ torch.ones(2, 2)).sum()) == 8.0
if wrong:
    sys.exit("\n".join(wrong))
print(f"setup.sh: Python {sys.version.split()[0]}, torch {torch.__version__} "
      f"({'CPU-only' if not torch.version.cuda else 'CUDA ' + torch.version.cuda + ' build, on the CPU'}), "
      f"numpy {md.version('numpy')}")
PY

# -- the unprivileged user the grader runs student code as (hwgrade.sandbox: nobody by default).
id -u "$SANDBOX_USER" >/dev/null 2>&1 || die "the image has no user $SANDBOX_USER for the sandbox"
[ "$(id -u "$SANDBOX_USER")" != 0 ] || die "the sandbox user $SANDBOX_USER is root"
say "sandbox user: $SANDBOX_USER (uid $(id -u "$SANDBOX_USER")); venv: $VENV"
say "done in $SECONDS s"
