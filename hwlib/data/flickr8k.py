"""Flickr8k captions: parsing, tokenization, vocabulary, a split by image, and padded caption arrays.

Chapter 5 uses 1,000 of the 8,091 photos, listed in ``flickr8k_subset.txt`` beside this module, and
selects them from whichever copy it finds:

* the offline subset ``flickr8k/flickr8k-1k.tar.gz`` (those 1,000 photos re-encoded as smaller
  JPEGs, 5 captions each), extracted once: ``Flickr8k.token.txt`` and ``images/``;
* the upstream release (``Flickr8k_Dataset.zip``, about 1 GB, and ``Flickr8k_text.zip``), downloaded
  with their checksums verified; only the photos asked for are extracted, once, with a progress bar;
* a full Flickr8k unpacked anywhere and passed as ``root``: ``Flickr8k.token.txt`` beside the
  images folder (``Flicker8k_Dataset/`` as upstream spells it, or ``Flickr8k_Dataset/`` or ``images/``).

The token file has one caption per line, ``<image>.jpg#<k><TAB><caption>``. Image features are not
computed here (that needs torch): see ``hwlib.features.image_features``.
"""

import hashlib
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np

from hwlib.data.registry import data_file
from hwlib.data.store import (
    DataNotFoundError,
    cache_dir,
    extract,
    find_local,
    locate,
    read_marker,
    write_marker,
    written_atomically,
)
from hwlib.vocabulary import Vocabulary

TOKEN_FILE = "Flickr8k.token.txt"
IMAGE_FOLDERS = ("images", "Flicker8k_Dataset", "Flickr8k_Dataset")
_ARCHIVE = "flickr8k/flickr8k-1k.tar.gz"
_UPSTREAM_IMAGES, _UPSTREAM_TEXT = "flickr8k/Flickr8k_Dataset.zip", "flickr8k/Flickr8k_text.zip"
SUBSET_FILE = Path(__file__).with_name("flickr8k_subset.txt")
_WORD = re.compile(r"[a-z0-9]+")


def book_subset():
    """The image names of the book's 1,000 photos (sorted), from ``flickr8k_subset.txt``."""
    lines = SUBSET_FILE.read_text(encoding="utf-8").split("\n")
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def tokenize(caption):
    """Lower-case words with punctuation removed: 'A tri-colored dog .' -> ['a', 'tri', 'colored', 'dog']."""
    return _WORD.findall(caption.lower())


def read_captions(token_file):
    """{image file name: [caption, ...]} from a Flickr8k token file, in file order.

    Raises ValueError naming the file and line for a line that is not ``<name>#<k><TAB><caption>``
    or has an empty caption.
    """
    captions = {}
    token_file = Path(token_file)
    with open(token_file, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            image, sep, caption = line.partition("\t")
            name, hash_sign, k = image.rpartition("#")
            if not sep or not hash_sign or not k.isdigit() or not name or not tokenize(caption):
                raise ValueError(f"{token_file}, line {number}: expected '<image>.jpg#<k><TAB><caption>', "
                                 f"got {line[:80]!r}")
            captions.setdefault(name, []).append(caption.strip())
    if not captions:
        raise ValueError(f"{token_file}: no captions found")
    return captions


def flickr8k_root(root=None, subset=None):
    """(token file, image folder) of a Flickr8k layout.

    With ``root``: the folder given. Without: for the book's subset (``subset`` equal to
    ``book_subset()``), the offline subset archive if there is a local copy; otherwise the upstream
    release, downloaded if needed, with the photos of ``subset`` extracted (all of them if None).

    Raises FileNotFoundError naming what is missing.
    """
    if root is None:
        offline = data_file(_ARCHIVE)
        local, _ = find_local(offline)
        if local is not None and subset is not None and set(subset) <= set(book_subset()):
            root = extract(local, offline, "flickr8k") / "flickr8k-1k"
        else:
            try:
                root = _upstream_folder(subset)
            except DataNotFoundError as exc:
                raise DataNotFoundError(f"{exc}\n  (chapter 5 reads either the offline subset {_ARCHIVE} or "
                                        "the upstream release: python -m hwlib.data fetch flickr8k-upstream)") from None
    root = Path(root)
    token_file = root / TOKEN_FILE
    if not token_file.is_file():
        raise FileNotFoundError(f"{token_file} is missing: a Flickr8k folder holds {TOKEN_FILE} "
                                f"(from Flickr8k_text.zip) and one of the image folders {IMAGE_FOLDERS}")
    for name in IMAGE_FOLDERS:
        if (root / name).is_dir():
            return token_file, root / name
    raise FileNotFoundError(f"{root} has none of the image folders {IMAGE_FOLDERS}")


def _upstream_folder(subset):
    """The upstream release's token file and the photos of ``subset`` (all if None), extracted once
    from the two verified zips into ``cache_dir()/extracted/flickr8k-upstream-<key>/``."""
    images_file, text_file = data_file(_UPSTREAM_IMAGES), data_file(_UPSTREAM_TEXT)
    images_zip, text_zip = locate(images_file), locate(text_file)
    wanted = None if subset is None else sorted(set(subset))
    key = "all" if wanted is None else hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:12]
    dest = cache_dir() / "extracted" / f"flickr8k-upstream-{key}"
    stamp = f"{images_file.url_hash} {text_file.url_hash}"
    if read_marker(dest) == stamp:
        return dest
    with written_atomically(dest) as tmp:
        (tmp / "images").mkdir(parents=True)
        with zipfile.ZipFile(text_zip) as zf:
            (tmp / TOKEN_FILE).write_bytes(zf.read(_member(zf, TOKEN_FILE, text_zip)))
        with zipfile.ZipFile(images_zip) as zf:
            members = {Path(m).name: m for m in zf.namelist()
                       if m.lower().endswith(".jpg") and not Path(m).name.startswith("._") and "__MACOSX" not in m}
            names = sorted(members) if wanted is None else wanted
            absent = [name for name in names if name not in members]
            if absent:
                raise FileNotFoundError(f"{images_zip} lacks {len(absent)} of the {len(names)} photos asked for, "
                                        f"e.g. {absent[0]}")
            for name in _progress(names, f"extracting {len(names)} photos from {images_zip.name}"):
                (tmp / "images" / name).write_bytes(zf.read(members[name]))
        write_marker(tmp, stamp)
    return dest


def _member(zf, name, archive):
    """The path inside ``zf`` of the file called ``name`` (at any depth, macOS metadata skipped)."""
    for member in zf.namelist():
        if Path(member).name == name and "__MACOSX" not in member:
            return member
    raise FileNotFoundError(f"{archive} has no {name}")


def _progress(items, description):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return items
    return tqdm(items, desc=description, unit="photo", leave=False, mininterval=1.0)


def split_images(names, fractions=(0.8, 0.1, 0.1), seed=0):
    """Split image names into train/val/test by a seeded permutation of the sorted names (each image
    in exactly one split). Returns a dict split -> sorted list of names."""
    names = sorted(names)
    if len(fractions) != 3 or abs(sum(fractions) - 1) > 1e-9 or min(fractions) <= 0:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {fractions}")
    order = np.random.default_rng(seed).permutation(len(names))
    n_train = round(fractions[0] * len(names))
    n_val = round(fractions[1] * len(names))
    parts = {"train": order[:n_train], "val": order[n_train:n_train + n_val], "test": order[n_train + n_val:]}
    for split, idx in parts.items():
        if not len(idx):
            raise ValueError(f"split {split!r} would get no images: {len(names)} images with fractions {fractions}")
    return {split: sorted(names[i] for i in idx) for split, idx in parts.items()}


def load_flickr8k(root=None, subset="book", max_words=18, min_count=5, fractions=(0.8, 0.1, 0.1), seed=0):
    """Flickr8k captions ready for a captioning model (features: see hwlib.features.image_features).

    Inputs:
    - root: a Flickr8k folder (see the module); None finds one: the offline subset, or the upstream
      release (downloaded if needed)
    - subset: 'book' (the chapter's 1,000 photos, ``book_subset()``), None (every photo that has
      captions and an image file; the upstream token file names one image that its zip lacks), or
      a list of image names
    - max_words: training captions longer than this are left out of the caption arrays (they stay in
      the references used for BLEU); arrays have length T = max_words + 2
    - min_count: a word needs this many occurrences in the training captions to get its own id
    - fractions, seed: the split by image

    Returns a dict:
    - vocab: a Vocabulary (built on training captions only); word_to_idx, idx_to_word
    - image_folder: Path of the images
    - for split in train, val, test:
      - '<split>_images': list of image file names (the split's images, sorted)
      - '<split>_captions': int32 (M, T) caption ids; '<split>_image_idxs': int64 (M,) row of
        each caption's image in '<split>_images'
      - '<split>_references': for each image, its reference captions as lists of words
    - dropped_long: how many captions exceeded max_words (per split)

    Raises FileNotFoundError naming a photo of the subset that has no captions or no image file.
    """
    wanted = book_subset() if subset == "book" else (None if subset is None else sorted(set(subset)))
    token_file, image_folder = flickr8k_root(root, wanted)
    captions = read_captions(token_file)
    present = {p.name for p in image_folder.iterdir()}
    if wanted is None:
        ghosts = sorted(set(captions) - present)
        if ghosts:
            warnings.warn(f"{len(ghosts)} image(s) named in {token_file} are not in {image_folder} and are "
                          f"skipped, e.g. {ghosts[0]}", stacklevel=2)
        captions = {name: caps for name, caps in captions.items() if name in present}
    else:
        missing = [name for name in wanted if name not in captions or name not in present]
        if missing:
            raise FileNotFoundError(f"{len(missing)} photo(s) of the subset have no captions in {token_file} or "
                                    f"no image in {image_folder}, e.g. {missing[0]}")
        captions = {name: captions[name] for name in wanted}
    splits = split_images(captions, fractions, seed)
    tokens = {name: [tokenize(c) for c in caps] for name, caps in captions.items()}
    vocab = Vocabulary.build([words for name in splits["train"] for words in tokens[name]], min_count)
    length = max_words + 2
    data = {"vocab": vocab, "word_to_idx": vocab.word_to_idx, "idx_to_word": vocab.idx_to_word,
            "image_folder": image_folder, "dropped_long": {}}
    for split, names in splits.items():
        rows, image_idxs, dropped = [], [], 0
        for i, name in enumerate(names):
            for words in tokens[name]:
                if len(words) > max_words:
                    dropped += 1
                    continue
                rows.append(vocab.encode(words, length))
                image_idxs.append(i)
        data[f"{split}_images"] = names
        data[f"{split}_captions"] = np.stack(rows)
        data[f"{split}_image_idxs"] = np.array(image_idxs, dtype=np.int64)
        data[f"{split}_references"] = [tokens[name] for name in names]
        data["dropped_long"][split] = dropped
    return data
