"""Data augmentation for image minibatches (numpy), usable as ``Solver(..., augment=flip_and_crop)``.

Explained in chapter 4, *A convolutional network from scratch* ("CIFAR-10").
"""

import numpy as np

from hwlib.layers._checks import float_array, require_ndim


def flip_and_crop(x, rng, pad=2):
    """Randomly mirror each image left-right, then shift it by up to ``pad`` pixels (zero-filled).

    Inputs:
    - x: images of shape (N, C, H, W), float32 or float64 (not modified)
    - rng: a numpy Generator (the Solver passes its own, so training stays reproducible)
    - pad: largest shift in pixels along each axis

    Returns:
    - an array of the same shape and dtype: each image flipped with probability 1/2, then cropped
      from the image zero-padded by ``pad`` at a random offset (the same offset for the whole batch
      would correlate the batch; here each image draws its own)
    """
    x = float_array("x", x)
    require_ndim("x", x, 4, "(N, C, H, W)")
    n, _, h, w = x.shape
    flip = rng.random(n) < 0.5
    out = np.where(flip[:, None, None, None], x[..., ::-1], x)
    padded = np.pad(out, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dy, dx = rng.integers(0, 2 * pad + 1, size=(2, n))
    # Gather each image's crop with one fancy index: rows dy[i] + 0..H-1, columns dx[i] + 0..W-1.
    rows = (dy[:, None] + np.arange(h))[:, None, :, None]
    cols = (dx[:, None] + np.arange(w))[:, None, None, :]
    return padded[np.arange(n)[:, None, None, None], np.arange(x.shape[1])[None, :, None, None], rows, cols]
