# student version of 01_backprop_by_hand cell cell-15; book cell 7dac2eae08da
scores, y = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
loss, dscores = dense.softmax_loss(scores, y)
numerical = eval_numerical_gradient(lambda z: dense.softmax_loss(z, y)[0], scores)
t_loss, (tds, _) = autograd(torch.nn.functional.cross_entropy, scores, y)
print(f"loss {loss:.6f} (torch {float(t_loss):.6f})")
_ = compare_gradients(
    {"dS": dscores}, {"numerical": {"dS": numerical}, "torch": {"dS": tds}}, tol=1e-7
)

big = np.array([[1000.0, 0.0, -1000.0]])
print("loss with scores of ±1000:", float(dense.softmax_loss(big, np.array([1]))[0]))
