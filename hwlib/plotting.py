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


def show_grid(ax, values, title="", fmt="{:g}", highlight=None, cmap="Blues", origin=(0, 0)):
    """Draw a 2-D array as a grid of cells with its numbers written in them.

    Inputs:
    - ax: a matplotlib Axes
    - values: 2-D array (numbers, or strings such as "x11")
    - title: axes title
    - fmt: format for numeric entries
    - highlight: optional boolean mask of the same shape; those cells get a red frame
    - origin: index shown for the top-left cell (0 for code, 1 for the 1-based math)
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
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def moving_average(values, window):
    """Mean of each run of ``window`` consecutive values (for smoothing noisy minibatch losses)."""
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def plot_history(histories, title="", smooth=50, log_loss=False):
    """The training curves of one run or of several, side by side; every chapter draws its curves here.

    Inputs:
    - histories: a hwlib.history.History, or a dict {label: History} to compare runs
    - title: figure title; smooth: moving-average window for the per-step loss
    - log_loss: draw the loss on a log scale

    Left: the training loss of every step (raw in grey for a single run) and its moving average,
    plotted at the last step of each window, with any per-evaluation losses ('train_loss',
    'val_loss') as markers at the step they were measured. Right (when there are any): the other
    per-evaluation metrics, e.g. accuracies, against the epoch (or the step, for step-based runs).
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    runs = histories if isinstance(histories, dict) else {"": histories}
    other = sorted({m for h in runs.values() for m in h.metrics if not m.endswith("loss")})
    # one run: a colour per metric; several: a colour per run and a line style per metric
    metric_colors = {name: f"C{k + 1}" for k, name in enumerate(sorted({m for h in runs.values()
                                                                        for m in h.metrics}))}
    fig, axes = plt.subplots(1, 2 if other else 1, figsize=(10 if other else 6.5, 3.8), squeeze=False)
    ax_loss = axes[0, 0]
    styles = {"train": "--", "val": "-", "test": ":"}
    for k, (label, h) in enumerate(runs.items()):
        prefix = f"{label}, " if label else ""

        def color(metric, k=k):
            return metric_colors[metric] if len(runs) == 1 else f"C{k}"
        steps = np.arange(1, len(h.loss) + 1)
        if len(runs) == 1:
            ax_loss.plot(steps, h.loss, color="0.75", lw=0.6, label="every step")
        smoothed = moving_average(h.loss, smooth)
        ax_loss.plot(steps[len(steps) - len(smoothed):], smoothed, color="C0" if len(runs) == 1 else f"C{k}",
                     label=f"{prefix}mean of {min(smooth, len(h.loss))} steps")
        for name, values in h.metrics.items():
            if name.endswith("loss"):
                ax_loss.plot(h.checkpoint_iters, values, styles.get(name.split("_")[0], "-") + "o",
                             color=color(name), ms=4, label=f"{prefix}{name}")
        if other:
            x = np.arange(1, len(h.checkpoint_iters) + 1) if h.per_epoch else h.checkpoint_iters
            for name in other:
                if name in h.metrics:
                    axes[0, 1].plot(x, h.metrics[name], styles.get(name.split("_")[0], "-") + "o",
                                    color=color(name), ms=4, label=f"{prefix}{name}")
    ax_loss.set(xlabel="step", ylabel="loss", title="training loss", yscale="log" if log_loss else "linear")
    ax_loss.legend(fontsize=7)
    if other:
        per_epoch = all(h.per_epoch for h in runs.values())
        axes[0, 1].set(xlabel="epoch" if per_epoch else "step", title=", ".join(other))
        if per_epoch:
            axes[0, 1].xaxis.get_major_locator().set_params(integer=True)
        axes[0, 1].legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
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
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * (1.25 if titles else 1)),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(_displayable(images[k]), cmap="gray", interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[k], fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion(ax, cm, class_names, title="confusion matrix"):
    """Draw a confusion matrix (rows: true class, columns: predicted) with counts in the cells."""
    cm = np.asarray(cm)
    ax.imshow(np.log1p(cm), cmap="Blues")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if cm[i, j] > cm.max() / 3 else "black")
    ticks = range(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(ticks, class_names, fontsize=8)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return ax


def use_photo_figures(quality=85):
    """Embed this notebook's figures as JPEG instead of PNG.

    For chapters whose figures are mostly photographs: PNG stores them losslessly at several times
    the size, which bloats the committed notebook and the site. Line plots stay readable in JPEG.
    """
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("jpeg", pil_kwargs={"quality": quality})


def show_captions(folder, names, generated, references, ncols=3, width=4.2):
    """A figure of images, each titled with its generated caption and one reference caption.

    Inputs: folder, names (image files), generated (strings), references (per image: lists of words).
    Returns the matplotlib Figure.
    """
    import textwrap

    import matplotlib.pyplot as plt
    from PIL import Image

    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, width * 1.1 * nrows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, name, gen, refs in zip(axes.ravel(), names, generated, references):
        with Image.open(folder / name) as img:
            ax.imshow(img.convert("RGB"))
        title = "model: " + textwrap.fill(gen, 40) + "\nref: " + textwrap.fill(" ".join(refs[0]), 40)
        ax.set_title(title, fontsize=9, loc="left")
    fig.tight_layout()
    return fig
