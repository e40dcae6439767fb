# student version of 04_convnet_from_scratch cell cell-03; book cell 3458bb0c202f
import torch.nn.functional as F

from hwlib.torch_autograd import autograd

rng = np.random.default_rng(0)
x = rng.standard_normal((8, 1, 28, 28)).astype(np.float32)
w = rng.standard_normal((32, 1, 5, 5)).astype(np.float32)
out, cache = conv.conv_forward(x, w)
dout = rng.standard_normal(out.shape).astype(np.float32)

start = time.perf_counter()
torch_out, (torch_dx, torch_dw) = autograd(F.conv2d, x, w, dout=dout)
torch_s = time.perf_counter() - start

fast = []
for _ in range(5):
    start = time.perf_counter()
    out, cache = conv.conv_forward(x, w)
    dx, dw = conv.conv_backward(dout, cache)
    fast.append(time.perf_counter() - start)
fast_s = min(fast)
for ours, theirs in ((out, torch_out), (dx, torch_dx), (dw, torch_dw)):  # float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)
print("same results as PyTorch to float32 rounding")
print(
    f"forward + backward, PyTorch: {torch_s * 1e3:.2f} ms; "
    f"im2col + matmul: {fast_s * 1e3:.2f} ms"
)
