"""hwbook.reproducible: the pinned kernels are defaults the environment overrides, x86 pins only with
AVX2, the wrapper really runs commands with them, and the Jupyter kernel spec starts through it."""

import json
import subprocess
import sys

import pytest

from hwbook import reproducible


def test_pins_are_defaults_and_x86_ones_need_avx2():
    env = reproducible.pinned_environ({"OPENBLAS_CORETYPE": "Sandybridge", "PATH": "/bin"}, avx2=True)
    assert env["OPENBLAS_CORETYPE"] == "Sandybridge"                  # the environment wins
    assert env["ATEN_CPU_CAPABILITY"] == "avx2" and env["PATH"] == "/bin"
    assert env["OMP_NUM_THREADS"] == str(reproducible.THREADS)
    without = reproducible.pinned_environ({}, avx2=False)
    assert "OPENBLAS_CORETYPE" not in without and "MKL_CBWR" not in without
    assert without["PYTHONHASHSEED"] == "0" and without["MKL_NUM_THREADS"] == str(reproducible.THREADS)


def test_the_wrapper_runs_a_command_with_the_pins():
    code = "import os; print(os.environ.get('PYTHONHASHSEED'), os.environ.get('OMP_NUM_THREADS'))"
    out = subprocess.run([sys.executable, "-m", "hwbook.reproducible", sys.executable, "-c", code],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", str(reproducible.THREADS)]


@pytest.mark.skipif(not reproducible.cpu_has_avx2(), reason="nothing is pinned on a CPU without AVX2")
def test_numpy_and_torch_under_the_wrapper_use_the_pinned_kernels():
    code = ("import torch; from hwbook.reproducible import blas_core;"
            "from numpy._core._multiarray_umath import __cpu_features__ as f;"
            "print(blas_core(), f['X86_V4'], torch.backends.cpu.get_cpu_capability())")
    out = subprocess.run([sys.executable, "-m", "hwbook.reproducible", sys.executable, "-c", code],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["Haswell", "False", "AVX2"]
    env = {"OPENBLAS_CORETYPE": "Sandybridge", "ATEN_CPU_CAPABILITY": "default", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "hwbook.reproducible", sys.executable, "-c", code],
                         capture_output=True, text=True, check=True, env=env).stdout
    assert out.split()[0] == "Sandybridge" and out.split()[2] == "DEFAULT"      # a simulated other machine


def test_install_kernel_writes_a_pinned_python3_spec(tmp_path):
    path = reproducible.install_kernel(prefix=tmp_path)
    spec = json.loads(path.read_text())
    assert path.parent.name == "python3" and spec["argv"][1:3] == ["-m", "hwbook.reproducible"]
    assert "{connection_file}" in spec["argv"] and "ipykernel_launcher" in spec["argv"]


def test_pin_threads_sets_every_library_s_thread_count():
    code = ("import os, torch; from hwbook.reproducible import THREAD_VARIABLES, pin_threads; pin_threads(3);"
            "print(*[os.environ[v] for v in THREAD_VARIABLES], torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["3", "3", "3", "3"]
    assert reproducible.PORTABLE_PINS["OMP_NUM_THREADS"] == str(reproducible.THREADS)
