"""The Solver: minibatch training of a numpy model, in the cs231n shape.

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

After ``train()`` the model holds the parameters with the best validation accuracy, and
``loss_history``, ``train_acc_history`` and ``val_acc_history`` hold the curves. Training is
reproducible: the minibatch order and the accuracy subsamples come from ``seed`` alone.
"""

import time

import numpy as np

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
    - num_train_samples: training images used to measure training accuracy each epoch (default 1000)
    - num_val_samples: validation images used each epoch (default None = all)
    - print_every: print the loss every this many iterations (when verbose)
    - verbose: print progress (default True)
    - seed: seeds the minibatch order and accuracy subsamples (default 0)
    - augment: optional function ``augment(X_batch, rng) -> X_batch`` applied to each training minibatch
    """

    def __init__(self, model, data, update_rule="sgd", optim_config=None, lr_decay=1.0, batch_size=100,
                 num_epochs=10, num_train_samples=1000, num_val_samples=None, print_every=100,
                 verbose=True, seed=0, augment=None):
        missing = {"X_train", "y_train", "X_val", "y_val"} - set(data)
        if missing:
            raise ValueError(f"data is missing {sorted(missing)}")
        for split in ("train", "val"):
            x, y = data[f"X_{split}"], data[f"y_{split}"]
            if len(x) != len(y):
                raise ValueError(f"X_{split} has {len(x)} rows but y_{split} has {len(y)} labels")
            if len(x) == 0:
                raise ValueError(f"X_{split} is empty")
        if not hasattr(model, "params") or not hasattr(model, "loss"):
            raise TypeError("model must have a 'params' dict and a loss(X, y=None) method")
        if batch_size < 1 or num_epochs < 1:
            raise ValueError(f"batch_size and num_epochs must be positive, got {batch_size}, {num_epochs}")
        self.model = model
        self.X_train, self.y_train = data["X_train"], np.asarray(data["y_train"])
        self.X_val, self.y_val = data["X_val"], np.asarray(data["y_val"])
        self.update_rule = get_update_rule(update_rule)
        self.optim_config = dict(optim_config or {})
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.num_train_samples = num_train_samples
        self.num_val_samples = num_val_samples
        self.print_every = print_every
        self.verbose = verbose
        self.seed = seed
        self.augment = augment
        self._reset()

    def _reset(self):
        self.rng = np.random.default_rng(self.seed)
        self.epoch = 0
        self.best_val_acc = -1.0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}
        self.train_seconds = 0.0

    def _step(self, idx):
        """One gradient step on the training rows ``idx``; returns the minibatch loss."""
        x_batch, y_batch = self.X_train[idx], self.y_train[idx]
        if self.augment is not None:
            x_batch = self.augment(x_batch, self.rng)
        loss, grads = self.model.loss(x_batch, y_batch)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"training diverged: the loss is {loss} at iteration {len(self.loss_history) + 1} "
                f"(epoch {self.epoch + 1}). The model was not updated with it. Lower the learning rate "
                f"(now {self.optim_configs[next(iter(self.optim_configs))].get('learning_rate')}) or check the "
                "data for NaN/inf.")
        for name, w in self.model.params.items():
            next_w, self.optim_configs[name] = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w
        return float(loss)

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

    def train(self):
        """Run the optimization, then restore the parameters with the best validation accuracy.

        Raises FloatingPointError as soon as a minibatch loss is NaN or infinite.
        """
        n = len(self.X_train)
        iters_per_epoch = max(n // self.batch_size, 1)
        num_iterations = self.num_epochs * iters_per_epoch
        start = time.perf_counter()
        for epoch in range(self.num_epochs):
            order = self.rng.permutation(n)
            for i in range(iters_per_epoch):
                loss = self._step(order[i * self.batch_size:(i + 1) * self.batch_size])
                self.loss_history.append(loss)
                t = len(self.loss_history)
                if self.verbose and (t == 1 or t % self.print_every == 0):
                    print(f"(Iteration {t} / {num_iterations}) loss: {loss:.3f}")
            self.epoch = epoch + 1
            for config in self.optim_configs.values():
                if "learning_rate" in config:   # the rules store their default after the first step
                    config["learning_rate"] *= self.lr_decay
            self._record_accuracy()
        self.train_seconds = time.perf_counter() - start
        self.model.params = {name: w.copy() for name, w in self.best_params.items()}
        return self

    def _record_accuracy(self):
        train_acc = self.check_accuracy(self.X_train, self.y_train, self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if self.verbose:
            print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:.3f}; val_acc: {val_acc:.3f}")
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_params = {name: w.copy() for name, w in self.model.params.items()}
