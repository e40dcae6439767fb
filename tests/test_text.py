"""hwlib.text: cleaning stories, the character tokenizer, training windows."""

import pytest
import torch


def test_char_tokenizer_and_windows():
    from hwlib.text import CharTokenizer, clean_story, windows
    assert clean_story("â€œHi!â€\x9d  she said.\n") == '"Hi!" she said.'
    tok = CharTokenizer.from_text("hello world")
    assert tok.chars == ["\n", " ", "d", "e", "h", "l", "o", "r", "w"]           # sorted, END included
    ids = tok.encode("hello")
    assert tok.decode(ids) == "hello" and ids.dtype == torch.long
    assert CharTokenizer("ba").encode("ab").tolist() == [1, 0]                      # a given alphabet keeps its order
    with pytest.raises(ValueError, match="repeats"):
        CharTokenizer("aba")
    with pytest.raises(ValueError, match=r"\['z'\]"):
        tok.encode("zoo")
    x, y = windows(torch.arange(10), block_size=4, stride=2)
    assert x.tolist()[0] == [0, 1, 2, 3] and y.tolist()[0] == [1, 2, 3, 4] and x.shape == (3, 4)
