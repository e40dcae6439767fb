"""hwlib.scale: the CI/full switch."""

from hwlib.scale import full_scale, pick, scale_name


def test_scale_switch(monkeypatch):
    monkeypatch.delenv("HWLIB_FULL", raising=False)
    assert not full_scale() and pick(ci=1, full=2) == 1 and scale_name() == "CI"
    monkeypatch.setenv("HWLIB_FULL", "1")
    assert full_scale() and pick(ci=1, full=2) == 2 and scale_name() == "full"
