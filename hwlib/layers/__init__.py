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
that keeps the input dtype and validates its inputs (``hwlib.layers._checks``). Importing this
package imports its modules (``from hwlib import layers; layers.conv.conv_forward`` works) but
re-exports no layer under a second name, and never imports torch.
"""

from hwlib.layers import composite, conv, dense, naive, pool, recurrent  # noqa: F401

__all__ = ["dense", "conv", "pool", "recurrent", "composite", "naive"]
