"""History: the one record every training loop in hwlib returns, and that ``plot_history`` draws.

The numpy ``Solver`` and ``CaptioningSolver`` (chapters 3–5), ``hwlib.transfer.training.train_model``
(chapter 6) and ``hwlib.trainer.run`` (chapter 7) all fill the same fields:

* ``loss``, ``lr``: the training loss and the learning rate of every optimizer step;
* ``checkpoint_iters``: the step count at each evaluation (the end of an epoch, or every
  ``eval_interval`` steps);
* ``metrics``: name -> one value per evaluation (``train_acc``, ``val_acc``, ``val_loss`` ...);
* ``seconds``: wall time of each period between evaluations;
* ``monitor`` and ``mode``: the metric that picks the best evaluation ('max' or 'min').

``per_epoch`` says whether evaluations are epochs (chapters 3–6) or step counts (chapter 7).
"""

from dataclasses import asdict, dataclass, field


@dataclass
class History:
    """A training run, step by step and evaluation by evaluation (see the module)."""

    monitor: str = "val_acc"
    mode: str = "max"
    per_epoch: bool = True
    loss: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    checkpoint_iters: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    seconds: list = field(default_factory=list)

    def __post_init__(self):
        if self.mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {self.mode!r}")

    def log_step(self, loss, lr=None):
        """Record one optimizer step's training loss (a float) and learning rate."""
        self.loss.append(float(loss))
        self.lr.append(None if lr is None else float(lr))

    def log_checkpoint(self, seconds, **metrics):
        """Record an evaluation after ``len(self.loss)`` steps; returns True if it is the best so far."""
        if self.checkpoint_iters and set(metrics) != set(self.metrics):
            raise ValueError(f"every evaluation must report the same metrics: {sorted(self.metrics)}, "
                             f"got {sorted(metrics)}")
        self.checkpoint_iters.append(len(self.loss))
        self.seconds.append(float(seconds))
        for name, value in metrics.items():
            self.metrics.setdefault(name, []).append(float(value))
        return self.best_index == len(self.checkpoint_iters) - 1

    @property
    def best_index(self):
        """0-based index of the best evaluation by ``monitor`` (the first one on ties), or None."""
        values = self.metrics.get(self.monitor)
        if not values:
            return None
        best = max(values) if self.mode == "max" else min(values)
        return values.index(best)

    @property
    def best_epoch(self):
        """1-based number of the best evaluation (the epoch, for per-epoch histories)."""
        return None if self.best_index is None else self.best_index + 1

    @property
    def best_value(self):
        """The monitored metric at its best evaluation."""
        return None if self.best_index is None else self.metrics[self.monitor][self.best_index]

    def last(self, name):
        """The most recent value of a metric."""
        return self.metrics[name][-1]

    @property
    def total_seconds(self):
        return sum(self.seconds)

    def first(self, steps):
        """A copy with the first ``steps`` steps only (and the evaluations made within them), e.g. to
        compare the start of two runs."""
        kept = sum(1 for it in self.checkpoint_iters if it <= steps)
        return History(self.monitor, self.mode, self.per_epoch, self.loss[:steps], self.lr[:steps],
                       self.checkpoint_iters[:kept], {k: v[:kept] for k, v in self.metrics.items()},
                       self.seconds[:kept])

    def to_dict(self):
        """Plain lists and numbers (for JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**data)
