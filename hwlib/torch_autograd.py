"""PyTorch as an independent referee for the numpy layers.

The chapters and the tests compare every hand-derived gradient with ``torch.autograd``; this
module is the one place that turns numpy arrays into tensors and back, so they all do it the
same way. It imports torch (the numpy modules of hwlib never do).
"""

import numpy as np
import torch


def autograd(fn, *arrays, dout=None):
    """Evaluate ``fn`` on tensor copies of numpy arrays and backpropagate ``dout`` through it.

    Inputs:
    - fn: function of torch tensors returning one tensor (e.g. ``torch.nn.functional.conv2d``)
    - arrays: numpy arrays; floating ones get gradients, integer ones (labels) are passed as is
    - dout: upstream derivative shaped like fn's output (ignored, and may be None, for a scalar
      output, whose derivative is 1)

    Returns a tuple of:
    - out: fn's output as a numpy array (dtype of the inputs)
    - grads: list with dL/d(array) for each floating input, None for the others
    """
    tensors = []
    for a in arrays:
        a = np.asarray(a)
        t = torch.from_numpy(a.copy())
        if np.issubdtype(a.dtype, np.floating):
            t.requires_grad_(True)
        tensors.append(t)
    out = fn(*tensors)
    if out.ndim == 0:
        out.backward()
    else:
        if dout is None:
            raise ValueError("dout is required when fn returns a non-scalar")
        out.backward(torch.from_numpy(np.asarray(dout, dtype=_float_dtype(arrays)).copy()))
    grads = [None if t.grad is None else t.grad.numpy() for t in tensors]
    return out.detach().numpy(), grads


def _float_dtype(arrays):
    """The floating dtype shared by the inputs (float64 if there are none)."""
    for a in arrays:
        a = np.asarray(a)
        if np.issubdtype(a.dtype, np.floating):
            return a.dtype
    return np.float64
