"""Models in numpy, each with ``params`` and ``loss(X, y=None)`` (the contract hwlib.solver.Solver trains).

* ``TwoLayerNet``: fc → relu → fc → softmax (chapter 3)
* ``ConvNet``: conv → relu → 2×2 max-pool → fc → relu → fc → softmax (chapter 4)
"""

from hwlib.models.classifiers import ConvNet, TwoLayerNet

__all__ = ["TwoLayerNet", "ConvNet"]
