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
