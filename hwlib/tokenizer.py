"""A character-level tokenizer: one token per character of a fixed alphabet.

Chapter 7 uses it twice: with the 13 symbols of the multiplication task (``hwlib.arithmetic``)
and with the characters of the TinyStories sample (``hwlib.text``). Character level keeps the
tokenizer trivial (no training, no unknown words); its cost is longer sequences than a subword
tokenizer would give, which is fine at this scale.
"""

import torch

END = "\n"   # the end-of-text token that ``from_text`` always includes (a story ends with a blank line)


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
