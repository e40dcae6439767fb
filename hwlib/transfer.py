"""Transfer learning in PyTorch: the hymenoptera data, train_model, visualize_model, finetune and freeze.

Follows the PyTorch "Transfer Learning for Computer Vision" tutorial, with three additions: training
is reproducible from a seed, a frozen backbone stays bit-identical (its batch-norm statistics are
not updated either), and a non-finite loss stops training with a clear error.
"""

import copy
import functools
import time

import numpy as np
import torch
from torch import nn

from hwlib.data import data_file, extract, locate
from hwlib.device import default_device
from hwlib.history import History
from hwlib.pretrained import MOBILENET_MEAN, MOBILENET_STD


def hymenoptera_folder():
    """The extracted ``hymenoptera_data`` folder (with train/ and val/), extracting the zip once."""
    datafile = data_file("hymenoptera/hymenoptera_data.zip")
    root = extract(locate(datafile), datafile, "hymenoptera")
    folder = root / "hymenoptera_data"
    for split in ("train", "val"):
        if not (folder / split).is_dir():
            raise FileNotFoundError(f"{folder / split} is missing: the archive does not have the expected layout")
    return folder


def image_transforms(image_size=224, mean=MOBILENET_MEAN, std=MOBILENET_STD):
    """The tutorial's transforms: random crops and flips for training, resize + centre crop for validation."""
    from torchvision import transforms

    normalize = transforms.Normalize(mean, std)
    return {
        "train": transforms.Compose([transforms.RandomResizedCrop(image_size), transforms.RandomHorizontalFlip(),
                                     transforms.ToTensor(), normalize]),
        "val": transforms.Compose([transforms.Resize(round(image_size * 256 / 224)), transforms.CenterCrop(image_size),
                                   transforms.ToTensor(), normalize]),
    }


@functools.lru_cache(maxsize=None)
def _decoded(path, short_side):
    """The image at ``path`` as RGB, shrunk so that its shorter side is ``short_side`` (smaller images
    are kept), decoded once per process. JPEG's draft mode decodes big photos at a fraction of their
    size directly, so an epoch costs crops and flips, not decoding 5-megapixel photos again."""
    from PIL import Image

    with Image.open(path) as img:
        img.draft("RGB", (short_side, short_side))
        img = img.convert("RGB")
    scale = short_side / min(img.size)
    if scale < 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.BILINEAR)
    return img


def hymenoptera_dataloaders(image_size=224, batch_size=16, seed=0, augment=True, mean=MOBILENET_MEAN,
                            std=MOBILENET_STD):
    """``torchvision.datasets.ImageFolder`` loaders for the ants/bees data.

    Returns (dataloaders, class_names): dataloaders['train'] shuffles with a generator seeded by
    ``seed`` and augments (random crops and flips) unless ``augment`` is False, when it shows each
    training image as validation images are shown (resize, centre crop), in a fixed order;
    dataloaders['val'] keeps a fixed order. ImageFolder skips the one non-image file of the upstream
    archive (train/ants/imageNotFound.gif), giving 244 training and 153 validation images. Each image
    is decoded once, at the size the transforms need (see ``_decoded``).
    """
    from torchvision import datasets

    folder = hymenoptera_folder()
    tfms = image_transforms(image_size, mean, std)
    short_side = round(image_size * 256 / 224)
    sets = {split: datasets.ImageFolder(folder / split, tfms["train" if split == "train" and augment else "val"],
                                        loader=functools.partial(_load, short_side=short_side))
            for split in ("train", "val")}
    generator = torch.Generator().manual_seed(seed)
    loaders = {"train": torch.utils.data.DataLoader(sets["train"], batch_size=batch_size, shuffle=augment,
                                                    generator=generator if augment else None),
               "val": torch.utils.data.DataLoader(sets["val"], batch_size=batch_size, shuffle=False)}
    return loaders, sets["train"].classes


def _load(path, short_side):
    return _decoded(str(path), short_side)


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
    device = next(model.parameters()).device
    logits, truth = [], []
    model.eval()
    with torch.no_grad():
        for inputs, targets in dataloader:
            logits.append(model(inputs.to(device)).cpu())
            truth += [dataloader.dataset.classes[t] for t in targets]
    logits = torch.cat(logits)
    return {"truth": np.array(truth), "says_ant": (logits[:, ant] > logits[:, bee]).numpy(),
            "top1": logits.argmax(1).numpy(), "ant": ant, "bee": bee}


def final_layer_name(model):
    """Attribute path of the model's last Linear layer: 'fc' (ResNet) or 'classifier.<i>' (MobileNet)."""
    if isinstance(getattr(model, "fc", None), nn.Linear):
        return "fc"
    classifier = getattr(model, "classifier", None)
    if isinstance(classifier, nn.Sequential) and isinstance(classifier[-1], nn.Linear):
        return f"classifier.{len(classifier) - 1}"
    raise TypeError(f"cannot find the final Linear layer of {type(model).__name__} (expected .fc or .classifier[-1])")


def replace_head(model, num_classes, seed=0):
    """Replace the final Linear layer by a new one with ``num_classes`` outputs (seeded init); returns model."""
    name = final_layer_name(model)
    old = model.get_submodule(name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        new = nn.Linear(old.in_features, num_classes).to(old.weight.device, old.weight.dtype)
    parent, _, attr = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, attr, new)
    return model


def finetune(model, num_classes, seed=0):
    """Fine-tuning: keep the pretrained weights as the starting point, new head, train everything.

    Replaces the final Linear layer (``model.classifier[1]`` for MobileNetV2) by a new one with
    ``num_classes`` outputs (``replace_head(model, num_classes, seed)``) and makes every parameter
    trainable (``requires_grad`` True). Returns the same model object.

    Explained in chapter 6, *Transfer learning* ("Three ways to train").
    """
    # BEGIN SOLUTION
    model = replace_head(model, num_classes, seed)
    for p in model.parameters():
        p.requires_grad_(True)
    return model
    # END SOLUTION


def freeze(model, num_classes, seed=0):
    """Feature extraction: freeze every pretrained weight; only the new final layer is trained.

    Sets ``requires_grad`` False on every existing parameter, then replaces the final Linear layer
    by a new one with ``num_classes`` outputs (``replace_head(model, num_classes, seed)``), whose
    parameters do require gradients. Returns the same model object.

    Explained in chapter 6, *Transfer learning* ("Frozen backbone").
    """
    # BEGIN SOLUTION
    for p in model.parameters():
        p.requires_grad_(False)
    return replace_head(model, num_classes, seed)       # the new layer's parameters require grad
    # END SOLUTION


def _fixed_batchnorm_to_eval(model):
    """Batch-norm layers that must keep their running statistics go to eval mode during training.

    That is every layer whose parameters are all frozen (a frozen backbone must not drift through its
    statistics either) and every layer marked ``fixed_statistics`` (hwlib.pretrained's converted
    layers, whose "statistics" are folded constants).
    """
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            params = list(m.parameters())
            frozen = bool(params) and not any(p.requires_grad for p in params)
            if frozen or getattr(m, "fixed_statistics", False):
                m.eval()


def train_model(model, dataloaders, criterion, optimizer, scheduler=None, num_epochs=25, device=None,
                seed=0, verbose=True):
    """Train with a train and a val phase per epoch; return (best-validation model, history).

    Explained in chapter 6, *Transfer learning* ("Three ways to train").

    Inputs:
    - model: a torch.nn.Module; it is moved to ``device`` (default: hwlib.device.default_device())
    - dataloaders: {'train': DataLoader, 'val': DataLoader} yielding (inputs, integer labels)
    - criterion: e.g. nn.CrossEntropyLoss(); optimizer: built on the parameters to train
    - scheduler: optional learning-rate scheduler, stepped once per epoch
    - num_epochs: epochs; seed: seeds torch's global RNG (random crops, dropout) for reproducibility
    - verbose: print one line per phase, as the tutorial does

    Returns:
    - model: with the weights of the epoch with the best validation accuracy
    - history: a hwlib.history.History (monitor 'val_acc'): ``loss`` and ``lr`` (the first parameter
      group's) per training step; per epoch ``metrics`` 'train_loss', 'train_acc' (means over the
      epoch's training batches), 'val_loss', 'val_acc', and ``seconds``

    Raises FloatingPointError if a training loss is NaN or infinite.
    """
    # BEGIN SOLUTION
    if set(dataloaders) < {"train", "val"}:
        raise ValueError(f"dataloaders needs 'train' and 'val', got {sorted(dataloaders)}")
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be positive, got {num_epochs}")
    device = torch.device(device) if device is not None else default_device()
    torch.manual_seed(seed)
    model = model.to(device)
    history = History(monitor="val_acc", mode="max")
    best_state = copy.deepcopy(model.state_dict())
    for epoch in range(1, num_epochs + 1):
        start = time.perf_counter()
        if verbose:
            print(f"Epoch {epoch}/{num_epochs}")
        metrics = {}
        for phase in ("train", "val"):
            training = phase == "train"
            model.train(training)
            if training:
                _fixed_batchnorm_to_eval(model)
            total_loss, correct, count = 0.0, 0, 0
            for inputs, labels in dataloaders[phase]:
                inputs, labels = inputs.to(device), labels.to(device)
                with torch.set_grad_enabled(training):
                    outputs = model(inputs)
                    loss = criterion(outputs, labels)
                    if training:
                        if not torch.isfinite(loss):
                            raise FloatingPointError(f"training diverged: loss {loss.item()} in epoch {epoch}; "
                                                     "lower the learning rate")
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                        history.log_step(loss.item(), optimizer.param_groups[0]["lr"])
                total_loss += loss.item() * inputs.size(0)
                correct += (outputs.argmax(1) == labels).sum().item()
                count += inputs.size(0)
            if training and scheduler is not None:
                scheduler.step()
            metrics[f"{phase}_loss"], metrics[f"{phase}_acc"] = total_loss / count, correct / count
            if verbose:
                print(f"{phase} Loss: {total_loss / count:.4f} Acc: {correct / count:.4f}")
        if history.log_checkpoint(time.perf_counter() - start, **metrics):
            best_state = copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    if verbose:
        print(f"Best val Acc: {history.best_value:.4f} (epoch {history.best_epoch})")
    return model, history
    # END SOLUTION


def head_features(model, dataloader, device=None):
    """What the model's final layer receives, for every example of ``dataloader``, in eval mode.

    With a frozen backbone these inputs never change during training, so they can be computed once
    and the final layer trained on them alone (chapter 6, "Frozen backbone"). Returns
    (features (N, D) float tensor, labels (N,) int64 tensor) on the CPU, in the loader's order.
    """
    head = model.get_submodule(final_layer_name(model))
    device = torch.device(device) if device is not None else next(model.parameters()).device
    captured, labels = [], []
    hook = head.register_forward_hook(lambda module, inputs, output: captured.append(inputs[0].detach().cpu()))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for inputs, targets in dataloader:
                model(inputs.to(device))
                labels.append(targets)
    finally:
        hook.remove()
        model.train(was_training)
    return torch.cat(captured), torch.cat(labels)


def feature_dataloaders(model, dataloaders, batch_size=16, seed=0, device=None):
    """Loaders over precomputed ``head_features``: {split: DataLoader of (features, labels)}.

    Pass loaders without random augmentation: each image is run through the backbone once, so its
    features must be the same every epoch. The training loader shuffles, seeded by ``seed``.
    """
    sets = {split: torch.utils.data.TensorDataset(*head_features(model, loader, device))
            for split, loader in dataloaders.items()}
    generator = torch.Generator().manual_seed(seed)
    return {split: torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=split == "train",
                                               generator=generator if split == "train" else None)
            for split, data in sets.items()}


def predict(model, dataloader, device=None):
    """(predicted labels, true labels) as numpy arrays over a whole dataloader, in eval mode."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    preds, trues = [], []
    with torch.no_grad():
        for inputs, labels in dataloader:
            preds.append(model(inputs.to(device)).argmax(1).cpu().numpy())
            trues.append(labels.numpy())
    return np.concatenate(preds), np.concatenate(trues)


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
    device = next(model.parameters()).device
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


def parameter_groups(model, head_lr, backbone_lr):
    """Optimizer parameter groups: the final layer at ``head_lr``, every other trainable weight at
    ``backbone_lr`` (discriminative learning rates; empty groups are left out)."""
    head = list(model.get_submodule(final_layer_name(model)).parameters())
    head_ids = {id(p) for p in head}
    backbone = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    groups = [{"params": backbone, "lr": backbone_lr}, {"params": [p for p in head if p.requires_grad], "lr": head_lr}]
    return [g for g in groups if g["params"]]
