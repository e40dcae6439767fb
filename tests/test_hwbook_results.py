"""hwbook.results: reported numbers are glued, saved only at full scale, and read back at CI scale;
tables are built one way; results files are found where the caller says."""

import json

import pytest

from hwbook import results


@pytest.fixture
def glued(monkeypatch):
    seen = {}
    monkeypatch.setattr(results, "glue", lambda key, text, as_markdown=False: seen.__setitem__(key, text))
    return seen


def test_full_scale_run_saves_and_ci_run_shows_both(tmp_path, monkeypatch, glued):
    monkeypatch.setenv("HWLIB_FULL", "1")
    full = results.ChapterResults("07_toy", results_dir=tmp_path)
    full.report("test_acc", 0.98765)
    assert full.values["test_acc"] == "0.988"
    full.report("minutes", 150, results.minutes)
    assert glued == {"test_acc": "0.988", "full_test_acc": "0.988", "minutes": "2.5 min", "full_minutes": "2.5 min"}
    path = full.save()
    record = json.loads(path.read_text())
    assert record["scale"] == "full" and record["values"] == {"test_acc": "0.988", "minutes": "2.5 min"}

    glued.clear()
    monkeypatch.setenv("HWLIB_FULL", "0")
    ci = results.ChapterResults("07_toy", results_dir=tmp_path)
    assert glued == {"full_test_acc": "0.988", "full_minutes": "2.5 min"}      # the full run, from the file
    ci.report("test_acc", 0.5, "{:.2f}")
    assert ci.save() is None and json.loads(path.read_text())["values"]["test_acc"] == "0.988"
    table = ci.table([("test accuracy", "{test_acc} in {minutes}")]).data
    assert "| test accuracy | not recorded | 0.988 in 2.5 min |" in table


def test_without_a_results_file_the_full_column_says_so(tmp_path, monkeypatch, glued):
    monkeypatch.delenv("HWLIB_FULL", raising=False)
    ci = results.ChapterResults("01_none", results_dir=tmp_path)
    ci.report("x", 1, "{:d}")
    assert ci.full == {} and "| x | 1 | not recorded |" in ci.table([("x", "{x}")]).data


def test_spread_over_seeds():
    assert results.spread([0.5]) == "0.500"
    assert results.spread([0.476, 0.514, 0.501], "{:.2f}") == "0.50 (0.48–0.51)"


def test_durations_keep_two_significant_digits():
    assert results.minutes(150) == "2.5 min"
    assert [results.seconds(s) for s in (9.53, 0.0421, 12.3)] == ["9.5 s", "0.042 s", "12 s"]


def test_spread_values_reads_back_what_spread_writes():
    from hwbook.results import spread, spread_values

    assert spread_values(spread([0.476, 0.497, 0.518])) == (0.497, 0.476, 0.518)
    assert spread_values("0.5") == (0.5, 0.5, 0.5) and spread_values("3,800") == (3800.0,) * 3
    assert spread_values(" 37.40 (37.25–37.53) ") == (37.40, 37.25, 37.53)
    with pytest.raises(ValueError, match="spread"):
        spread_values("2.2 min")


def test_markdown_table_aligns_and_refuses_ragged_rows():
    text = results.markdown_table(["model", "ms"], [("a", 1.5), ("b", "2 ms")], align="lr")
    assert text == "| model | ms |\n| --- | ---: |\n| a | 1.5 |\n| b | 2 ms |"
    assert results.markdown_table(["", "x"], []) == "|  | x |\n| --- | --- |"
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        results.markdown_table(["a", "b", "c"], [(1, 2)])
    with pytest.raises(ValueError, match="one 'l' or 'r' per column"):
        results.markdown_table(["a", "b"], [], align="lc")
    shown = results.markdown("| a |\n| --- |", "Recorded with `x`.")
    assert shown.data == "| a |\n| --- |\n\nRecorded with `x`."


def test_the_results_table_is_a_markdown_table_of_both_scales(tmp_path, monkeypatch, glued):
    monkeypatch.delenv("HWLIB_FULL", raising=False)
    ci = results.ChapterResults("03_toy", tmp_path)
    ci.report("acc", 0.25)
    expected = results.markdown_table(["", "CI scale (this page)", "full scale (`HWLIB_FULL=1`)"],
                                      [("accuracy", "0.250", "not recorded")])
    assert ci.table([("accuracy", "{acc}")]).data == expected


def test_results_files_are_found_where_the_caller_says(tmp_path, monkeypatch, glued):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "bench.json").write_text('{"command": "python bench.py"}')
    assert results.recorded("bench", "results") == {"command": "python bench.py"}
    with pytest.raises(FileNotFoundError, match="run the script that records it"):
        results.recorded("missing", tmp_path / "results")
    with pytest.raises(TypeError):
        results.ChapterResults("01_none")          # no folder is guessed
