"""hwlib.plotting: curves where they belong, in words; legends off the data; colour bars on heatmaps."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hwlib.history import History  # noqa: E402
from hwlib.plotting import (  # noqa: E402
    moving_average,
    plot_attention,
    plot_confusion,
    plot_history,
    show_captions,
    show_grid,
    show_images,
    split_line,
)


def _history(per_epoch=True, steps=40, every=10):
    h = History(per_epoch=per_epoch)
    for step in range(steps):
        h.log_step(10.0 - step, lr=0.1)
        if (step + 1) % every == 0:
            h.log_checkpoint(1.0, train_loss=5.0, val_loss=6.0, val_acc=step / steps)
    return h


def _legend_texts(fig):
    (legend,) = fig.legends
    return [t.get_text() for t in legend.get_texts()]


def _inside(inner, outer):
    return (inner.x0 >= outer.x0 - 1 and inner.x1 <= outer.x1 + 1
            and inner.y0 >= outer.y0 - 1 and inner.y1 <= outer.y1 + 1)


def test_one_run_draws_raw_and_smoothed_loss_at_the_end_of_each_window():
    fig = plot_history(_history(), smooth=5)
    ax_loss, ax_metrics = fig.axes[:2]
    raw, smooth, train_loss, val_loss = ax_loss.get_lines()
    assert len(raw.get_xdata()) == 40 and raw.get_xdata()[0] == 1
    # the first full window is steps 1..5: its mean (of 10, 9, 8, 7, 6) is drawn at step 5
    assert smooth.get_xdata()[0] == 5 and smooth.get_ydata()[0] == 8.0 and smooth.get_xdata()[-1] == 40
    assert list(val_loss.get_xdata()) == [10, 20, 30, 40]
    (acc,) = ax_metrics.get_lines()
    assert list(acc.get_xdata()) == [1, 2, 3, 4] and ax_metrics.get_xlabel() == "epoch"


def test_titles_labels_and_legend_are_words_not_metric_names():
    fig = plot_history(_history(), smooth=5)
    ax_loss, ax_metrics = fig.axes[:2]
    assert ax_metrics.get_ylabel() == "accuracy" and ax_loss.get_ylabel() == "loss"
    assert ax_metrics.get_title() == "accuracy, after each epoch" and ax_loss.get_title() == "loss"
    texts = _legend_texts(fig)
    assert texts == ["training loss at every step", "its mean over 5 steps", "training set", "validation set"]
    assert not any("_" in t for t in texts + [ax.get_title() for ax in fig.axes])
    # a legend an author adds to an axes later finds no line of the plot's own
    with pytest.warns(UserWarning, match="No artists with labels"):
        assert ax_loss.legend().get_texts() == []


def test_the_legend_sits_below_the_axes_and_covers_no_curve():
    fig = plot_history({"a": _history(), "b": _history()}, smooth=5)
    fig.canvas.draw()
    (legend,) = fig.legends
    box = legend.get_window_extent()
    for ax in fig.axes:
        assert box.y1 <= ax.get_window_extent().y0  # entirely under every panel
    assert _inside(box, fig.bbox)


def test_several_runs_share_the_axes_and_step_based_runs_plot_against_steps():
    fig = plot_history({"a": _history(per_epoch=False), "b": _history(per_epoch=False, every=20)}, smooth=5)
    ax_loss, ax_metrics = fig.axes[:2]
    a, b = ax_metrics.get_lines()
    assert ax_metrics.get_xlabel() == "step" and list(b.get_xdata()) == [20, 40]
    assert a.get_color() != b.get_color()  # a colour per run
    assert _legend_texts(fig) == ["a", "b", "training loss, mean of 5 steps", "training set", "validation set"]


def test_one_evaluation_is_not_a_curve_so_its_panel_is_left_out():
    one = _history(steps=10, every=10)
    assert len(one.checkpoint_iters) == 1
    fig = plot_history({"short": one, "truncated": _history().first(5)}, smooth=2)
    assert len(fig.axes) == 1


def test_loss_only_histories_get_one_panel():
    h = History(monitor="val_loss", mode="min")
    for step in range(10):
        h.log_step(1.0 / (step + 1))
    h.log_checkpoint(1.0, val_loss=0.5)
    fig = plot_history(h, log_loss=True)
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "loss (log scale)"


def test_attention_maps_share_one_colour_bar_and_label_their_axes():
    weights = np.tril(np.ones((3, 4, 4)))
    weights /= weights.sum(-1, keepdims=True)
    fig = plot_attention(weights, panel_titles=["head 1", "head 2", "head 3"])
    panels, bars = fig.axes[:3], fig.axes[3:]
    assert len(bars) == 1 and bars[0].get_ylabel() == "attention weight"
    assert all(ax.get_xlabel() for ax in panels) and panels[0].get_ylabel()
    fig = plot_attention(weights[0], xticklabels=list("abcd"), yticklabels=list("bcde"))
    assert len(fig.axes) == 2
    with pytest.raises(ValueError):
        plot_attention(np.ones(4))


def test_confusion_matrix_has_a_colour_bar_and_labelled_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plot_confusion(ax, np.array([[5, 0], [2, 9]]), ["a", "b"])
    assert len(fig.axes) == 2 and "log scale" in fig.axes[1].get_ylabel()
    assert ax.get_xlabel() and ax.get_ylabel()


def test_number_grids_label_both_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    show_grid(ax, np.arange(6).reshape(2, 3))
    assert ax.get_xlabel() == "column" and ax.get_ylabel() == "row"


def test_image_titles_of_two_lines_do_not_reach_the_row_above():
    images = np.random.default_rng(0).random((16, 3, 8, 8))
    fig = show_images(images, ["bird\n(true: airplane)"] * 16, ncols=8, size=1.25, title="two rows")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top_row, bottom_row = fig.axes[:8], fig.axes[8:]
    for above, below in zip(top_row, bottom_row):
        title = below.title.get_window_extent(renderer)
        assert title.y1 <= above.get_window_extent(renderer).y0
    assert fig.texts[0].get_window_extent(renderer).y0 >= top_row[0].title.get_window_extent(renderer).y1


def test_caption_titles_stay_clear_of_the_photos_above(tmp_path):
    from PIL import Image

    names = []
    for k, (w, h) in enumerate([(50, 36), (33, 50), (50, 33), (36, 50), (33, 50), (50, 36)]):
        Image.new("RGB", (w, h), (40 * k, 90, 120)).save(tmp_path / f"{k}.png")
        names.append(f"{k}.png")
    words = "a woman in a yellow shirt and green shorts is climbing an artificial red wall".split()
    fig = show_captions(tmp_path, names, ["a dog runs through the grass"] * 6, [[words]] * 6, ncols=3)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for above, below in zip(fig.axes[:3], fig.axes[3:]):
        photo = above.get_images()[0].get_window_extent(renderer)
        assert below.title.get_window_extent(renderer).y1 <= photo.y0


def test_moving_average():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4], 2), [1.5, 2.5, 3.5])
    np.testing.assert_allclose(moving_average([1, 2], 10), [1.5])


def test_caption_titles_name_the_model(tmp_path):
    from PIL import Image

    Image.new("RGB", (40, 30)).save(tmp_path / "0.png")
    fig = show_captions(tmp_path, ["0.png"], ["a dog"], [[["a", "cat"]]], ncols=1, label="LSTM")
    assert fig.axes[0].get_title().startswith("LSTM: a dog\nref: a cat")


def test_split_line_is_what_plot_history_draws():
    h = History(per_epoch=True)
    for step in range(20):
        h.log_step(2.0 - step / 20, lr=0.1)
        if (step + 1) % 10 == 0:
            h.log_checkpoint(1.0, train_acc=0.5, val_acc=0.4)
    fig = plot_history(h, smooth=1)
    drawn = {line.get_label().split(", ")[-1]: line for ax in fig.axes for line in ax.get_lines()}
    for split in ("train", "val"):
        fmt, color = split_line(split)
        line = drawn[f"{split}_acc"]
        assert line.get_linestyle() == fmt[:-1] and line.get_color() == color
    assert split_line("train") != split_line("val")
