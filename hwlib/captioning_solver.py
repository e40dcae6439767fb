"""CaptioningSolver: minibatch training of a captioning model, reusing hwlib.optim's update rules.

Captions do not have one label per input, so hwlib.solver.Solver's accuracy bookkeeping does not
apply; this thin variant samples (caption, image) pairs, records the training loss per iteration and
the validation loss per epoch, and keeps the parameters with the lowest validation loss.

Data is a dict with, for 'train' and 'val':
- '<split>_captions': int (M, T) caption ids (<START> first, <NULL> padding)
- '<split>_image_idxs': int (M,) the row of each caption's image in '<split>_features'
- '<split>_features': (N_images, D) features in the model's dtype
"""

import time

import numpy as np

from hwlib.optim import get_update_rule


class CaptioningSolver:
    """Train ``model`` (``params`` + ``loss(features, captions)``) on captions.

    Arguments: model, data (see the module), update_rule ('adam', ... or a function), optim_config,
    lr_decay (per epoch), batch_size, num_epochs, print_every, verbose, seed.
    After ``train()``: ``loss_history`` (per iteration), ``val_loss_history`` (per epoch),
    ``best_val_loss``, ``train_seconds``; the model holds the best-validation parameters.
    """

    def __init__(self, model, data, update_rule="adam", optim_config=None, lr_decay=1.0, batch_size=50,
                 num_epochs=10, print_every=100, verbose=True, seed=0):
        for split in ("train", "val"):
            for key in ("captions", "image_idxs", "features"):
                if f"{split}_{key}" not in data:
                    raise ValueError(f"data is missing '{split}_{key}'")
            caps, idxs = data[f"{split}_captions"], data[f"{split}_image_idxs"]
            if len(caps) != len(idxs) or len(caps) == 0:
                raise ValueError(f"{split}: {len(caps)} captions but {len(idxs)} image indices (need the same, > 0)")
            if idxs.max() >= len(data[f"{split}_features"]):
                raise ValueError(f"{split}: an image index {idxs.max()} is out of range for "
                                 f"{len(data[f'{split}_features'])} feature rows")
        if batch_size < 1 or num_epochs < 1:
            raise ValueError(f"batch_size and num_epochs must be positive, got {batch_size}, {num_epochs}")
        self.model, self.data = model, data
        self.update_rule = get_update_rule(update_rule)
        self.optim_config = dict(optim_config or {})
        self.lr_decay, self.batch_size, self.num_epochs = lr_decay, batch_size, num_epochs
        self.print_every, self.verbose, self.seed = print_every, verbose, seed
        self.rng = np.random.default_rng(seed)
        self.optim_configs = {name: dict(self.optim_config) for name in model.params}
        self.loss_history, self.val_loss_history = [], []
        self.best_val_loss, self.best_params, self.train_seconds = np.inf, None, 0.0

    def _batch(self, split, rows):
        caps = self.data[f"{split}_captions"][rows]
        feats = self.data[f"{split}_features"][self.data[f"{split}_image_idxs"][rows]]
        return feats, caps

    def _step(self, rows):
        loss, grads = self.model.loss(*self._batch("train", rows))
        if not np.isfinite(loss):
            raise FloatingPointError(f"training diverged: the loss is {loss} at iteration "
                                     f"{len(self.loss_history) + 1}; the model was not updated with it. "
                                     "Lower the learning rate.")
        for name, w in self.model.params.items():
            self.model.params[name], self.optim_configs[name] = self.update_rule(w, grads[name],
                                                                                self.optim_configs[name])
        return float(loss)

    def validation_loss(self, batch_size=500):
        """Mean teacher-forced loss per caption over all validation captions."""
        n = len(self.data["val_captions"])
        total = 0.0
        for start in range(0, n, batch_size):
            rows = np.arange(start, min(start + batch_size, n))
            total += float(self.model.loss(*self._batch("val", rows))[0]) * len(rows)
        return total / n

    def train(self):
        """Run the optimization; restores the parameters with the lowest validation loss."""
        n = len(self.data["train_captions"])
        per_epoch = max(n // self.batch_size, 1)
        start = time.perf_counter()
        for epoch in range(self.num_epochs):
            order = self.rng.permutation(n)
            for i in range(per_epoch):
                self.loss_history.append(self._step(order[i * self.batch_size:(i + 1) * self.batch_size]))
                t = len(self.loss_history)
                if self.verbose and (t == 1 or t % self.print_every == 0):
                    print(f"(Iteration {t} / {self.num_epochs * per_epoch}) loss: {self.loss_history[-1]:.3f}")
            for config in self.optim_configs.values():
                if "learning_rate" in config:
                    config["learning_rate"] *= self.lr_decay
            val_loss = self.validation_loss()
            self.val_loss_history.append(val_loss)
            if self.verbose:
                print(f"(Epoch {epoch + 1} / {self.num_epochs}) val loss: {val_loss:.3f}")
            if val_loss < self.best_val_loss:
                self.best_val_loss = val_loss
                self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        self.train_seconds = time.perf_counter() - start
        self.model.params = {k: v.copy() for k, v in self.best_params.items()}
        return self
