"""The numpy layers, one module per family, each layer at one import path (cs231n's layout).

* ``hwlib.layers.dense``: fully-connected, ReLU, log-softmax and the softmax loss (chapter 1)
* ``hwlib.layers.conv``: filtering, valid and full convolution, im2col/col2im, the convolutional
  layer and its bias (chapter 2)
* ``hwlib.layers.pool``: max and average pooling (chapter 2)
* ``hwlib.layers.recurrent``: RNN and LSTM steps and sequences, word embedding, temporal
  fully-connected layer, temporal softmax loss (chapter 5)
* ``hwlib.layers.composite``: layers built from the others, with their gradients: softmax
  regression, the skip connection (chapter 1; cs231n's layer_utils)
* ``hwlib.layers.naive``: loop versions of the convolution and pooling layers, the references the
  tests and the benchmark compare with

Every layer is a pair ``foo_forward(...) -> (out, cache)`` and ``foo_backward(dout, cache) -> grads``
that keeps the input dtype and validates its inputs (``hwlib.layers._checks``). The package
re-exports no layer under a second name and never imports torch. Its modules load on first use
(``from hwlib import layers; layers.conv.conv_forward`` works), so that one module that fails to
import (a student's unfinished file, in the grader) costs only what uses it.
"""

import importlib

__all__ = ["dense", "conv", "pool", "recurrent", "composite", "naive"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
