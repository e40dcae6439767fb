"""Figure helpers shared by the chapters: one look for every plot, and annotated number grids.

Figures use an opaque white background so they stay readable in the site's dark mode.
"""

import numpy as np


def use_book_style():
    """Set matplotlib defaults for the book (opaque background, readable sizes, no top/right spines)."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
        "figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.titlesize": 11,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": False,
    })


def show_grid(ax, values, title="", fmt="{:g}", highlight=None, cmap="Blues", origin=(0, 0),
              xlabel="column", ylabel="row"):
    """Draw a 2-D array as a grid of cells with its numbers written in them.

    Inputs:
    - ax: a matplotlib Axes
    - values: 2-D array (numbers, or strings such as "x11")
    - title: axes title
    - fmt: format for numeric entries
    - highlight: optional boolean mask of the same shape; those cells get a red frame
    - origin: index shown for the top-left cell (0 for code, 1 for the 1-based math)
    - xlabel, ylabel: axis labels (the numbers are written in the cells, so no colour bar)
    """
    import matplotlib.patches as patches

    values = np.asarray(values)
    rows, cols = values.shape
    numeric = np.issubdtype(values.dtype, np.number)
    shade = np.abs(values.astype(float)) if numeric else np.zeros(values.shape)
    ax.imshow(shade, cmap=cmap, vmin=0, vmax=max(shade.max(), 1e-12) * 1.6)
    for i in range(rows):
        for j in range(cols):
            text = fmt.format(values[i, j]) if numeric else str(values[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=9)
            if highlight is not None and highlight[i, j]:
                ax.add_patch(patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="crimson", lw=2))
    ax.set_xticks(range(cols), [str(j + origin[1]) for j in range(cols)])
    ax.set_yticks(range(rows), [str(i + origin[0]) for i in range(rows)])
    ax.tick_params(length=0, labelsize=8)
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="0.6", lw=0.8)
    ax.tick_params(which="minor", length=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def moving_average(values, window):
    """Mean of each run of ``window`` consecutive values (for smoothing noisy minibatch losses)."""
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


# What the metric names of a History mean, in words (legends and axis labels say these).
_SPLITS = {"train": "training set", "val": "validation set", "test": "test set"}
_KINDS = {"acc": "accuracy", "loss": "loss"}
# The line style of each split's evaluations: the same in every panel and every run.
_STYLES = {"train": "--o", "val": "-o", "test": ":o"}
_SPLIT_COLORS = {"train": "C1", "val": "C2", "test": "C3"}


def split_line(split):
    """(matplotlib format, colour) of a split's evaluations in every figure of the book: "train"
    dashed in C1, "val" solid in C2, "test" dotted in C3, any other split dash-dotted in C4."""
    return _STYLES.get(split, "-.o"), _SPLIT_COLORS.get(split, "C4")


def _split_and_kind(name):
    """'val_acc' -> ('val', 'acc'); a name without a known split is its own split."""
    split, _, kind = name.partition("_")
    return (split, kind) if split in _SPLITS and kind else (name, "")


def _kind_words(names):
    """'accuracy' for ['train_acc', 'val_acc']; the distinct kinds joined for a mixed list."""
    kinds = []
    for name in names:
        split, kind = _split_and_kind(name)
        words = _KINDS.get(kind, kind.replace("_", " ")) if kind else name.replace("_", " ")
        if words not in kinds:
            kinds.append(words)
    return " and ".join(kinds)


def _legend_below(fig, handles, labels, fontsize=8):
    """One legend for the whole figure, under its axes, so that it covers no curve."""
    width_chars = fig.get_figwidth() * 13  # characters of this size that fit across the figure
    ncol = len(handles)
    while ncol > 1 and sum(len(t) + 6 for t in labels[:ncol]) > width_chars:
        ncol -= 1
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False,
                      fontsize=fontsize, handlelength=3)


def plot_history(histories, title="", smooth=50, log_loss=False, metric_label=None):
    """The training curves of one run or of several, side by side; every chapter draws its curves here.

    Inputs:
    - histories: a hwlib.history.History, or a dict {label: History} to compare runs
    - title: figure title; smooth: moving-average window for the per-step loss
    - log_loss: draw the loss on a log scale
    - metric_label: the right panel's y label (default: the metrics' kind in words, e.g. "accuracy")

    Left: the training loss of every step (raw in grey for a single run) and its moving average,
    plotted at the last step of each window, with any per-evaluation losses ('train_loss',
    'val_loss') as markers at the step they were measured. Right: the other per-evaluation
    metrics, e.g. accuracies, against the epoch (or the step, for step-based runs); left out when
    no run evaluated them at least twice (one point is not a curve). A set keeps its line style
    everywhere (training dashed, validation solid, test dotted); with several runs each run has a
    colour. The legend sits under the axes, in words. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    runs = histories if isinstance(histories, dict) else {"": histories}
    single = len(runs) == 1
    other = sorted({m for h in runs.values() for m in h.metrics if not m.endswith("loss")})
    if other and max(len(h.checkpoint_iters) for h in runs.values() if set(other) & set(h.metrics)) < 2:
        other = []
    fig, axes = plt.subplots(1, 2 if other else 1, figsize=(10 if other else 6.5, 4.2), squeeze=False,
                             layout="constrained")
    ax_loss = axes[0, 0]
    window = min(smooth, max(len(h.loss) for h in runs.values()))
    handles, splits_seen, eval_losses = {}, [], False

    def style(name):
        split, _ = _split_and_kind(name)
        if split not in splits_seen:
            splits_seen.append(split)
        return split_line(split)[0], split

    for k, (label, h) in enumerate(runs.items()):
        run_color = "C0" if single else f"C{k}"
        steps = np.arange(1, len(h.loss) + 1)
        if single:
            handles["training loss at every step"], = ax_loss.plot(steps, h.loss, color="0.75", lw=0.6,
                                                                   label="_every step")
        smoothed = moving_average(h.loss, smooth)
        line, = ax_loss.plot(steps[len(steps) - len(smoothed):], smoothed, color=run_color,
                             label=f"_{label}, mean of {window} steps")
        handles[f"its mean over {window} steps" if single else label] = line
        for name, values in h.metrics.items():
            if name.endswith("loss") or name in other:
                ax = ax_loss if name.endswith("loss") else axes[0, 1]
                eval_losses |= name.endswith("loss")
                fmt, split = style(name)
                x = h.checkpoint_iters
                if name in other and h.per_epoch:
                    x = np.arange(1, len(h.checkpoint_iters) + 1)
                ax.plot(x, values, fmt, color=split_line(split)[1] if single else run_color,
                        ms=4, label=f"_{label}, {name}")
    if not single:  # the runs by colour, then what each line style means
        handles = {label: Line2D([], [], color=line.get_color()) for label, line in handles.items()}
        handles[f"training loss, mean of {window} steps"] = Line2D([], [], color="0.3")
    for split in splits_seen:
        words = _SPLITS.get(split, split.replace("_", " "))
        fmt, color = split_line(split)
        handles[words] = Line2D([], [], color=color if single else "0.3", linestyle=fmt[:-1],
                                marker="o", ms=4)
    ax_loss.set(xlabel="step", ylabel="loss (log scale)" if log_loss else "loss",
                title="loss" if eval_losses else "training loss", yscale="log" if log_loss else "linear")
    if other:
        per_epoch = all(h.per_epoch for h in runs.values())
        words = _kind_words(other)
        axes[0, 1].set(xlabel="epoch" if per_epoch else "step", ylabel=metric_label or words,
                       title=f"{words}, after each epoch" if per_epoch else f"{words}, at each evaluation")
        if per_epoch:
            axes[0, 1].xaxis.get_major_locator().set_params(integer=True)
    _legend_below(fig, list(handles.values()), list(handles))
    if title:
        fig.suptitle(title)
    return fig


def _displayable(image):
    """(C, H, W) array -> something imshow draws: gray 2-D or RGB (H, W, 3), rescaled to [0, 1]."""
    image = np.asarray(image, dtype=float)
    lo, hi = image.min(), image.max()
    image = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    return image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)


def show_images(images, titles=None, ncols=8, size=1.3, title=""):
    """A grid of images, each rescaled to its own [min, max] (so standardized inputs and filters show too).

    Inputs:
    - images: array of shape (N, C, H, W) with C = 1 (gray) or 3 (RGB)
    - titles: optional list of N short strings shown above the images
    - ncols: images per row; size: inches per image; title: figure title

    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must have shape (N, 1 or 3, H, W), got {images.shape}")
    n = len(images)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    lines = max((str(t).count("\n") + 1 for t in titles), default=0) if titles is not None else 0
    # each row: the image and its title's lines (8-point text is about 0.15 inch a line)
    height = nrows * (size + 0.15 * lines + 0.05) + (0.4 if title else 0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, height), squeeze=False,
                             layout="constrained")
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.02, hspace=0.02)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(_displayable(images[k]), cmap="gray", interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[k], fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion(ax, cm, class_names, title="confusion matrix", colorbar=True):
    """Draw a confusion matrix (rows: true class, columns: predicted) with counts in the cells.

    The colour is the count on a log scale (empty cells stay white), with a colour bar.
    """
    from matplotlib.colors import LogNorm

    cm = np.asarray(cm)
    norm = LogNorm(vmin=1, vmax=max(int(cm.max()), 2))
    cmap = _colormap("Blues").with_extremes(bad="white", under="white")
    image = ax.imshow(np.ma.masked_less(cm, 1), cmap=cmap, norm=norm)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            dark = cm[i, j] >= 1 and norm(cm[i, j]) > 0.6
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    ticks = range(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(ticks, class_names, fontsize=8)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.8, label="number of test images (log scale)")
    return ax


def _colormap(name):
    """A copy of a registered matplotlib colormap."""
    import matplotlib

    return matplotlib.colormaps[name].copy()


def plot_attention(weights, title="", panel_titles=None, xticklabels=None, yticklabels=None,
                   xlabel="key position $j$ (read)", ylabel="query position $t$ (writing)",
                   vmax=1.0, figsize=None):
    """Attention weights as heatmaps with one shared colour bar; returns the Figure.

    Inputs:
    - weights: array (T, S) for one map, or (P, T, S) for P panels side by side (e.g. one per head);
      row t holds the weights with which position t reads positions s
    - title: figure title; panel_titles: one title per panel
    - xticklabels, yticklabels: labels of the columns and rows (e.g. the tokens); default positions
    - xlabel, ylabel: axis labels (the y label on the first panel only)
    - vmax: top of the colour scale (weights lie in [0, 1]; None: the largest weight)
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    weights = np.asarray(weights, dtype=float)
    maps = weights[None] if weights.ndim == 2 else weights
    if maps.ndim != 3:
        raise ValueError(f"weights must have shape (T, S) or (P, T, S), got {weights.shape}")
    n = len(maps)
    if figsize is None:
        figsize = (min(2.7 * n + 0.9, 13), 3.4) if n > 1 else (6.5, 5.5)
    fig, axes = plt.subplots(1, n, figsize=figsize, squeeze=False, layout="constrained")
    top = float(maps.max()) if vmax is None else vmax
    for k, ax in enumerate(axes[0]):
        image = ax.imshow(maps[k], cmap="viridis", vmin=0, vmax=top)
        if xticklabels is not None:
            ax.set_xticks(range(len(xticklabels)), xticklabels)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if yticklabels is not None:
            ax.set_yticks(range(len(yticklabels)), yticklabels, fontsize=7)
        else:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(xlabel)
        if k == 0:
            ax.set_ylabel(ylabel)
        if panel_titles is not None:
            ax.set_title(panel_titles[k])
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.colorbar(image, ax=list(axes[0]), shrink=0.9, label="attention weight")
    if title:
        fig.suptitle(title)
    return fig


def use_photo_figures(quality=85):
    """Embed this notebook's figures as JPEG instead of PNG.

    For chapters whose figures are mostly photographs: PNG stores them losslessly at several times
    the size, which bloats the committed notebook and the site. Line plots stay readable in JPEG.
    """
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("jpeg", pil_kwargs={"quality": quality})


def show_captions(folder, names, generated, references, ncols=3, width=4.2, label="model"):
    """A figure of images, each titled with its generated caption and one reference caption.

    Inputs: folder, names (image files), generated (strings), references (per image: lists of words),
    label (the name of the model that wrote ``generated``, which begins each title).
    Each photo is fitted into a box of the same size (portrait ones narrower), under its titles.
    Returns the matplotlib Figure.
    """
    import textwrap

    import matplotlib.pyplot as plt
    from PIL import Image

    titles = [f"{label}: " + textwrap.fill(gen, 40) + "\nref: " + textwrap.fill(" ".join(refs[0]), 40)
              for gen, refs in zip(generated, references)]
    lines = max(t.count("\n") + 1 for t in titles)
    nrows = -(-len(names) // ncols)
    # per row: a photo box of 0.75 of the width, and 0.17 inch for each line of 9-point title
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, nrows * (0.75 * width + 0.17 * lines + 0.1)),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.axis("off")
    for ax, name, title in zip(axes.ravel(), names, titles):
        with Image.open(folder / name) as img:
            ax.imshow(img.convert("RGB"))
        ax.set_anchor("N")
        ax.set_title(title, fontsize=9)
    return fig
