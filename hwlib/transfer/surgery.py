"""Model surgery for transfer learning: find and replace the final layer, fine-tune or freeze,
and discriminative learning rates (chapter 6, *Transfer learning*, "Three ways to train")."""

import torch
from torch import nn


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


def parameter_groups(model, head_lr, backbone_lr):
    """Optimizer parameter groups: the final layer at ``head_lr``, every other trainable weight at
    ``backbone_lr`` (discriminative learning rates; empty groups are left out)."""
    head = list(model.get_submodule(final_layer_name(model)).parameters())
    head_ids = {id(p) for p in head}
    backbone = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    groups = [{"params": backbone, "lr": backbone_lr}, {"params": [p for p in head if p.requires_grad], "lr": head_lr}]
    return [g for g in groups if g["params"]]
