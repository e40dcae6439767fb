"""hwlib.pretrained (TFLite → torchvision MobileNetV2) and hwlib.transfer (train_model, freeze, finetune)."""

import os
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from hwlib import pretrained, transfer
from hwlib.data import DataNotFoundError

MIRROR = Path(os.environ.get("HWLIB_DATA_MIRROR", "../shared/data"))
needs_mirror = pytest.mark.skipif(not (MIRROR / "pretrained").is_dir(), reason="the offline data mirror is not present")


@pytest.fixture(scope="module")
def mobilenet():
    os.environ.setdefault("HWLIB_DATA_MIRROR", str(MIRROR))
    return pretrained.mobilenet_v2_imagenet()


def test_conv2d_same_pads_like_tensorflow():
    conv = pretrained.Conv2dSame(1, 1, 3, stride=2, bias=False)
    x = torch.randn(1, 1, 8, 7)
    out = conv(x)
    assert out.shape[-2:] == (4, 4)                       # ceil(8/2), ceil(7/2)
    # 'SAME' for an even size and stride 2: no padding on top/left, one row/column at the bottom/right
    manual = torch.nn.functional.conv2d(torch.nn.functional.pad(x, (1, 1, 0, 1)), conv.weight, stride=2)
    torch.testing.assert_close(out, manual)


@needs_mirror
def test_mobilenet_conversion_shapes_labels_and_determinism(mobilenet):
    labels = pretrained.imagenet_labels()
    assert len(labels) == 1001 and labels[0] == "background" and labels[1].startswith("tench")
    assert mobilenet.classifier[1].out_features == 1001 and not mobilenet.training
    assert sum(isinstance(m, pretrained.Conv2dSame) for m in mobilenet.modules()) == 5   # stem + 4 stride-2 blocks
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a, b = mobilenet(x), pretrained.mobilenet_v2_imagenet()(x)
    assert a.shape == (2, 1001) and a.dtype == torch.float32
    torch.testing.assert_close(a, b, rtol=0, atol=0)       # cached conversion = same weights
    state = pretrained._convert(pretrained.locate(pretrained.data_file(pretrained._TFLITE)))
    for name, value in mobilenet.state_dict().items():
        assert torch.equal(value, state[name]), name
    head = pretrained.mobilenet_v2_imagenet(num_classes=2)
    assert head.classifier[1].out_features == 2


def _val_images(limit_per_class):
    from PIL import Image
    folder = transfer.hymenoptera_folder() / "val"
    tfm = transfer.image_transforms(224)["val"]
    items = []
    for cls in ("ants", "bees"):
        for path in sorted((folder / cls).glob("*.jpg"))[:limit_per_class]:
            items.append((tfm(Image.open(path).convert("RGB")), cls))
    return torch.stack([x for x, _ in items]), [c for _, c in items]


@needs_mirror
def test_mobilenet_knows_ants_from_bees_zero_shot(mobilenet):
    labels = pretrained.imagenet_labels()
    ant, bee = labels.index("ant, emmet, pismire"), labels.index("bee")
    x, truth = _val_images(40)
    with torch.no_grad():
        logits = mobilenet(x)
    guess = np.where((logits[:, ant] > logits[:, bee]).numpy(), "ants", "bees")
    assert np.mean(guess == np.array(truth)) > 0.9
    top1 = [labels[i] for i in logits.argmax(1)]
    assert sum(t == "bee" for t, c in zip(top1, truth) if c == "bees") > 20       # most bees are top-1 "bee"


@needs_mirror
def test_mobilenet_agrees_with_the_quantized_tflite_interpreter(mobilenet):
    litert = pytest.importorskip("ai_edge_litert.interpreter")
    from PIL import Image
    interpreter = litert.Interpreter(model_path=str(pretrained.locate(pretrained.data_file(pretrained._TFLITE))))
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    folder = transfer.hymenoptera_folder() / "val" / "bees"
    agree = 0
    paths = sorted(folder.glob("*.jpg"))[:6]
    for path in paths:
        pixels = np.asarray(Image.open(path).convert("RGB").resize((224, 224), Image.BILINEAR))
        interpreter.set_tensor(inp["index"], pixels[None])
        interpreter.invoke()
        q_probs = interpreter.get_tensor(out["index"])[0] * out["quantization"][0]
        x = torch.from_numpy((pixels.astype(np.float32) - 128) / 128).permute(2, 0, 1)[None]
        with torch.no_grad():
            probs = torch.softmax(mobilenet(x)[0], 0).numpy()
        assert np.abs(probs - q_probs).sum() < 0.6          # activations are not re-quantized: close, not equal
        agree += probs.argmax() == q_probs.argmax()
    assert agree >= len(paths) - 1


def test_resnet18_without_weights_raises_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(pretrained.PretrainedWeightsNotFound, match="resnet18-f37072fd.pth.*checkpoints"):
        pretrained.resnet18_imagenet()


def test_missing_hymenoptera_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HWLIB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HWLIB_DATA_MIRROR", str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError, match="hymenoptera_data.zip"):
        transfer.hymenoptera_dataloaders()


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
    model = transfer.freeze(TinyNet(), num_classes=2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["fc.weight", "fc.bias"] and model.fc.out_features == 2
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model, _ = transfer.train_model(model, _loaders(), nn.CrossEntropyLoss(), optimizer, num_epochs=2,
                                    device="cpu", verbose=False)
    for name, value in model.state_dict().items():
        if name.startswith("fc."):
            assert not torch.equal(value, before[name]), name
        else:
            assert torch.equal(value, before[name]), name       # bit-identical, running stats included


def test_finetune_trains_everything_and_train_model_restores_the_best_epoch(capsys):
    model = transfer.finetune(TinyNet(), num_classes=2)
    assert all(p.requires_grad for p in model.parameters())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    model, history = transfer.train_model(model, _loaders(), nn.CrossEntropyLoss(), optimizer, scheduler,
                                          num_epochs=4, device="cpu")
    out = capsys.readouterr().out
    assert "Epoch 1/4" in out and "train Loss:" in out and "val Loss:" in out and "Best val Acc:" in out
    assert all(len(history[k]) == 4 for k in ("train_loss", "train_acc", "val_loss", "val_acc", "seconds"))
    assert history["best_val_acc"] == max(history["val_acc"])
    assert history["val_acc"][history["best_epoch"] - 1] == history["best_val_acc"]
    assert not torch.equal(model.features[0].weight, before["features.0.weight"])
    preds, trues = transfer.predict(model, _loaders()["val"])
    assert np.mean(preds == trues) == pytest.approx(history["best_val_acc"])     # the best epoch's weights


def test_train_model_is_reproducible_and_stops_on_nan():
    def run(seed):
        model = transfer.finetune(TinyNet(), num_classes=2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        return transfer.train_model(model, _loaders(seed=seed), nn.CrossEntropyLoss(), optimizer, num_epochs=2,
                                    device="cpu", verbose=False, seed=seed)[1]["train_loss"]
    assert run(0) == run(0)
    model = transfer.finetune(TinyNet(), num_classes=2)
    with pytest.raises(FloatingPointError, match="diverged"):
        transfer.train_model(model, _loaders(nan=True), nn.CrossEntropyLoss(),
                             torch.optim.SGD(model.parameters(), lr=0.1), num_epochs=1, device="cpu", verbose=False)


def test_replace_head_needs_a_known_layout():
    with pytest.raises(TypeError, match="final Linear layer"):
        transfer.replace_head(nn.Sequential(nn.Linear(2, 2)), 3)


def test_batchnorm_marked_fixed_statistics_keeps_running_stats_while_training():
    model = transfer.finetune(TinyNet(), num_classes=2)
    model.features[1].fixed_statistics = True
    before = model.features[1].running_mean.clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model, _ = transfer.train_model(model, _loaders(), nn.CrossEntropyLoss(), optimizer, num_epochs=1,
                                    device="cpu", verbose=False)
    assert torch.equal(model.features[1].running_mean, before)
    assert model.features[1].weight.requires_grad


@needs_mirror
def test_converted_mobilenet_features_survive_training_mode(mobilenet):
    model = transfer.finetune(pretrained.mobilenet_v2_imagenet(), num_classes=2)
    assert all(getattr(m, "fixed_statistics", False) for m in model.modules() if isinstance(m, nn.BatchNorm2d))
