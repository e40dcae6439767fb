"""One device choice for every PyTorch chapter: CUDA when available, else the CPU.

Override with the environment variable ``HWLIB_DEVICE`` (e.g. ``cpu`` or ``cuda:1``) or by passing
``device=`` to the functions that take one.
"""

import os


def default_device():
    """``torch.device`` to use: ``$HWLIB_DEVICE`` if set, else 'cuda' when available, else 'cpu'."""
    import torch

    name = os.environ.get("HWLIB_DEVICE")
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
