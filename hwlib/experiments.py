"""Chapter 7's training runs, one record each: the model's sizes and how it is trained.

nanoGPT keeps a model's sizes in one ``GPTConfig``; an :class:`Experiment` keeps everything a run
needs in one place: the ``GPTConfig`` (with its dropout), the batch size, the learning-rate
schedule, the weight decay and the number of steps at both scales. The chapter prints the record
it trains with, ``hwlib.arithmetic.train_multiplier`` and the TinyStories cell train with it, and
``bench/attention_bench.py`` times the same models, so no setting is typed twice.

``EXPERIMENTS`` holds the chapter's runs: ``"multiplication"`` (answer only, the recipe that
meets the homework's bars: strong weight decay), ``"weak_decay"`` (the same with the weight decay
of the other runs, where the model memorizes; full scale only), ``"scratchpad"`` (the partial
products written out, with the weak decay) and ``"tinystories"``.
"""

from dataclasses import dataclass, replace

from hwlib.trainer import TrainConfig
from hwlib.transformer import GPT, GPTConfig


@dataclass(frozen=True)
class Experiment:
    """One run of chapter 7 (see the module).

    - model: the GPTConfig (its vocab_size is that of the run's data)
    - batch_size, learning_rate (the peak), min_lr (the end of the cosine), warmup_iters,
      weight_decay: as in ``hwlib.trainer.TrainConfig``
    - max_iters, eval_interval, seeds: steps, evaluation period and the seeds trained (one model
      each) at full scale (``HWLIB_FULL=1``)
    - ci_iters, ci_eval_interval, ci_seeds: the same for the page's reduced run (no seeds: the run
      is shown from the full run's record only)
    """

    model: GPTConfig
    batch_size: int
    learning_rate: float
    min_lr: float
    warmup_iters: int
    weight_decay: float
    max_iters: int
    eval_interval: int
    ci_iters: int
    ci_eval_interval: int
    seeds: tuple = (0,)
    ci_seeds: tuple = (0,)

    def build(self, seed=0, **changes):
        """A freshly initialized GPT of this run's sizes, any GPTConfig field replaced by ``changes``."""
        return GPT(replace(self.model, **changes), seed=seed)

    def schedule(self, full):
        """(steps, eval_interval) at full scale (``full`` true) or at the CI scale."""
        return (self.max_iters, self.eval_interval) if full else (self.ci_iters, self.ci_eval_interval)

    def seeds_at(self, full):
        """The seeds trained at full scale (``full`` true) or at the CI scale."""
        return self.seeds if full else self.ci_seeds

    def train_config(self, full, **settings):
        """A ``TrainConfig`` with this record's settings at the chosen scale; ``settings`` adds the
        rest (eval_fn, seed, device, log_interval ...)."""
        steps, every = self.schedule(full)
        return TrainConfig(max_iters=steps, batch_size=self.batch_size, learning_rate=self.learning_rate,
                           min_lr=self.min_lr, warmup_iters=self.warmup_iters,
                           weight_decay=self.weight_decay, eval_interval=every, **settings)

    def describe(self):
        """The settings in one line, as the page prints them."""
        m = self.model
        return (f"{m.n_layer} blocks, {m.n_head} heads, width {m.n_embd}, dropout {m.dropout:g}; "
                f"batches of {self.batch_size}, peak learning rate {self.learning_rate:g} "
                f"(warm-up {self.warmup_iters} steps, cosine to {self.min_lr:g}), "
                f"weight decay {self.weight_decay:g}; {self.ci_iters:,} steps (CI), "
                f"{self.max_iters:,} (full)")


# vocab_size is that of the chapter's data: 13 symbols for multiplication, 72 characters for the
# TinyStories sample.
_MULTIPLIER = GPTConfig(vocab_size=13, block_size=17, n_layer=2, n_head=4, n_embd=64)
EXPERIMENTS = {
    "multiplication": Experiment(
        model=_MULTIPLIER, batch_size=256, learning_rate=3e-3, min_lr=3e-4, warmup_iters=100,
        weight_decay=2.0, max_iters=12000, eval_interval=1000, ci_iters=800, ci_eval_interval=200,
        seeds=(0, 1, 2)),
    "weak_decay": Experiment(
        model=_MULTIPLIER, batch_size=256, learning_rate=3e-3, min_lr=3e-4, warmup_iters=100,
        weight_decay=0.1, max_iters=2000, eval_interval=1000, ci_iters=800, ci_eval_interval=400,
        seeds=(0,), ci_seeds=()),
    "scratchpad": Experiment(
        model=_MULTIPLIER, batch_size=256, learning_rate=3e-3, min_lr=3e-4, warmup_iters=100,
        weight_decay=0.1, max_iters=800, eval_interval=200, ci_iters=800, ci_eval_interval=200,
        seeds=(0, 1, 2)),
    "tinystories": Experiment(
        model=GPTConfig(vocab_size=72, block_size=128, n_layer=4, n_head=4, n_embd=96),
        batch_size=32, learning_rate=3e-3, min_lr=3e-4, warmup_iters=50, weight_decay=0.1,
        max_iters=1500, eval_interval=200, ci_iters=800, ci_eval_interval=200),
}
