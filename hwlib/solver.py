"""The Solver: minibatch training of a numpy model, in the cs231n shape.

Explained in chapter 3, *Softmax classification and a two-layer network* ("How the Solver trains").
A model is anything with

* ``model.params``: a dict of name -> numpy array (the trainable parameters), and
* ``model.loss(X, y=None)``: class scores of shape (N, C) when ``y`` is None, else
  ``(loss, grads)`` with ``grads`` a dict with the same keys and shapes as ``params``.

Example::

    solver = Solver(model, {"X_train": X, "y_train": y, "X_val": Xv, "y_val": yv},
                    update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, batch_size=100, num_epochs=5, seed=0)
    solver.train()
    solver.check_accuracy(X_test, y_test)

After ``train()`` the model holds the parameters of the best evaluation and ``solver.history``
(a :class:`hwlib.history.History`) holds the curves; ``loss_history``, ``train_acc_history``,
``val_acc_history`` and ``best_val_acc`` are the cs231n names for parts of it. Training is
reproducible: the minibatch order and the accuracy subsamples come from ``seed`` alone.

A variant for other data overrides three methods — ``_check_data``, ``_batch_loss`` and
``_evaluate`` — and the ``monitor``/``mode`` that pick the best epoch; ``CaptioningSolver``
(chapter 5) is one.
"""

import time

import numpy as np

from hwlib.history import History
from hwlib.optim import get_update_rule


class Solver:
    """Train a classification model with minibatch gradient descent.

    Required arguments:
    - model: an object with ``params`` and ``loss(X, y=None)`` as described in the module
    - data: dict with 'X_train' (N_train, ...), 'y_train' (N_train,) integer labels, and 'X_val', 'y_val'

    Optional arguments:
    - update_rule: a name from hwlib.optim ('sgd', 'sgd_momentum', 'rmsprop', 'adam') or a function
      ``update(w, dw, config) -> (next_w, config)``; default 'sgd'
    - optim_config: hyperparameters for the update rule, e.g. {'learning_rate': 1e-3}; each parameter
      gets its own copy (the optimizer state is per parameter)
    - lr_decay: the learning rate is multiplied by this after every epoch (default 1.0)
    - batch_size: minibatch size (default 100)
    - num_epochs: passes over the training set (default 10)
    - print_every: print the loss every this many iterations (when verbose)
    - verbose: print progress (default True)
    - seed: seeds the minibatch order and accuracy subsamples (default 0)
    - num_train_samples: training images used to measure training accuracy each epoch (default 1000)
    - num_val_samples: validation images used each epoch (default None = all)
    - augment: optional function ``augment(X_batch, rng) -> X_batch`` applied to each training minibatch
    """

    monitor, mode = "val_acc", "max"       # which evaluation is the best one

    def __init__(self, model, data, update_rule="sgd", optim_config=None, lr_decay=1.0, batch_size=100,
                 num_epochs=10, print_every=100, verbose=True, seed=0, num_train_samples=1000,
                 num_val_samples=None, augment=None):
        if not hasattr(model, "params") or not hasattr(model, "loss"):
            raise TypeError("model must have a 'params' dict and a loss(...) method")
        if batch_size < 1 or num_epochs < 1:
            raise ValueError(f"batch_size and num_epochs must be positive, got {batch_size}, {num_epochs}")
        self.model, self.data = model, data
        self._check_data(data)
        self.update_rule = get_update_rule(update_rule)
        self.optim_config = dict(optim_config or {})
        self.lr_decay, self.batch_size, self.num_epochs = lr_decay, batch_size, num_epochs
        self.print_every, self.verbose, self.seed = print_every, verbose, seed
        self.num_train_samples, self.num_val_samples, self.augment = num_train_samples, num_val_samples, augment
        self._reset()

    # -- what a variant for other data overrides -----------------------------------------------

    def _check_data(self, data):
        """Validate ``data``; set ``self.num_train`` (rows one epoch visits)."""
        missing = {"X_train", "y_train", "X_val", "y_val"} - set(data)
        if missing:
            raise ValueError(f"data is missing {sorted(missing)}")
        for split in ("train", "val"):
            x, y = data[f"X_{split}"], data[f"y_{split}"]
            if len(x) != len(y):
                raise ValueError(f"X_{split} has {len(x)} rows but y_{split} has {len(y)} labels")
            if len(x) == 0:
                raise ValueError(f"X_{split} is empty")
        self.X_train, self.y_train = data["X_train"], np.asarray(data["y_train"])
        self.X_val, self.y_val = data["X_val"], np.asarray(data["y_val"])
        self.num_train = len(self.X_train)

    def _batch_loss(self, rows):
        """(loss, grads) of the model on the training rows ``rows``."""
        x_batch, y_batch = self.X_train[rows], self.y_train[rows]
        if self.augment is not None:
            x_batch = self.augment(x_batch, self.rng)
        return self.model.loss(x_batch, y_batch)

    def _evaluate(self):
        """The metrics recorded after each epoch (a dict of floats)."""
        return {"train_acc": self.check_accuracy(self.X_train, self.y_train, self.num_train_samples),
                "val_acc": self.check_accuracy(self.X_val, self.y_val, self.num_val_samples)}

    # -- the loop shared by every variant -------------------------------------------------------

    def _reset(self):
        self.rng = np.random.default_rng(self.seed)
        self.epoch = 0
        self.best_params = {}
        self.history = History(monitor=self.monitor, mode=self.mode)
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _learning_rate(self):
        return next(iter(self.optim_configs.values())).get("learning_rate")

    def _step(self, rows):
        """One gradient step on the training rows ``rows``; returns the minibatch loss."""
        loss, grads = self._batch_loss(rows)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"training diverged: the loss is {loss} at iteration {len(self.history.loss) + 1} "
                f"(epoch {self.epoch + 1}). The model was not updated with it. Lower the learning rate "
                f"(now {self._learning_rate()}) or check the data for NaN/inf.")
        for name, w in self.model.params.items():
            self.model.params[name], self.optim_configs[name] = self.update_rule(w, grads[name],
                                                                                self.optim_configs[name])
        self.history.log_step(loss, self._learning_rate())
        return float(loss)

    def train(self):
        """Run the optimization, then restore the parameters of the best evaluation.

        Raises FloatingPointError as soon as a minibatch loss is NaN or infinite.
        """
        iters_per_epoch = max(self.num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iters_per_epoch
        for epoch in range(self.num_epochs):
            start = time.perf_counter()
            order = self.rng.permutation(self.num_train)
            for i in range(iters_per_epoch):
                loss = self._step(order[i * self.batch_size:(i + 1) * self.batch_size])
                t = len(self.history.loss)
                if self.verbose and (t == 1 or t % self.print_every == 0):
                    print(f"(Iteration {t} / {num_iterations}) loss: {loss:.3f}")
            self.epoch = epoch + 1
            for config in self.optim_configs.values():
                if "learning_rate" in config:   # the rules store their default after the first step
                    config["learning_rate"] *= self.lr_decay
            metrics = self._evaluate()
            if self.history.log_checkpoint(time.perf_counter() - start, **metrics):
                self.best_params = {name: w.copy() for name, w in self.model.params.items()}
            if self.verbose:
                print(f"(Epoch {self.epoch} / {self.num_epochs}) "
                      + ", ".join(f"{name} {value:.3f}" for name, value in metrics.items()))
        self.model.params = {name: w.copy() for name, w in self.best_params.items()}
        return self

    # -- classification helpers -----------------------------------------------------------------

    def check_accuracy(self, X, y, num_samples=None, batch_size=500):
        """Fraction of rows of X whose highest score is the label y (on a fixed subsample if asked).

        Inputs:
        - X: data of shape (N, ...); y: integer labels of shape (N,)
        - num_samples: if given and smaller than N, use that many rows chosen with the solver's rng
        - batch_size: rows per forward pass (bounds memory)

        Returns:
        - acc: float in [0, 1]
        """
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
        if num_samples is not None and len(X) > num_samples:
            idx = self.rng.choice(len(X), num_samples, replace=False)
            X, y = X[idx], y[idx]
        return float(np.mean(self.predict(X, batch_size) == y))

    def predict(self, X, batch_size=500):
        """The model's predicted class for every row of X, computed batch_size rows at a time."""
        return np.concatenate([np.argmax(self.model.loss(X[i:i + batch_size]), axis=1)
                               for i in range(0, len(X), batch_size)])

    # -- the cs231n names for parts of the history ---------------------------------------------

    @property
    def loss_history(self):
        return self.history.loss

    @property
    def train_acc_history(self):
        return self.history.metrics.get("train_acc", [])

    @property
    def val_acc_history(self):
        return self.history.metrics.get("val_acc", [])

    @property
    def best_val_acc(self):
        return self.history.best_value if self.monitor == "val_acc" else None
