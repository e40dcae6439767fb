"""The TinyStories sample as language-modelling data: loading, cleaning, splitting, windows.

The text is tokenized one character at a time (``hwlib.tokenizer.CharTokenizer``, about 70
symbols), which lets a very small model produce readable text. ``words`` and ``known_share``
measure how much of a generated text is spelled like the training text.
"""

import re

import torch

from hwlib.data import data_file, locate
from hwlib.tokenizer import END   # stories are separated by a blank line; generation stops at one

# The upstream TinyStories text contains UTF-8 punctuation that was decoded as cp1252 once too often
# ("mojibake"): "â€œ" is a left double quote, and so on. Map it back, then to plain ASCII quotes.
_MOJIBAKE = {"â€œ": '"', "â€\x9d": '"', "â€™": "'", "â€˜": "'", "â€”": " - ", "â€“": " - ", "â€Š": " ",
             "â€¦": "...", "â€": '"', "“": '"', "”": '"', "’": "'", "‘": "'"}


def clean_story(text):
    """One story with its mojibake repaired and curly quotes made straight, whitespace normalized."""
    for bad, good in _MOJIBAKE.items():
        text = text.replace(bad, good)
    return " ".join(text.split())


def load_tinystories():
    """The 1,000 TinyStories validation stories of the offline sample, cleaned, as a list of strings."""
    path = locate(data_file("tinystories/tinystories_val_1k.txt"))
    raw = path.read_text(encoding="utf-8")
    stories = [clean_story(s) for s in raw.split("<|endoftext|>")]
    stories = [s for s in stories if s]
    if len(stories) < 10:
        raise ValueError(f"{path}: found only {len(stories)} stories separated by <|endoftext|>")
    return stories


def words(text):
    """The lower-case words of a text (letters and apostrophes), e.g. for checking generated text."""
    return re.findall(r"[a-z']+", text.lower())


def known_share(generated, reference):
    """The fraction of the words of ``generated`` that occur among the words of ``reference`` (both
    texts; see ``words``), e.g. how many words of a sampled story occur in the training stories."""
    known = set(words(reference))
    found = words(generated)
    if not found:
        raise ValueError("the generated text has no words")
    return sum(w in known for w in found) / len(found)


def split_stories(stories, val_fraction=0.1):
    """(train_text, val_text): the last ``val_fraction`` of the stories are validation, whole stories
    only, each story followed by a blank line."""
    n_val = max(1, round(val_fraction * len(stories)))
    join = (END + END).join
    return join(stories[:-n_val]) + END + END, join(stories[-n_val:]) + END + END


def windows(ids, block_size, stride=None):
    """All (x, y) training windows of a token sequence: x = ids[i:i+T], y = ids[i+1:i+T+1].

    Returns two int64 tensors of shape (n, block_size); windows start every ``stride`` tokens
    (default block_size // 2).
    """
    stride = stride or block_size // 2
    if len(ids) <= block_size:
        raise ValueError(f"the text has {len(ids)} tokens, fewer than block_size + 1 = {block_size + 1}")
    starts = torch.arange(0, len(ids) - block_size, stride)
    offsets = torch.arange(block_size)
    return ids[starts[:, None] + offsets], ids[starts[:, None] + offsets + 1]
