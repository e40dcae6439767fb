"""Scoring captions: corpus BLEU, and the two baselines chapter 5 compares its models with.

Explained in chapter 5, *Image captioning* ("How good are they?"). A caption is scored against
the human captions of the same photo (its *references*).
"""

import numpy as np


def bleu(references, hypotheses):
    """Corpus BLEU-1 to BLEU-4 (nltk's corpus_bleu, no smoothing).

    Inputs:
    - references: per image, a list of reference captions, each a list of words
    - hypotheses: per image, one caption as a list of words or a string

    Returns {'BLEU-1': ..., 'BLEU-4': ...} as floats in [0, 1]. An order with no matching n-gram at
    all scores 0 (nltk warns about that; the warning is silenced, the 0 is the answer).
    """
    import warnings

    from nltk.translate.bleu_score import corpus_bleu

    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} reference sets but {len(hypotheses)} hypotheses")
    hyps = [h.split() if isinstance(h, str) else list(h) for h in hypotheses]
    weights = {1: (1, 0, 0, 0), 2: (0.5, 0.5, 0, 0), 3: (1 / 3, 1 / 3, 1 / 3, 0), 4: (0.25, 0.25, 0.25, 0.25)}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="\nThe hypothesis contains 0 counts", category=UserWarning)
        return {f"BLEU-{n}": float(corpus_bleu(references, hyps, weights=w)) for n, w in weights.items()}


def most_common_caption(references):
    """The baseline that ignores the image: the most frequent training caption (ties: the shortest,
    then alphabetical), as a string."""
    from collections import Counter

    counts = Counter(" ".join(words) for refs in references for words in refs)
    return min(counts, key=lambda c: (-counts[c], len(c), c))


def nearest_neighbour_captions(train_features, train_references, query_features):
    """The baseline that copies: for each query image, the training image with the most similar
    features (cosine) and, among its reference captions, the one that agrees most with the others
    (highest mean word overlap). Returns a list of strings."""
    def unit(x):
        x = np.asarray(x, dtype=np.float64)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

    nearest = np.argmax(unit(query_features) @ unit(train_features).T, axis=1)
    out = []
    for i in nearest:
        refs = train_references[i]
        sets = [set(r) for r in refs]
        agreement = [np.mean([len(a & b) / len(a | b) for k, b in enumerate(sets) if k != j]) if len(sets) > 1
                     else 0 for j, a in enumerate(sets)]
        out.append(" ".join(refs[int(np.argmax(agreement))]))
    return out
