# student version of 01_backprop_by_hand cell cell-19; book cell b2ad44c87eac
K, D = 4, 6
W, bias, x1, label = (
    rng.standard_normal((K, D)),
    rng.standard_normal(K),
    rng.standard_normal(D),
    2,
)
loss, (dx, dw_t, db) = softmax_regression_loss(x1[None], W.T, bias, np.array([label]))


def one_example_loss(w, b, x):
    return torch.nn.functional.cross_entropy((w @ x + b)[None], torch.tensor([label]))


_, (t_w, t_b, t_x) = autograd(one_example_loss, W, bias, x1)
y1 = np.array([label])
numerical = {
    "dW": eval_numerical_gradient(
        lambda z: softmax_regression_loss(x1[None], z.T, bias, y1)[0], W
    ),
    "db": eval_numerical_gradient(
        lambda z: softmax_regression_loss(x1[None], W.T, z, y1)[0], bias
    ),
    "dx": eval_numerical_gradient(
        lambda z: softmax_regression_loss(z[None], W.T, bias, y1)[0], x1
    ),
}
# Your derived formulas for dW, db and dx can join this comparison as a third column.
_ = compare_gradients(
    {"dW": dw_t.T, "db": db, "dx": dx[0]},
    {
        "torch": {"dW": t_w, "db": t_b, "dx": t_x},
        "numerical": numerical,
    },
    tol=1e-7,
)
