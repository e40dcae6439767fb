"""Flickr8k captions: parsing, tokenization, vocabulary, a split by image, and padded caption arrays.

Two layouts are read the same way:

* the offline subset ``flickr8k/flickr8k-1k.tar.gz`` (1,000 images, 5 captions each), extracted
  once into the data cache: ``flickr8k-1k/Flickr8k.token.txt`` and ``flickr8k-1k/images/``;
* the full upstream Flickr8k, unpacked anywhere and passed as ``root``: ``Flickr8k.token.txt``
  (from Flickr8k_text.zip) beside the images folder (``Flicker8k_Dataset/`` as upstream spells it,
  or ``Flickr8k_Dataset/`` or ``images/``).

The token file has one caption per line, ``<image>.jpg#<k><TAB><caption>``. Image features are not
computed here (that needs torch): see ``hwlib.features.image_features``.
"""

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwlib.data.registry import data_file
from hwlib.data.store import extract, locate

NULL, START, END, UNK = "<NULL>", "<START>", "<END>", "<UNK>"
SPECIAL = (NULL, START, END, UNK)          # ids 0..3, in this order
TOKEN_FILE = "Flickr8k.token.txt"
IMAGE_FOLDERS = ("images", "Flicker8k_Dataset", "Flickr8k_Dataset")
_ARCHIVE = "flickr8k/flickr8k-1k.tar.gz"
_WORD = re.compile(r"[a-z0-9]+")


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


def flickr8k_root(root=None):
    """(token file, image folder) of the full upstream layout under ``root``, or of the offline subset.

    Raises FileNotFoundError naming what is missing.
    """
    if root is None:
        datafile = data_file(_ARCHIVE)
        root = extract(locate(datafile), datafile, "flickr8k") / "flickr8k-1k"
    root = Path(root)
    token_file = root / TOKEN_FILE
    if not token_file.is_file():
        raise FileNotFoundError(f"{token_file} is missing: a Flickr8k folder holds {TOKEN_FILE} "
                                f"(from Flickr8k_text.zip) and one of the image folders {IMAGE_FOLDERS}")
    for name in IMAGE_FOLDERS:
        if (root / name).is_dir():
            return token_file, root / name
    raise FileNotFoundError(f"{root} has none of the image folders {IMAGE_FOLDERS}")


def decode_caption(ids, idx_to_word):
    """The words of one caption of word ids, as a string: stops at <END>, skips <NULL> and <START>.
    ``idx_to_word`` maps an id to its word (a list or a dict)."""
    words = []
    for i in np.asarray(ids).ravel():
        word = idx_to_word[int(i)]
        if word == END:
            break
        if word not in (NULL, START):
            words.append(word)
    return " ".join(words)


@dataclass
class Vocabulary:
    """Words ↔ ids. Ids 0..3 are <NULL> (padding), <START>, <END> and <UNK> (a rare or unseen word)."""

    idx_to_word: list

    @classmethod
    def build(cls, tokenized_captions, min_count=5):
        """Every word seen at least ``min_count`` times, most frequent first (ties alphabetically)."""
        counts = Counter(word for words in tokenized_captions for word in words)
        kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls(list(SPECIAL) + kept)

    @property
    def word_to_idx(self):
        return {word: i for i, word in enumerate(self.idx_to_word)}

    def __len__(self):
        return len(self.idx_to_word)

    def encode(self, words, length):
        """<START> words <END>, then <NULL> padding up to ``length`` ids (int32); unknown words -> <UNK>.

        Raises ValueError when the caption does not fit.
        """
        if len(words) + 2 > length:
            raise ValueError(f"a caption of {len(words)} words needs length >= {len(words) + 2}, got {length}")
        lookup = self.word_to_idx
        null, start, end, unk = (lookup[token] for token in SPECIAL)
        ids = [start] + [lookup.get(w, unk) for w in words] + [end]
        return np.array(ids + [null] * (length - len(ids)), dtype=np.int32)

    def decode(self, ids):
        """The words of a caption: stops at <END>, skips <NULL> and <START>."""
        return decode_caption(ids, self.idx_to_word)


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
    return {split: sorted(names[i] for i in idx) for split, idx in parts.items()}


def load_flickr8k(root=None, max_words=18, min_count=5, fractions=(0.8, 0.1, 0.1), seed=0):
    """Flickr8k captions ready for a captioning model (features: see hwlib.features.image_features).

    Inputs:
    - root: a full Flickr8k folder (see the module); None reads the offline 1,000-image subset
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

    Raises FileNotFoundError naming an image listed in the token file that is not in the folder.
    """
    token_file, image_folder = flickr8k_root(root)
    captions = read_captions(token_file)
    present = {p.name for p in image_folder.iterdir()}
    missing = sorted(set(captions) - present)
    if missing:
        raise FileNotFoundError(f"{len(missing)} image(s) named in {token_file} are not in {image_folder}, "
                                f"e.g. {missing[0]}")
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
