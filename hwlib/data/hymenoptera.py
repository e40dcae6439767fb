"""The PyTorch tutorial's ants and bees (hymenoptera), as torchvision loaders (chapter 6).

``hymenoptera_folder()`` finds (or downloads) the verified zip through ``hwlib.data`` and extracts
it once; ``hymenoptera_dataloaders()`` wraps ``torchvision.datasets.ImageFolder`` around it with the
backbone's transforms (``hwlib.pretrained.image_transforms``). Imports torch.
"""

import functools

import torch

from hwlib.data.registry import data_file
from hwlib.data.store import extract, locate
from hwlib.pretrained import MOBILENET_MEAN, MOBILENET_STD, image_transforms


def hymenoptera_folder():
    """The extracted ``hymenoptera_data`` folder (with train/ and val/), extracting the zip once."""
    datafile = data_file("hymenoptera/hymenoptera_data.zip")
    root = extract(locate(datafile), datafile, "hymenoptera")
    folder = root / "hymenoptera_data"
    for split in ("train", "val"):
        if not (folder / split).is_dir():
            raise FileNotFoundError(f"{folder / split} is missing: the archive does not have the expected layout")
    return folder


@functools.lru_cache(maxsize=None)
def _decoded(path, short_side):
    """The image at ``path`` as RGB, shrunk so that its shorter side is ``short_side`` (smaller images
    are kept), decoded once per process. JPEG's draft mode decodes big photos at a fraction of their
    size directly, so an epoch costs crops and flips, not decoding 5-megapixel photos again."""
    from PIL import Image

    with Image.open(path) as img:
        img.draft("RGB", (short_side, short_side))
        img = img.convert("RGB")
    scale = short_side / min(img.size)
    if scale < 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.BILINEAR)
    return img


def hymenoptera_dataloaders(image_size=224, batch_size=16, seed=0, augment=True, mean=MOBILENET_MEAN,
                            std=MOBILENET_STD):
    """``torchvision.datasets.ImageFolder`` loaders for the ants/bees data.

    Returns (dataloaders, class_names): dataloaders['train'] shuffles with a generator seeded by
    ``seed`` and augments (random crops and flips) unless ``augment`` is False, when it shows each
    training image as validation images are shown (resize, centre crop), in a fixed order;
    dataloaders['val'] keeps a fixed order. ImageFolder skips the one non-image file of the upstream
    archive (train/ants/imageNotFound.gif), giving 244 training and 153 validation images. Each image
    is decoded once, at the size the transforms need (see ``_decoded``).
    """
    from torchvision import datasets

    folder = hymenoptera_folder()
    tfms = image_transforms(image_size, mean, std)
    short_side = round(image_size * 256 / 224)
    sets = {split: datasets.ImageFolder(folder / split, tfms["train" if split == "train" and augment else "val"],
                                        loader=functools.partial(_load, short_side=short_side))
            for split in ("train", "val")}
    generator = torch.Generator().manual_seed(seed)
    loaders = {"train": torch.utils.data.DataLoader(sets["train"], batch_size=batch_size, shuffle=augment,
                                                    generator=generator if augment else None),
               "val": torch.utils.data.DataLoader(sets["val"], batch_size=batch_size, shuffle=False)}
    return loaders, sets["train"].classes


def _load(path, short_side):
    return _decoded(str(path), short_side)
