"""Image features from the pretrained backbone, computed once and cached, and PCA on them.

Explained in chapter 5, *Image captioning* ("Image features from a pretrained network").
Features are MobileNetV2's pooled 1280-d activations (``hwlib.pretrained.mobilenet_v2_imagenet``),
cached as .npy in the data cache under a key made of the backbone, the image size and a checksum of
the image files, so a different image set never reuses stale features.
"""

import hashlib

import numpy as np

from hwlib.data.arrays import cached_arrays

BACKBONES = ("mobilenet_v2",)


def _images_checksum(folder, names):
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update(hashlib.sha256((folder / name).read_bytes()).digest())
    return digest.hexdigest()[:16]


def image_features(folder, names, backbone="mobilenet_v2", image_size=224, batch_size=50, progress=True):
    """Pooled backbone features of images, computed once and then read from the cache.

    Inputs:
    - folder: Path of the images; names: file names in it
    - backbone: 'mobilenet_v2' (ImageNet weights converted from the offline TFLite model)
    - image_size: side of the centre crop fed to the backbone (after resizing the short side)
    - progress: show a progress bar (tqdm) while computing

    Returns:
    - float32 array (len(names), 1280), row i for names[i]

    Raises FileNotFoundError naming a missing image and ValueError naming one that does not decode.
    """
    if backbone not in BACKBONES:
        raise ValueError(f"backbone must be one of {BACKBONES}, got {backbone!r}")
    for name in names:
        if not (folder / name).is_file():
            raise FileNotFoundError(f"image {folder / name} is missing")
    key = f"features-{backbone}-{image_size}-{_images_checksum(folder, names)}"
    return cached_arrays(key, lambda: {"features": _compute(folder, names, image_size, batch_size, progress)})[
        "features"]


def _compute(folder, names, image_size, batch_size, progress):
    import torch
    from PIL import Image, UnidentifiedImageError

    from hwlib.pretrained import image_transforms, mobilenet_v2_imagenet

    model = mobilenet_v2_imagenet()
    transform = image_transforms(image_size)["val"]
    batches = range(0, len(names), batch_size)
    if progress:
        from tqdm.auto import tqdm
        batches = tqdm(batches, desc="image features", unit="batch")
    out = []
    with torch.no_grad():
        for start in batches:
            images = []
            for name in names[start:start + batch_size]:
                try:
                    with Image.open(folder / name) as img:
                        images.append(transform(img.convert("RGB")))
                except (UnidentifiedImageError, OSError) as exc:
                    raise ValueError(f"image {folder / name} cannot be decoded ({exc})") from exc
            out.append(model.features(torch.stack(images)).mean(dim=(2, 3)).numpy())
    return np.concatenate(out).astype(np.float32)


def fit_pca(features, dim):
    """Principal components of training features: returns (mean (D,), components (D, dim)), so that
    ``(X - mean) @ components`` projects X onto the ``dim`` directions of largest variance."""
    features = np.asarray(features, dtype=np.float64)
    if not 0 < dim <= min(features.shape):
        raise ValueError(f"dim must be in 1..{min(features.shape)} for features of shape {features.shape}, got {dim}")
    mean = features.mean(axis=0)
    _, _, vt = np.linalg.svd(features - mean, full_matrices=False)
    return mean, vt[:dim].T
