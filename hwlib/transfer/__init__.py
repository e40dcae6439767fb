"""Transfer learning in PyTorch (chapter 6), one module per job; each function at one import path.

* ``hwlib.transfer.surgery``: the final layer (find, replace), ``finetune``, ``freeze``,
  ``parameter_groups`` (discriminative learning rates)
* ``hwlib.transfer.training``: ``train_model``, the tutorial's loop (train and val phase per epoch)
* ``hwlib.transfer.head_features``: a frozen backbone's features computed once, and loaders over them
* ``hwlib.transfer.evaluate``: ``zero_shot_ants_vs_bees`` (an untouched ImageNet model) and ``predict``
* ``hwlib.transfer.visualize``: ``to_displayable``, ``visualize_model``

The data are ``hwlib.data.hymenoptera`` and the backbone ``hwlib.pretrained``.
"""

from hwlib.transfer import evaluate, head_features, surgery, training, visualize  # noqa: F401

__all__ = ["surgery", "training", "head_features", "evaluate", "visualize"]
