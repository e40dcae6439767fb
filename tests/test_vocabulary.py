"""hwlib.vocabulary: the special tokens, encoding and decoding, and the one home of the tokens."""

import subprocess
import sys

import numpy as np
import pytest

from hwlib.vocabulary import SPECIAL, Vocabulary, decode_caption


def test_vocabulary_encoding_and_decoding():
    vocab = Vocabulary.build([["a", "dog"], ["a", "cat"], ["a", "dog"]], min_count=2)
    assert vocab.idx_to_word == ["<NULL>", "<START>", "<END>", "<UNK>", "a", "dog"]
    assert vocab.idx_to_word[:4] == list(SPECIAL)
    ids = vocab.encode(["a", "cat"], 6)
    assert ids.tolist() == [1, 4, 3, 2, 0, 0] and ids.dtype == np.int32
    assert vocab.decode(ids) == "a <UNK>"
    assert decode_caption([1, 5, 4, 2, 5], vocab.idx_to_word) == "dog a"       # stops at <END>
    with pytest.raises(ValueError, match="needs length >= 4"):
        vocab.encode(["a", "dog"], 3)


def test_the_captioning_model_does_not_import_the_flickr8k_loader():
    code = ("import sys, hwlib.models.captioning; "
            "print(sorted(m for m in sys.modules if m.startswith('hwlib.data')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
