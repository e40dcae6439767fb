"""hwlib.transfer: surgery (freeze, finetune), training.train_model (history, best-epoch restore,
reproducibility, divergence), head_features, evaluate.predict."""

import numpy as np
import pytest
import torch
from torch import nn

from hwlib import transfer


class TinyNet(nn.Module):
    """A small conv net with batch norm and an .fc head, standing in for a pretrained backbone."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                      nn.Flatten())
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.features(x))


def _loaders(n=24, seed=0, nan=False):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randn(n, 3, 8, 8, generator=g) + 2.0 * y[:, None, None, None]
    if nan:
        x[0, 0, 0, 0] = float("nan")
    data = torch.utils.data.TensorDataset(x, y)
    return {"train": torch.utils.data.DataLoader(data, batch_size=8, shuffle=True,
                                                 generator=torch.Generator().manual_seed(seed)),
            "val": torch.utils.data.DataLoader(data, batch_size=8)}


def test_freeze_really_freezes_weights_and_batchnorm_statistics():
    model = transfer.surgery.freeze(TinyNet(), num_classes=2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["fc.weight", "fc.bias"] and model.fc.out_features == 2
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model, _ = transfer.training.train_model(model, _loaders(), nn.CrossEntropyLoss(), optimizer, num_epochs=2,
                                    device="cpu", verbose=False)
    for name, value in model.state_dict().items():
        if name.startswith("fc."):
            assert not torch.equal(value, before[name]), name
        else:
            assert torch.equal(value, before[name]), name       # bit-identical, running stats included


def test_finetune_trains_everything_and_train_model_restores_the_best_epoch(capsys):
    model = transfer.surgery.finetune(TinyNet(), num_classes=2)
    assert all(p.requires_grad for p in model.parameters())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    model, history = transfer.training.train_model(model, _loaders(), nn.CrossEntropyLoss(), optimizer, scheduler,
                                          num_epochs=4, device="cpu")
    out = capsys.readouterr().out
    assert "Epoch 1/4" in out and "train Loss:" in out and "val Loss:" in out and "Best val Acc:" in out
    assert sorted(history.metrics) == ["train_acc", "train_loss", "val_acc", "val_loss"]
    assert all(len(v) == 4 for v in history.metrics.values()) and len(history.seconds) == 4
    assert len(history.loss) == 4 * 3 and history.checkpoint_iters == [3, 6, 9, 12]     # 24 images, batches of 8
    assert history.lr[:6] == [0.05] * 6 and history.lr[6:] == [0.025] * 6                # StepLR after 2 epochs
    assert history.best_value == max(history.metrics["val_acc"])
    assert history.metrics["val_acc"][history.best_epoch - 1] == history.best_value
    assert not torch.equal(model.features[0].weight, before["features.0.weight"])
    preds, trues = transfer.evaluate.predict(model, _loaders()["val"])
    assert np.mean(preds == trues) == pytest.approx(history.best_value)              # the best epoch's weights


def test_train_model_is_reproducible_and_stops_on_nan():
    def run(seed):
        model = transfer.surgery.finetune(TinyNet(), num_classes=2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        return transfer.training.train_model(model, _loaders(seed=seed), nn.CrossEntropyLoss(), optimizer, num_epochs=2,
                                    device="cpu", verbose=False, seed=seed)[1].loss
    assert run(0) == run(0)
    model = transfer.surgery.finetune(TinyNet(), num_classes=2)
    with pytest.raises(FloatingPointError, match="diverged"):
        transfer.training.train_model(model, _loaders(nan=True), nn.CrossEntropyLoss(),
                             torch.optim.SGD(model.parameters(), lr=0.1), num_epochs=1, device="cpu", verbose=False)


def test_replace_head_needs_a_known_layout():
    with pytest.raises(TypeError, match="final Linear layer"):
        transfer.surgery.replace_head(nn.Sequential(nn.Linear(2, 2)), 3)


def test_batchnorm_marked_fixed_statistics_keeps_running_stats_while_training():
    model = transfer.surgery.finetune(TinyNet(), num_classes=2)
    model.features[1].fixed_statistics = True
    before = model.features[1].running_mean.clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model, _ = transfer.training.train_model(model, _loaders(), nn.CrossEntropyLoss(), optimizer, num_epochs=1,
                                    device="cpu", verbose=False)
    assert torch.equal(model.features[1].running_mean, before)
    assert model.features[1].weight.requires_grad


def test_head_features_let_a_frozen_model_train_its_head_alone():
    """Training the head on precomputed features is training the frozen model: same epochs, same numbers."""
    def frozen_run(features_first):
        model = transfer.surgery.freeze(TinyNet(), num_classes=2)
        loaders = _loaders()
        if features_first:
            loaders = transfer.head_features.feature_dataloaders(model, {"train": loaders["val"], "val": loaders["val"]},
                                                   batch_size=8)
            trained = model.fc
        else:
            # the images without augmentation, shuffled like feature_dataloaders shuffles the features
            shuffled = torch.utils.data.DataLoader(loaders["val"].dataset, batch_size=8, shuffle=True,
                                                   generator=torch.Generator().manual_seed(0))
            loaders = {"train": shuffled, "val": loaders["val"]}
            trained = model
        optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.1)
        _, history = transfer.training.train_model(trained, loaders, nn.CrossEntropyLoss(), optimizer, num_epochs=2,
                                          device="cpu", verbose=False)
        return model, history

    model, history = frozen_run(features_first=True)
    features, labels = transfer.head_features.head_features(model, _loaders()["val"])
    assert features.shape == (24, 4) and labels.shape == (24,)
    _, direct = frozen_run(features_first=False)
    np.testing.assert_allclose(history.metrics["val_loss"], direct.metrics["val_loss"], rtol=1e-5)
    assert history.metrics["val_acc"] == direct.metrics["val_acc"]
