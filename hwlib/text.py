"""Text for language modelling: the TinyStories sample and a character-level tokenizer.

Character level keeps the tokenizer trivial (about 70 symbols, no training, no unknown words) and
lets a very small model produce readable text; its cost is longer sequences than a subword
tokenizer would give, which is fine at this scale.
"""

import re

import torch

from hwlib.data import data_file, locate

END = "\n"   # stories are separated by a blank line; generation stops at the first blank line

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


class CharTokenizer:
    """Maps each character of a fixed alphabet to an integer id (its position) and back.

    ``CharTokenizer(alphabet)`` uses the characters of ``alphabet`` in that order;
    ``CharTokenizer.from_text(text)`` uses the sorted characters of a training text plus END.
    ``encode`` raises ValueError naming any character outside the alphabet (never a silent
    substitution).
    """

    def __init__(self, alphabet):
        self.chars = list(alphabet)
        if len(set(self.chars)) != len(self.chars):
            raise ValueError(f"the alphabet {alphabet!r} repeats a character")
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text):
        return cls(sorted(set(text) | {END}))

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, text):
        """int64 tensor of ids."""
        unknown = sorted(set(text) - set(self.stoi))
        if unknown:
            raise ValueError(f"characters {unknown} are not in the tokenizer's alphabet {''.join(self.chars)!r}")
        return torch.tensor([self.stoi[ch] for ch in text], dtype=torch.long)

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)


def words(text):
    """The lower-case words of a text (letters and apostrophes), e.g. for checking generated text."""
    return re.findall(r"[a-z']+", text.lower())


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
