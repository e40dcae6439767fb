"""hwlib.augment.flip_and_crop."""

import numpy as np


def test_flip_and_crop_is_a_reproducible_mirror_and_shift():
    from hwlib.augment import flip_and_crop
    x = np.random.default_rng(0).random((6, 3, 5, 5)).astype(np.float32)
    x0 = x.copy()
    out = flip_and_crop(x, np.random.default_rng(1), pad=0)
    assert out.dtype == np.float32 and out.shape == x.shape
    for a, b in zip(out, x):                                   # pad 0: each image is itself or its mirror
        assert np.array_equal(a, b) or np.array_equal(a, b[..., ::-1])
    shifted = flip_and_crop(x, np.random.default_rng(2), pad=2)
    np.testing.assert_array_equal(shifted, flip_and_crop(x, np.random.default_rng(2), pad=2))
    np.testing.assert_array_equal(x, x0)
    # every output pixel is either zero padding or a pixel of the (possibly mirrored) image
    assert set(np.round(shifted.ravel(), 6)) <= set(np.round(x.ravel(), 6)) | {0.0}
