"""Words and ids of a caption vocabulary: the special tokens, encoding and decoding (chapter 5).

The one home of ``<NULL>`` (padding), ``<START>``, ``<END>`` and ``<UNK>``: the Flickr8k loader
(``hwlib.data.flickr8k``) builds a :class:`Vocabulary` from its training captions and the numpy
model (``hwlib.models.CaptioningRNN``) reads the special ids from its ``word_to_idx``; neither
types the tokens again. Numpy only.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np

NULL, START, END, UNK = "<NULL>", "<START>", "<END>", "<UNK>"
SPECIAL = (NULL, START, END, UNK)          # ids 0..3, in this order


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
