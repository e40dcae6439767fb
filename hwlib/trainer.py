"""A small, reproducible training loop for PyTorch models (the seed's ``transformer_trainer.run``).

Explained in chapter 7, *Transformers* ("A GPT in a few lines"). ``run(model, train_data, config)``
trains with AdamW, a linear warm-up followed by a cosine decay of the learning rate, gradient-norm
clipping and periodic evaluation, and returns a :class:`hwlib.history.History`. The minibatches are
drawn from a ``torch.Generator`` seeded with ``config.seed`` and torch's global RNG (dropout) is
seeded too, so the same call gives the same numbers on the same machine.
"""

import copy
import math
import time
from dataclasses import dataclass

import torch

from hwlib.device import default_device
from hwlib.history import History


@dataclass
class TrainConfig:
    """Settings of :func:`run`.

    - max_iters: optimizer steps; batch_size: examples per step
    - learning_rate: peak learning rate, reached after ``warmup_iters`` steps, then cosine-decayed to
      ``min_lr`` at ``max_iters``
    - weight_decay: AdamW's decoupled weight decay, applied to matrices only (not to biases,
      LayerNorm weights: parameters with fewer than 2 dimensions)
    - betas: AdamW's betas; grad_clip: clip the global gradient norm to this (None: no clipping)
    - eval_interval: call ``eval_fn(model)`` every this many steps (and after the last one)
    - eval_fn: optional function model -> dict of numbers (e.g. validation loss, accuracy)
    - monitor, mode: the metric of eval_fn that marks the best evaluation in the history, and
      whether larger ('max') or smaller ('min') is better
    - log_interval: print progress every this many steps (0: silent)
    - seed: seeds the batch order and torch's global RNG; device: None = hwlib.device.default_device()
    """

    max_iters: int = 1000
    batch_size: int = 64
    learning_rate: float = 1e-3
    min_lr: float = 1e-4
    warmup_iters: int = 100
    weight_decay: float = 0.1
    betas: tuple = (0.9, 0.95)
    grad_clip: float | None = 1.0
    eval_interval: int = 250
    eval_fn: object = None
    monitor: str = "val_loss"
    mode: str = "min"
    log_interval: int = 0
    seed: int = 0
    device: object = None


@torch.no_grad()
def mean_loss(model, X, Y, batch_size=64):
    """The model's mean loss over all rows of (X, Y), weighted by rows, in eval mode (no dropout)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total = 0.0
    for start in range(0, len(X), batch_size):
        xb, yb = X[start:start + batch_size].to(device), Y[start:start + batch_size].to(device)
        total += model(xb, yb)[1].item() * len(xb)
    model.train(was_training)
    return total / len(X)


class KeepBest:
    """An ``eval_fn`` for :func:`run` that also keeps a copy of the best weights seen so far.

    ``KeepBest(model, metrics, monitor="val_loss", mode="min")``: each call ``keep(m)`` returns
    ``metrics(m)`` (a dict) and, when ``monitor`` in it is the best so far (lowest for 'min',
    highest for 'max'; the first one on ties, as ``History.best_index``), copies ``m``'s state.
    ``restore()`` loads the kept weights into ``model`` and returns it: the early-stopped model,
    without running again. ``best_index`` is the 0-based evaluation the copy comes from.
    """

    def __init__(self, model, metrics, monitor="val_loss", mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.model, self.metrics, self.monitor, self.mode = model, metrics, monitor, mode
        self.best_index, self.best_value, self.calls, self._state = None, None, 0, None

    def __call__(self, model):
        values = self.metrics(model)
        value = float(values[self.monitor])
        better = self.best_value is None or (value < self.best_value if self.mode == "min"
                                             else value > self.best_value)
        if better:
            self.best_index, self.best_value = self.calls, value
            self._state = copy.deepcopy(model.state_dict())
        self.calls += 1
        return values

    def restore(self):
        if self._state is None:
            raise RuntimeError("nothing kept yet: KeepBest has not been called")
        self.model.load_state_dict(self._state)
        return self.model


def learning_rate_at(step, config):
    """Linear warm-up from 0 to learning_rate over warmup_iters steps, then cosine decay to min_lr."""
    if step < config.warmup_iters:
        return config.learning_rate * (step + 1) / config.warmup_iters
    span = max(config.max_iters - config.warmup_iters, 1)
    progress = min((step - config.warmup_iters) / span, 1.0)
    return config.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (config.learning_rate - config.min_lr)


def _optimizer(model, config):
    decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=config.betas)


def run(model, train_data, config):
    """Train ``model`` on ``train_data`` and return its history.

    Inputs:
    - model: a module whose ``forward(x, y)`` returns ``(output, loss)`` (as hwlib.transformer.GPT does)
    - train_data: a tuple of tensors (X, Y) with the same first dimension; each step draws
      ``config.batch_size`` random rows
    - config: a TrainConfig

    Every step sets the learning rate of every parameter group to ``learning_rate_at(step, config)``
    (linear warm-up, then cosine decay to ``min_lr``), draws a batch of random rows, and takes one
    optimizer step (``_optimizer``: AdamW; gradients clipped to ``grad_clip`` if set). torch and the
    batch draws are seeded with ``config.seed``, so a run is reproducible.

    Returns a History (``hwlib.history``, per_epoch False):
    - ``loss``, ``lr``: per step
    - ``checkpoint_iters``, ``seconds`` and ``metrics`` (one list per key of ``eval_fn``'s dict):
      at every evaluation, i.e. every ``eval_interval`` steps and after the last step

    Raises FloatingPointError as soon as a training loss is NaN or infinite.

    Explained in chapter 7, *Transformers* ("Multiplication").
    """
    X, Y = train_data
    if len(X) != len(Y) or len(X) == 0:
        raise ValueError(f"train_data must be two tensors with the same (non-zero) length, got {len(X)} and {len(Y)}")
    # BEGIN SOLUTION
    device = torch.device(config.device) if config.device is not None else default_device()
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model = model.to(device)
    optimizer = _optimizer(model, config)
    history = History(monitor=config.monitor, mode=config.mode, per_epoch=False)
    start = time.perf_counter()

    def evaluate(step):
        nonlocal start
        metrics = {}
        if config.eval_fn is not None:
            model.eval()
            with torch.no_grad():
                metrics = config.eval_fn(model)
            model.train()
        history.log_checkpoint(time.perf_counter() - start, **metrics)
        start = time.perf_counter()
        if config.log_interval and metrics:
            print(f"step {step}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))

    model.train()
    for step in range(config.max_iters):
        lr = learning_rate_at(step, config)
        for group in optimizer.param_groups:
            group["lr"] = lr
        rows = torch.randint(len(X), (config.batch_size,), generator=generator)
        xb, yb = X[rows].to(device), Y[rows].to(device)
        _, loss = model(xb, yb)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training diverged: loss {loss.item()} at step {step + 1}; "
                                     f"lower the learning rate (now {lr:.2e}) or enable grad_clip")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        history.log_step(loss.item(), lr)
        if config.log_interval and (step + 1) % config.log_interval == 0:
            print(f"step {step + 1}/{config.max_iters}: loss {loss.item():.4f}, lr {lr:.2e}")
        if config.eval_interval and (step + 1) % config.eval_interval == 0 and step + 1 != config.max_iters:
            evaluate(step + 1)
    evaluate(config.max_iters)
    return history
    # END SOLUTION
