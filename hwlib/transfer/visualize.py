"""Pictures of a classifier at work: normalized images back to pixels, and predictions beside the
truth (chapter 6, *Transfer learning*, "Predictions")."""

import torch

from hwlib.device import resolve_device
from hwlib.pretrained import MOBILENET_MEAN, MOBILENET_STD


def to_displayable(images, mean=MOBILENET_MEAN, std=MOBILENET_STD):
    """Normalized images (N, 3, H, W) back to pixels in [0, 1] for imshow: a numpy (N, H, W, 3) array."""
    mean_t, std_t = torch.tensor(mean)[:, None, None], torch.tensor(std)[:, None, None]
    return (images.detach().cpu() * std_t + mean_t).clamp(0, 1).permute(0, 2, 3, 1).numpy()


def visualize_model(model, dataloader, class_names, num_images=6, mean=MOBILENET_MEAN, std=MOBILENET_STD,
                    title=""):
    """A figure of the first ``num_images`` images of ``dataloader`` with predicted and true labels.

    Explained in chapter 6, *Transfer learning* ("Predictions"). Runs the model in eval mode on the
    images, and titles each with "predicted: ... / true: ...", correct ones in green and wrong ones
    in red. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    # BEGIN SOLUTION
    device = resolve_device(model=model)
    model.eval()
    images, labels = [], []
    for inputs, targets in dataloader:
        images.append(inputs)
        labels.append(targets)
        if sum(len(x) for x in images) >= num_images:
            break
    images, labels = torch.cat(images)[:num_images], torch.cat(labels)[:num_images]
    with torch.no_grad():
        preds = model(images.to(device)).argmax(1).cpu()
    ncols = min(num_images, 6)
    nrows = -(-num_images // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.2 * ncols, 2.5 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, pixels, pred, true in zip(axes.flat, to_displayable(images, mean, std), preds, labels):
        ax.imshow(pixels)
        ax.set_title(f"predicted: {class_names[pred]}\ntrue: {class_names[true]}", fontsize=9,
                     color="darkgreen" if pred == true else "crimson")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
    # END SOLUTION
