"""hwlib.settings.env_flag and the switches that use it (HWLIB_FULL, HWLIB_OFFLINE)."""

import pytest

from hwlib.data import DataFile, DataNotFoundError, locate
from hwlib.scale import full_scale
from hwlib.settings import env_flag


@pytest.mark.parametrize("value, expected", [("1", True), ("TRUE", True), (" yes ", True), ("on", True),
                                             ("", False), ("0", False), ("False", False), ("off", False)])
def test_env_flag_reads_on_and_off(monkeypatch, value, expected):
    monkeypatch.setenv("HWLIB_SOMETHING", value)
    assert env_flag("HWLIB_SOMETHING") is expected


def test_env_flag_refuses_anything_else(monkeypatch):
    monkeypatch.delenv("HWLIB_SOMETHING", raising=False)
    assert env_flag("HWLIB_SOMETHING") is False
    monkeypatch.setenv("HWLIB_FULL", "ful")
    with pytest.raises(ValueError, match="HWLIB_FULL='ful' is neither on"):
        full_scale()


def test_offline_switch_accepts_any_spelling(isolated, monkeypatch):
    monkeypatch.setenv("HWLIB_OFFLINE", "TRUE")
    datafile = DataFile("toy/x.bin", ("sha256:" + "0" * 64,), url="http://127.0.0.1:9/x.bin")
    with pytest.raises(DataNotFoundError, match="skipped \\(HWLIB_OFFLINE is set\\)"):
        locate(datafile)
