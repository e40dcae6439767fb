"""hwlib.caption_eval: BLEU (with clipped counts and the brevity penalty) and the two baselines."""

import numpy as np
import pytest

from hwlib.caption_eval import bleu, most_common_caption, nearest_neighbour_captions

REFS = [[["a", "dog", "runs", "on", "grass"], ["a", "dog", "is", "running"]],
        [["a", "cat", "sits", "on", "a", "mat"]]]


def test_bleu_is_one_for_a_reference_and_zero_without_overlap():
    perfect = bleu(REFS, ["a dog runs on grass", "a cat sits on a mat"])
    assert all(v == pytest.approx(1.0) for v in perfect.values())
    assert bleu(REFS, ["zebra zebra zebra", "zebra"])["BLEU-1"] == 0.0


def test_bleu_clips_repeated_words_and_penalizes_short_captions():
    # "a a a a a a" matches the reference's two a's only: clipped unigram precision 2/6, not 6/6
    clipped = bleu([REFS[1]], ["a a a a a a"])["BLEU-1"]
    assert clipped == pytest.approx(2 / 6)
    # "a cat" is all correct words but 2 of 6: brevity penalty exp(1 - 6/2)
    assert bleu([REFS[1]], ["a cat"])["BLEU-1"] == pytest.approx(np.exp(1 - 6 / 2))
    with pytest.raises(ValueError, match="reference sets"):
        bleu(REFS, ["a dog"])


def test_baselines():
    assert most_common_caption([REFS[0], REFS[0], REFS[1]]) == "a dog is running"
    feats = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert nearest_neighbour_captions(feats, REFS, np.array([[0.1, 2.0]])) == ["a cat sits on a mat"]
    # among the neighbour's captions, the one that agrees most with the others is chosen
    refs = [[["a", "dog"], ["a", "dog", "runs"], ["a", "red", "dog", "runs"], ["zebra"]]]
    assert nearest_neighbour_captions(feats[:1], refs, feats[:1]) == ["a dog runs"]
