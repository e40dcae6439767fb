"""CaptioningSolver: hwlib.solver.Solver for captions (chapter 5, *Image captioning*).

A caption has no single label, so instead of accuracies the solver records the validation loss
after every epoch and keeps the parameters with the lowest one. Everything else — the update rules,
the learning-rate decay, the divergence check, the History — is Solver's.

Data is a dict with, for 'train' and 'val':
- '<split>_captions': int (M, T) caption ids (<START> first, <NULL> padding)
- '<split>_image_idxs': int (M,) the row of each caption's image in '<split>_features'
- '<split>_features': (N_images, D) features in the model's dtype
"""

import numpy as np

from hwlib.solver import Solver


class CaptioningSolver(Solver):
    """Train ``model`` (``params`` + ``loss(features, captions)``) on captions.

    Arguments as for Solver (update_rule defaults to 'adam', batch_size to 50); the classification
    options num_train_samples, num_val_samples and augment do not apply. After ``train()``:
    ``history`` with per-iteration ``loss`` and per-epoch ``metrics['val_loss']``; the model holds
    the parameters of the epoch with the lowest validation loss.
    """

    monitor, mode = "val_loss", "min"

    def __init__(self, model, data, update_rule="adam", batch_size=50, **kwargs):
        super().__init__(model, data, update_rule=update_rule, batch_size=batch_size, **kwargs)

    def _check_data(self, data):
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
        self.num_train = len(data["train_captions"])

    def _rows(self, split, rows):
        """(features, captions) of the captions ``rows`` of ``split``."""
        caps = self.data[f"{split}_captions"][rows]
        return self.data[f"{split}_features"][self.data[f"{split}_image_idxs"][rows]], caps

    def _batch_loss(self, rows):
        return self.model.loss(*self._rows("train", rows))

    def _evaluate(self):
        return {"val_loss": self.validation_loss()}

    def validation_loss(self, batch_size=500):
        """Mean teacher-forced loss per caption over all validation captions."""
        n = len(self.data["val_captions"])
        total = 0.0
        for start in range(0, n, batch_size):
            rows = np.arange(start, min(start + batch_size, n))
            total += float(self.model.loss(*self._rows("val", rows))[0]) * len(rows)
        return total / n
