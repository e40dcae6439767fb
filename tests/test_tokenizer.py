"""hwlib.tokenizer: the character tokenizer's alphabet, round trip and refusals."""

import pytest
import torch

from hwlib.tokenizer import END, CharTokenizer


def test_char_tokenizer():
    tok = CharTokenizer.from_text("hello world")
    assert END == "\n" and tok.chars == ["\n", " ", "d", "e", "h", "l", "o", "r", "w"]   # sorted, END included
    ids = tok.encode("hello")
    assert tok.decode(ids) == "hello" and ids.dtype == torch.long and ids.tolist() == [4, 3, 5, 5, 6]
    assert tok.vocab_size == 9
    assert CharTokenizer("ba").encode("ab").tolist() == [1, 0]                      # a given alphabet keeps its order
    with pytest.raises(ValueError, match="repeats"):
        CharTokenizer("aba")
    with pytest.raises(ValueError, match=r"\['z'\]"):
        tok.encode("zoo")
