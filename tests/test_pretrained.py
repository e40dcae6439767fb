"""hwlib.pretrained: the TFLite MobileNetV2 conversion (shapes, labels, determinism, TF padding),
zero-shot ants vs bees, agreement with the quantized interpreter, and a clear error without weights."""

import urllib.error

import numpy as np
import pytest
import torch
from torch import nn

from hwlib import pretrained
from hwlib.data import hymenoptera
from hwlib.transfer import evaluate, surgery

from conftest import MIRROR, needs_mirror


@pytest.fixture(scope="module")
def mirror():
    """The offline mirror as HWLIB_DATA_MIRROR for this module's tests, restored afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HWLIB_DATA_MIRROR", str(MIRROR))
        yield MIRROR


@pytest.fixture(scope="module")
def mobilenet(mirror):
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


@needs_mirror
def test_mobilenet_knows_ants_from_bees_zero_shot(mobilenet):
    loaders, _ = hymenoptera.hymenoptera_dataloaders()
    seen = evaluate.zero_shot_ants_vs_bees(mobilenet, loaders["val"])
    truth, says_ant = seen["truth"], seen["says_ant"]
    assert len(truth) == 153 and (truth == "ants").sum() == 70
    assert np.mean(says_ant == (truth == "ants")) > 0.9
    assert np.sum(seen["top1"][truth == "bees"] == seen["bee"]) > 60              # most bees are top-1 "bee"
    assert pretrained.imagenet_labels()[seen["ant"]].startswith("ant")


@needs_mirror
def test_mobilenet_agrees_with_the_quantized_tflite_interpreter(mobilenet):
    litert = pytest.importorskip("ai_edge_litert.interpreter")
    from PIL import Image
    interpreter = litert.Interpreter(model_path=str(pretrained.locate(pretrained.data_file(pretrained._TFLITE))))
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    folder = hymenoptera.hymenoptera_folder() / "val" / "bees"
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


@needs_mirror
def test_converted_mobilenet_features_survive_training_mode(mobilenet):
    model = surgery.finetune(pretrained.mobilenet_v2_imagenet(), num_classes=2)
    assert all(getattr(m, "fixed_statistics", False) for m in model.modules() if isinstance(m, nn.BatchNorm2d))
