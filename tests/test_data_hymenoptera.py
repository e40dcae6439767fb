"""hwlib.data.hymenoptera: the tutorial's zip downloaded and loaded at home, its checksum, and a
clear error without the data."""

import pytest

from hwlib.data import DataNotFoundError, hymenoptera

from conftest import jpeg_bytes, zip_bytes


def test_missing_hymenoptera_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HWLIB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("HWLIB_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match="(?s)hymenoptera_data.zip.*skipped \\(HWLIB_OFFLINE"):
        hymenoptera.hymenoptera_dataloaders()


def test_at_home_the_upstream_zip_is_downloaded_and_loaded(upstream):
    """The tutorial's zip, in its upstream layout, served on 127.0.0.1 with no mirror around."""
    photos = {f"hymenoptera_data/{split}/{kind}/{i}.jpg": jpeg_bytes((200 * (kind == "bees"), 90, 30 * i))
              for split in ("train", "val") for kind in ("ants", "bees") for i in range(3)}
    cache = upstream("hymenoptera", {"hymenoptera/hymenoptera_data.zip": zip_bytes(photos)})
    loaders, classes = hymenoptera.hymenoptera_dataloaders(image_size=32, batch_size=4)
    assert classes == ["ants", "bees"] and (cache / "hymenoptera/hymenoptera_data.zip").is_file()
    assert len(loaders["train"].dataset) == len(loaders["val"].dataset) == 6
    images, labels = next(iter(loaders["val"]))
    assert images.shape == (4, 3, 32, 32) and labels.tolist() == [0, 0, 0, 1]


def test_hymenoptera_is_registered_with_its_upstream_checksum():
    from hwlib.data import data_file

    f = data_file("hymenoptera/hymenoptera_data.zip")
    assert f.url == "https://download.pytorch.org/tutorial/hymenoptera_data.zip"
    assert f.url_hash == "sha256:fbc41b31d544714d18dd1230b1e2b455e1557766e13e67f9f5a7a23af7c02209"
    assert len(f.hashes) == 2                    # the mirror's re-packed zip is accepted too
