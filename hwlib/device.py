"""Where and how a PyTorch model runs, for every PyTorch chapter: one device choice (CUDA when
available, else the CPU), a model's own device, evaluation mode for a block, channels-last layout.

Override the device with the environment variable ``HWLIB_DEVICE`` (e.g. ``cpu`` or ``cuda:1``) or by
passing ``device=`` to the functions that take one (they resolve it with :func:`resolve_device`).
"""

import contextlib
import os


def default_device():
    """``torch.device`` to use: ``$HWLIB_DEVICE`` if set, else 'cuda' when available, else 'cpu'."""
    import torch

    name = os.environ.get("HWLIB_DEVICE")
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(device=None, model=None):
    """The ``torch.device`` a function was asked to use: ``device`` when given, else the device of
    ``model``'s parameters when a model is given, else :func:`default_device`."""
    import torch

    if device is not None:
        return torch.device(device)
    if model is not None:
        return next(model.parameters()).device
    return default_device()


@contextlib.contextmanager
def evaluating(model):
    """Run the block with ``model`` in eval mode, then put back the mode it had (train or eval),
    also when the block raises."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def channels_last(model):
    """``model`` with its 4-d weights in channels-last (NHWC) layout and its inputs converted on the way
    in; returns the model.

    oneDNN's CPU convolutions are fastest in that layout (MobileNetV2's forward pass about 3× faster
    on this book's two cores). The results are the same up to the order of floating-point sums.
    """
    import torch

    model = model.to(memory_format=torch.channels_last)
    if not getattr(model, "_hwlib_channels_last", False):
        model.register_forward_pre_hook(
            lambda module, args: (args[0].contiguous(memory_format=torch.channels_last), *args[1:])
            if args and args[0].dim() == 4 else args)
        model._hwlib_channels_last = True
    return model
