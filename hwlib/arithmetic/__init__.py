"""Multiplication as a language-modelling task: strings like ``12*34=8040`` (answer digits reversed).

Three modules, one idea each:

* ``hwlib.arithmetic.data``: the format of an example, the split into training and test pairs,
  and the (input, target) tensors for teacher forcing;
* ``hwlib.arithmetic.evaluate``: the model's greedy answers and their exact match;
* ``hwlib.arithmetic.train``: ``train_multiplier``, one chapter 7 run (an
  ``hwlib.experiments.Experiment``) on the training pairs.

Their names are all available from ``hwlib.arithmetic``. Explained in chapter 7, *Transformers*
("Multiplication").
"""

from hwlib.arithmetic.data import (
    TOKENIZER,
    example_length,
    format_example,
    prompt_length,
    split_pairs,
    tensors,
)
from hwlib.arithmetic.evaluate import exact_match, predict_products
from hwlib.arithmetic.train import train_multiplier

__all__ = ["TOKENIZER", "example_length", "exact_match", "format_example", "predict_products",
           "prompt_length", "split_pairs", "tensors", "train_multiplier"]
