"""hwlib.text: cleaning stories, training windows, the share of known words."""

import pytest
import torch


def test_cleaning_and_windows():
    from hwlib.text import clean_story, windows
    assert clean_story("â€œHi!â€\x9d  she said.\n") == '"Hi!" she said.'
    x, y = windows(torch.arange(10), block_size=4, stride=2)
    assert x.tolist()[0] == [0, 1, 2, 3] and y.tolist()[0] == [1, 2, 3, 4] and x.shape == (3, 4)


def test_known_share_counts_words_of_the_generated_text():
    from hwlib.text import known_share, words
    assert words("Tom's dog, Spot!") == ["tom's", "dog", "spot"]
    assert known_share("the dog ran. The dgo", "The dog sat.") == pytest.approx(3 / 5)
    assert known_share("Cat cat", "a cat") == 1.0 and known_share("xyz", "a cat") == 0.0
    with pytest.raises(ValueError, match="no words"):
        known_share("... !", "a cat")
