"""The local trial (course/gradescope_trial.py) does what Gradescope does with a zip and an upload,
and fails a run the way Gradescope would. Small hand-made zips, so no grader is needed."""

import json
import os
import stat
import sys
import zipfile

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "course"))
import gradescope_trial as trial  # noqa: E402

# A run_autograder that records what it saw: its working directory, the environment, the upload.
RUN = """#!/usr/bin/env bash
cd "$AUTOGRADER_ROOT"
{ echo "cwd=$OLDPWD"; echo "pythonpath=${PYTHONPATH:-}"; echo "python=$HWGRADE_PYTHON"
  find submission -type f | sort; } > results/seen.txt
echo "printed by run_autograder"
%s
"""
GOOD = """echo '{"score": 3, "tests": [{"name": "a", "score": 3, "max_score": 3, "visibility": "visible"}]}' \
> results/results.json"""


def make_zip(path, run=GOOD, extra=None, root_scripts=True):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text, mode in (("setup.sh", "#!/bin/sh\n", 0o755), ("run_autograder", RUN % run, 0o755)):
            info = zipfile.ZipInfo(name if root_scripts else f"source/{name}")
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, text)
        zf.writestr("pkg/data.bin", bytes(range(256)) * 3)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def test_the_layout_is_gradescopes_byte_for_byte(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/somewhere/that/must/not/leak")
    zip_path = make_zip(tmp_path / "ag.zip")
    upload = tmp_path / "upload"
    (upload / "deep" / "hwlib").mkdir(parents=True)
    (upload / "deep" / "hwlib" / "layers.py").write_text("x = 1\n")
    loose = tmp_path / "cnn_layers.py"
    loose.write_text("y = 2\n")
    result = trial.run(zip_path, [upload, loose], tmp_path / "root", python="/my/python")
    root = tmp_path / "root"
    assert result.results["score"] == 3 and "printed by run_autograder" in result.stdout
    assert trial.same_as_zip(zip_path, root / "source") == []
    assert (root / "run_autograder").read_bytes() == (root / "source" / "run_autograder").read_bytes()
    assert os.stat(root / "run_autograder").st_mode & stat.S_IXUSR
    assert (root / "results" / "stdout").read_text() == result.stdout
    seen = (root / "results" / "seen.txt").read_text().splitlines()
    assert seen == [f"cwd={root}", "pythonpath=", "python=/my/python",
                    "submission/cnn_layers.py", "submission/deep/hwlib/layers.py"]


def test_a_changed_file_is_not_the_same_as_the_zip(tmp_path):
    zip_path = make_zip(tmp_path / "ag.zip")
    trial.lay_out(zip_path, [], tmp_path / "root")
    (tmp_path / "root" / "source" / "pkg" / "data.bin").write_bytes(b"other")
    assert trial.same_as_zip(zip_path, tmp_path / "root" / "source") == ["pkg/data.bin"]


def test_scripts_under_a_folder_are_refused_as_gradescope_would(tmp_path):
    zip_path = make_zip(tmp_path / "ag.zip", root_scripts=False)
    with pytest.raises(ValueError, match="must be at the zip's root"):
        trial.lay_out(zip_path, [], tmp_path / "root")


def test_a_name_outside_the_folder_is_refused(tmp_path):
    zip_path = make_zip(tmp_path / "ag.zip", extra={"../escape.txt": "x"})
    with pytest.raises(ValueError, match="outside"):
        trial.lay_out(zip_path, [], tmp_path / "root")
    assert not (tmp_path / "escape.txt").exists()


def test_a_root_in_use_is_refused(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "old").write_text("")
    with pytest.raises(FileExistsError):
        trial.lay_out(make_zip(tmp_path / "ag.zip"), [], tmp_path / "root")


@pytest.mark.parametrize("run, says", [
    ("true", "no results.json"),
    ("echo '{\"score\": 1' > results/results.json", "not valid JSON"),
    ("echo '{\"score\": \"full\", \"tests\": []}' > results/results.json", "`score` is 'full'"),
    ("sleep 30", "ran past"),
])
def test_a_run_gradescope_would_fail_raises(tmp_path, run, says):
    with pytest.raises(RuntimeError, match=says):
        trial.run(make_zip(tmp_path / "ag.zip", run=run), [], tmp_path / "root", timeout=3)


def test_the_peak_memory_of_everything_started_is_measured(tmp_path):
    hold = f"{sys.executable} -c 'import time; x = bytearray(300 * 2 ** 20); time.sleep(1.5)'"
    result = trial.run(make_zip(tmp_path / "ag.zip", run=f"( {hold} ) &\n{hold}\nwait\n{GOOD}"), [],
                       tmp_path / "root")
    assert 600 <= result.peak_mb < 1000


def test_check_results_knows_gradescopes_format():
    assert trial.check_results({"score": 1.5, "tests": []}) == []
    assert trial.check_results({"tests": [{"score": 1, "max_score": 2, "name": "x", "status": "passed"}]}) == []
    assert trial.check_results({"tests": [{"max_score": 2}]}) == ["no top-level `score` and not every test has one"]
    assert trial.check_results({"score": True}) == ["`score` is True, not a number"]
    assert trial.check_results({"score": 0, "visibility": "secret"})[0].startswith("`visibility` 'secret'")
    assert trial.check_results({"score": 0, "tests": [{"score": 0, "points": 1}]}) == \
        ["test 0 has unknown keys ['points']"]
    assert trial.check_results(json.loads("[]")) == ["the top level must be an object"]
