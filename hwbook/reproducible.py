"""Pinned floating-point kernels, so that the book's outputs reproduce bit for bit on other machines.

numpy's OpenBLAS, numpy's own SIMD loops, PyTorch's ATen, MKL and oneDNN each pick their compute
kernels by CPU at start-up (AVX-512 here, AVX2 there), and different kernels round differently.
Training amplifies the last bit, so a chapter executed on one CPU printed other accuracies on
another. The book therefore runs with one kernel choice that every x86-64 CPU with AVX2 can run:

==========================  ======================  ==============================================
variable                    pinned to               what it fixes
==========================  ======================  ==============================================
OPENBLAS_CORETYPE           Haswell                 numpy's matrix products (OpenBLAS kernels)
NPY_DISABLE_CPU_FEATURES    X86_V4,AVX512_ICL,...   numpy's element-wise loops (exp, tanh...)
ATEN_CPU_CAPABILITY         avx2                    PyTorch's vectorized CPU kernels
MKL_CBWR                    AVX2                    MKL's code path (PyTorch's matrix products)
ONEDNN_MAX_CPU_ISA          AVX2                    oneDNN (PyTorch's convolutions)
OMP/MKL/OPENBLAS threads    1                       how reductions are split between threads
PYTHONHASHSEED              0                       iteration order of sets of strings
==========================  ======================  ==============================================

These are *defaults*: a variable already set in the environment wins, which is how a maintainer
simulates another machine (``OPENBLAS_CORETYPE=Sandybridge ATEN_CPU_CAPABILITY=default make nbval``).
On a CPU without AVX2 (or not x86-64) the x86 pins are left out, since forcing an instruction set
the CPU lacks would crash; outputs then differ in the last bits and are compared within the
tolerances the chapters declare (see ``hwbook.nbval_tolerance``).

The variables must be set before numpy or torch is loaded, so they cannot be set from inside a
notebook. Two entry points set them:

* ``python -m hwbook.reproducible COMMAND [ARGS...]`` runs COMMAND with the pins (the Makefile runs
  the tests and ``make execute`` this way);
* ``python -m hwbook.reproducible --install-kernel`` makes the virtual environment's ``python3``
  Jupyter kernel start through this module, so notebooks opened from the venv get the pins too.

This module imports nothing heavy (no numpy), so that it can run before anything is loaded.
"""

import json
import os
import platform
import sys
from pathlib import Path

# One thread per process: a reduction's order then depends on nothing but the code, and two
# chapters (or tests) run side by side on two cores without the slowdown of contended threads.
THREADS = 1
# The thread counts of OpenMP (PyTorch's intra-op pool), MKL and OpenBLAS: how reductions are split.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# Pins that only make sense on x86-64 CPUs with AVX2 (and would crash or mislead elsewhere).
X86_AVX2_PINS = {
    "OPENBLAS_CORETYPE": "Haswell",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_ICL,AVX512_SPR",
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_CBWR": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
}


def thread_pins(threads):
    """The variables that fix the thread count of every numeric library: {variable: str(threads)}."""
    return {variable: str(threads) for variable in THREAD_VARIABLES}


PORTABLE_PINS = {**thread_pins(THREADS), "PYTHONHASHSEED": "0"}


def pin_threads(threads):
    """Run this process's numeric libraries on ``threads`` threads (the benchmark scripts).

    Call it before numpy or torch is imported: BLAS reads its thread count once, when it loads.
    If torch is already loaded, its intra-op pool is set too.
    """
    os.environ.update(thread_pins(threads))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(threads))


def cpu_has_avx2():
    """True on an x86-64 CPU that reports AVX2 and FMA (Linux: /proc/cpuinfo); False if unknown."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return {"avx2", "fma"} <= flags
    return False


def pins(avx2=None):
    """The pinned variables for this machine, as a dict (the x86 ones only where AVX2 exists)."""
    avx2 = cpu_has_avx2() if avx2 is None else avx2
    return {**(X86_AVX2_PINS if avx2 else {}), **PORTABLE_PINS}


def pinned_environ(environ=None, avx2=None):
    """A copy of ``environ`` (default os.environ) with every pin that it does not set already."""
    env = dict(os.environ if environ is None else environ)
    for key, value in pins(avx2).items():
        env.setdefault(key, value)
    return env


def describe(environ=None):
    """One line saying which kernel choice is in effect, e.g. for CI logs."""
    env = os.environ if environ is None else environ
    keys = list(X86_AVX2_PINS) + ["OMP_NUM_THREADS"]
    return "kernels: " + ", ".join(f"{k}={env.get(k, '(auto)')}" for k in keys)


def blas_core():
    """The kernel set numpy's OpenBLAS chose in this process (e.g. 'Haswell'), or None if unknown."""
    import ctypes
    from pathlib import Path as _Path

    import numpy

    libs = sorted((_Path(numpy.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas*.so*"))
    for lib in libs:
        for symbol in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            function = getattr(ctypes.CDLL(str(lib)), symbol, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                return function().decode()
    return None


def install_kernel(prefix=None):
    """Write the venv's ``python3`` kernel spec so that Jupyter kernels start with the pins.

    Returns the path of the kernel.json written.
    """
    folder = Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "hwbook.reproducible", sys.executable, "-m", "ipykernel_launcher",
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (hwlib, pinned kernels)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    path = folder / "kernel.json"
    path.write_text(json.dumps(spec, indent=1) + "\n")
    return path


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv[0] == "--install-kernel":
        print(f"wrote {install_kernel()}")
        return 0
    if argv[0] == "--describe":
        print(describe(pinned_environ()))
        return 0
    os.execvpe(argv[0], argv, pinned_environ())   # replaces this process: no wrapper stays around


if __name__ == "__main__":
    sys.exit(main())
