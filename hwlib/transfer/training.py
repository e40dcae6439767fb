"""The tutorial's training loop: a train and a val phase per epoch, the best-validation weights kept.

Follows the PyTorch "Transfer Learning for Computer Vision" tutorial, with three additions: training
is reproducible from a seed, a frozen backbone stays bit-identical (its batch-norm statistics are
not updated either), and a non-finite loss stops training with a clear error.
"""

import copy
import time

import torch
from torch import nn

from hwlib.device import resolve_device
from hwlib.history import History


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
    device = resolve_device(device)
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
