"""Transfer learning in PyTorch (chapter 6), one module per job; each function at one import path.

* ``hwlib.transfer.surgery``: the final layer (find, replace), ``finetune``, ``freeze``,
  ``parameter_groups`` (discriminative learning rates)
* ``hwlib.transfer.training``: ``train_model``, the tutorial's loop (train and val phase per epoch)
* ``hwlib.transfer.head_features``: a frozen backbone's features computed once, and loaders over them
* ``hwlib.transfer.evaluate``: ``zero_shot_ants_vs_bees`` (an untouched ImageNet model) and ``predict``
* ``hwlib.transfer.visualize``: ``to_displayable``, ``visualize_model``

The data are ``hwlib.data.hymenoptera`` and the backbone ``hwlib.pretrained``. The modules load on
first use (``from hwlib import transfer; transfer.surgery.freeze`` works), and none is re-exported.
"""

import importlib

__all__ = ["surgery", "training", "head_features", "evaluate", "visualize"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
