"""hwlib.features: the cached backbone features and PCA."""

import shutil

import numpy as np
import pytest

from conftest import write_flickr8k_layout


def test_feature_cache_computes_once_and_keys_on_content(private_cache, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from hwlib import features

    root = write_flickr8k_layout(tmp_path / "imgs")
    folder, names = root / "Flicker8k_Dataset", ["a.jpg", "b.jpg"]
    first = features.image_features(folder, names, progress=False)
    assert first.shape == (2, 1280) and first.dtype == np.float32
    with monkeypatch.context() as patch:
        patch.setattr(features, "_compute", lambda *a: pytest.fail("features were computed twice"))
        assert np.array_equal(features.image_features(folder, names, progress=False), first)
    shutil.copy(folder / "c.jpg", folder / "a.jpg")                    # different content, same name
    changed = features.image_features(folder, names, progress=False)
    assert not np.array_equal(changed[0], first[0]) and np.array_equal(changed[1], first[1])
    (folder / "b.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="b.jpg cannot be decoded"):
        features.image_features(folder, names, progress=False)


def test_pca_keeps_the_directions_of_largest_variance():
    from hwlib.features import fit_pca

    data = np.random.default_rng(0).standard_normal((200, 5)) * [5, 1, 1, 1, 0.1]
    mean, components = fit_pca(data, 2)
    assert components.shape == (5, 2) and np.allclose(components.T @ components, np.eye(2))
    assert abs(components[0, 0]) > 0.99                                   # the variance-25 axis first
    with pytest.raises(ValueError, match="dim"):
        fit_pca(data, 6)


def test_chapter_5s_features_do_not_import_chapter_6s_transfer_learning():
    import subprocess
    import sys

    code = ("import sys, hwlib.features, hwlib.pretrained; "
            "print(any(m.startswith(('hwlib.transfer', 'hwlib.data.hymenoptera')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
