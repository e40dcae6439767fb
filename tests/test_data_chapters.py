"""hwlib.data.chapters and the CLI: what each chapter needs, whether it can run, fetching per chapter."""

import pytest

from hwlib.data import chapters
from hwlib.data.__main__ import main as data_cli
from hwlib.data.registry import CHAPTERS, DATASETS

from conftest import zip_bytes


def test_every_chapter_can_get_its_data_online():
    """At home (no mirror) each requirement of each chapter has an alternative with public URLs."""
    for chapter, requirements in CHAPTERS.items():
        for alternatives in requirements:
            assert all(name in DATASETS for name in alternatives), chapter
            assert any(chapters.downloadable(name) for name in alternatives), (chapter, alternatives)
    assert set(CHAPTERS) == {p.stem for p in (chapters.__file__ and __import__("pathlib").Path(
        __file__).resolve().parents[1] / "book").glob("*.ipynb")}


def test_chapter_names_by_number_or_name():
    assert chapters.chapter_name("5") == chapters.chapter_name("05") == "05_image_captioning"
    assert chapters.chapter_name("ch6") == chapters.chapter_name("06_transfer_learning") == "06_transfer_learning"
    with pytest.raises(KeyError, match="unknown chapter '9'"):
        chapters.chapter_name("9")


def test_status_ready_download_or_blocked(isolated, monkeypatch):
    status = chapters.chapter_status("06_transfer_learning")          # nothing local, both downloadable
    assert not status.ready and status.downloads == ["hymenoptera", "mobilenet_v2_quant"]
    assert "python -m hwlib.data fetch 06_transfer_learning" in status.line()
    assert chapters.chapter_status("05_image_captioning").downloads[0] == "flickr8k-upstream"
    assert chapters.chapter_status("01_backprop_by_hand").line() == "ready (needs no data)"
    monkeypatch.setitem(CHAPTERS, "99_offline_only", (("flickr8k",),))
    assert chapters.chapter_status("99_offline_only").line() == "cannot run: no copy of flickr8k, here or online"


def test_fetch_plan_takes_datasets_and_chapters(isolated):
    assert chapters.fetch_plan(["tinystories"]) == ["tinystories"]
    assert chapters.fetch_plan(["6", "5"]) == ["hymenoptera", "mobilenet_v2_quant", "flickr8k-upstream"]
    with pytest.raises(KeyError):
        chapters.fetch_plan(["no-such-thing"])


def test_cli_fetches_a_chapter_and_then_reports_it_ready(upstream, capsys):
    photos = {f"hymenoptera_data/{s}/{k}/0.jpg": b"not decoded here" for s in ("train", "val") for k in ("ants", "bees")}
    upstream("hymenoptera", {"hymenoptera/hymenoptera_data.zip": zip_bytes(photos)})
    upstream("mobilenet_v2_quant", {"pretrained/mobilenet_v2_1.0_224_quant.tflite": b"model" * 300,
                                    "pretrained/imagenet_labels.txt": b"background\ntench\n"})
    assert data_cli(["list"]) == 0
    assert "06_transfer_learning: downloads hymenoptera, mobilenet_v2_quant first" in capsys.readouterr().out
    assert data_cli(["fetch", "6"]) == 0
    out = capsys.readouterr().out
    assert "pretrained/mobilenet_v2_1.0_224_quant.tflite: 1.5 kB from http://127.0.0.1:" in out
    assert data_cli(["fetch", "6"]) == 0
    assert "nothing to fetch" in capsys.readouterr().out
    data_cli(["list"])
    assert "06_transfer_learning: ready: hymenoptera (" in capsys.readouterr().out
    assert data_cli(["fetch", "nonsense"]) == 2
