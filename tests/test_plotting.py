"""hwlib.plotting.plot_history: one run or several, losses and metrics where they belong."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from hwlib.history import History  # noqa: E402
from hwlib.plotting import moving_average, plot_history  # noqa: E402


def _history(per_epoch=True, steps=40, every=10):
    h = History(per_epoch=per_epoch)
    for step in range(steps):
        h.log_step(10.0 - step, lr=0.1)
        if (step + 1) % every == 0:
            h.log_checkpoint(1.0, train_loss=5.0, val_loss=6.0, val_acc=step / steps)
    return h


def test_one_run_draws_raw_and_smoothed_loss_at_the_end_of_each_window():
    fig = plot_history(_history(), smooth=5)
    ax_loss, ax_metrics = fig.axes
    raw, smooth, train_loss, val_loss = ax_loss.get_lines()
    assert len(raw.get_xdata()) == 40 and raw.get_xdata()[0] == 1
    # the first full window is steps 1..5: its mean (of 10, 9, 8, 7, 6) is drawn at step 5
    assert smooth.get_xdata()[0] == 5 and smooth.get_ydata()[0] == 8.0 and smooth.get_xdata()[-1] == 40
    assert list(val_loss.get_xdata()) == [10, 20, 30, 40]
    (acc,) = ax_metrics.get_lines()
    assert list(acc.get_xdata()) == [1, 2, 3, 4] and ax_metrics.get_xlabel() == "epoch"


def test_several_runs_share_the_axes_and_step_based_runs_plot_against_steps():
    fig = plot_history({"a": _history(per_epoch=False), "b": _history(per_epoch=False, every=20)}, smooth=5)
    ax_loss, ax_metrics = fig.axes
    labels = [line.get_label() for line in ax_metrics.get_lines()]
    assert labels == ["a, val_acc", "b, val_acc"] and ax_metrics.get_xlabel() == "step"
    assert list(ax_metrics.get_lines()[1].get_xdata()) == [20, 40]


def test_loss_only_histories_get_one_panel():
    h = History(monitor="val_loss", mode="min")
    for step in range(10):
        h.log_step(1.0 / (step + 1))
    h.log_checkpoint(1.0, val_loss=0.5)
    assert len(plot_history(h, log_loss=True).axes) == 1


def test_moving_average():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4], 2), [1.5, 2.5, 3.5])
    np.testing.assert_allclose(moving_average([1, 2], 10), [1.5])
