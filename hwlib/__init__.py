"""hwlib — the library behind *hwlib book*.

Every chapter of the book imports its model, layer, training and data code from here;
the notebooks only explain, call, plot and assert.

Importing ``hwlib`` (or ``hwlib.layers``) is cheap and never imports torch: the PyTorch
helpers live in their own modules (``hwlib.reference`` and the later chapter modules).
"""

__version__ = "0.1.0"
