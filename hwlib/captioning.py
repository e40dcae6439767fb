"""Around the captioning model: image features from the pretrained backbone (cached), PCA, BLEU, two
baselines, and a figure of images with generated and reference captions.

Features are MobileNetV2's pooled 1280-d activations (``hwlib.pretrained.mobilenet_v2_imagenet``),
computed once and cached as .npy in the data cache under a key made of the backbone, the image size
and a checksum of the image files, so a different image set never reuses stale features.
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

    from hwlib.pretrained import mobilenet_v2_imagenet
    from hwlib.transfer import image_transforms

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


def bleu(references, hypotheses):
    """Corpus BLEU-1 to BLEU-4 (nltk's corpus_bleu, no smoothing).

    Inputs:
    - references: per image, a list of reference captions, each a list of words
    - hypotheses: per image, one caption as a list of words or a string

    Returns {'BLEU-1': ..., 'BLEU-4': ...} as floats in [0, 1].
    """
    from nltk.translate.bleu_score import corpus_bleu

    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} reference sets but {len(hypotheses)} hypotheses")
    hyps = [h.split() if isinstance(h, str) else list(h) for h in hypotheses]
    weights = {1: (1, 0, 0, 0), 2: (0.5, 0.5, 0, 0), 3: (1 / 3, 1 / 3, 1 / 3, 0), 4: (0.25, 0.25, 0.25, 0.25)}
    return {f"BLEU-{n}": float(corpus_bleu(references, hyps, weights=w)) for n, w in weights.items()}


def most_common_caption(references):
    """The baseline that ignores the image: the most frequent training caption (ties: the shortest,
    then alphabetical), as a string."""
    from collections import Counter

    counts = Counter(" ".join(words) for refs in references for words in refs)
    return min(counts, key=lambda c: (-counts[c], len(c), c))


def nearest_neighbour_captions(train_features, train_references, query_features):
    """The baseline that copies: for each query image, the training image with the most similar
    features (cosine) and, among its reference captions, the one that agrees most with the others
    (highest mean word overlap). Returns a list of strings."""
    def unit(x):
        x = np.asarray(x, dtype=np.float64)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

    nearest = np.argmax(unit(query_features) @ unit(train_features).T, axis=1)
    out = []
    for i in nearest:
        refs = train_references[i]
        sets = [set(r) for r in refs]
        agreement = [np.mean([len(a & b) / len(a | b) for k, b in enumerate(sets) if k != j]) if len(sets) > 1
                     else 0 for j, a in enumerate(sets)]
        out.append(" ".join(refs[int(np.argmax(agreement))]))
    return out


def show_captions(folder, names, generated, references, ncols=3, width=4.2):
    """A figure of images, each titled with its generated caption and one reference caption.

    Inputs: folder, names (image files), generated (strings), references (per image: lists of words).
    Returns the matplotlib Figure.
    """
    import textwrap

    import matplotlib.pyplot as plt
    from PIL import Image

    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, width * 1.1 * nrows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, name, gen, refs in zip(axes.ravel(), names, generated, references):
        with Image.open(folder / name) as img:
            ax.imshow(img.convert("RGB"))
        title = "model: " + textwrap.fill(gen, 40) + "\nref: " + textwrap.fill(" ".join(refs[0]), 40)
        ax.set_title(title, fontsize=9, loc="left")
    fig.tight_layout()
    return fig
