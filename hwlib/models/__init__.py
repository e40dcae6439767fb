"""Models in numpy, each with ``params`` and ``loss(X, y=None)`` (the contract hwlib.solver.Solver trains).

* ``SoftmaxClassifier``: fc → softmax, a linear classifier (chapter 3)
* ``TwoLayerNet``: fc → relu → fc → softmax (chapter 3)
* ``ConvNet``: conv → relu → 2×2 max-pool → fc → relu → fc → softmax (chapter 4)
* ``CaptioningRNN``: image features → RNN or LSTM → words (chapter 5; ``loss(features, captions)``)
"""

from hwlib.models.captioning import CaptioningRNN
from hwlib.models.classifiers import ConvNet, SoftmaxClassifier, TwoLayerNet

__all__ = ["SoftmaxClassifier", "TwoLayerNet", "ConvNet", "CaptioningRNN"]
