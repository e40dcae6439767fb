"""A frozen backbone's features, computed once: what the final layer receives, as tensors and as
loaders (chapter 6, *Transfer learning*, "Frozen backbone")."""

import torch

from hwlib.device import evaluating, resolve_device
from hwlib.transfer.surgery import final_layer_name


def head_features(model, dataloader, device=None):
    """What the model's final layer receives, for every example of ``dataloader``, in eval mode.

    With a frozen backbone these inputs never change during training, so they can be computed once
    and the final layer trained on them alone (chapter 6, "Frozen backbone"). Returns
    (features (N, D) float tensor, labels (N,) int64 tensor) on the CPU, in the loader's order.
    """
    head = model.get_submodule(final_layer_name(model))
    device = resolve_device(device, model)
    captured, labels = [], []
    hook = head.register_forward_hook(lambda module, inputs, output: captured.append(inputs[0].detach().cpu()))
    try:
        with evaluating(model), torch.no_grad():
            for inputs, targets in dataloader:
                model(inputs.to(device))
                labels.append(targets)
    finally:
        hook.remove()
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
