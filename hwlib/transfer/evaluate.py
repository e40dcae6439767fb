"""What a classifier says about a dataloader's images: zero-shot (an untouched ImageNet model) and
predictions of a trained one (chapter 6, *Transfer learning*)."""

import numpy as np
import torch

from hwlib.device import evaluating, resolve_device


def zero_shot_ants_vs_bees(model, dataloader):
    """How an untouched ImageNet classifier sees the images of an ants/bees ``dataloader`` (chapter 6).

    ImageNet has an "ant" and a "bee" class, so the 1001-way model (hwlib.pretrained) can answer
    without any training: an image counts as an ant when its ant score beats its bee score.
    Returns a dict over the loader's images, in its order: 'truth' (array of class names, 'ants' or
    'bees'), 'says_ant' (bool array), 'top1' (the highest-scoring ImageNet class index), and the class
    indices 'ant' and 'bee'.
    """
    from hwlib.pretrained import imagenet_labels

    labels = imagenet_labels()
    ant, bee = labels.index("ant, emmet, pismire"), labels.index("bee")
    device = resolve_device(model=model)
    logits, truth = [], []
    with evaluating(model), torch.no_grad():
        for inputs, targets in dataloader:
            logits.append(model(inputs.to(device)).cpu())
            truth += [dataloader.dataset.classes[t] for t in targets]
    logits = torch.cat(logits)
    return {"truth": np.array(truth), "says_ant": (logits[:, ant] > logits[:, bee]).numpy(),
            "top1": logits.argmax(1).numpy(), "ant": ant, "bee": bee}


def predict(model, dataloader, device=None):
    """(predicted labels, true labels) as numpy arrays over a whole dataloader, in eval mode."""
    device = resolve_device(device, model)
    preds, trues = [], []
    with evaluating(model), torch.no_grad():
        for inputs, labels in dataloader:
            preds.append(model(inputs.to(device)).argmax(1).cpu().numpy())
            trues.append(labels.numpy())
    return np.concatenate(preds), np.concatenate(trues)
