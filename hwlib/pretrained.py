"""ImageNet-pretrained backbones that work offline (PyTorch).

``mobilenet_v2_imagenet()`` returns a ``torchvision.models.mobilenet_v2`` whose weights come from the
8-bit TFLite model ``mobilenet_v2_1.0_224_quant.tflite`` (Coral test data, Apache-2.0), dequantized:

* weights: ``scale · (q − zero_point)`` per tensor; layouts OHWI → OIHW, depthwise 1HWC → C1HW;
* biases: int32 with scale ``input_scale · weight_scale`` (stored with the tensor);
* batch norm is already folded into the convolutions, so each BatchNorm2d is set to the identity
  plus the folded bias (mean 0, variance 1 − eps, weight 1). These are not real activation
  statistics, so the layers are marked ``fixed_statistics`` and
  ``hwlib.transfer.training.train_model`` never lets them normalize by batch statistics (that would
  zero out most features);
* TensorFlow's "SAME" padding is asymmetric for stride 2 (the extra row/column goes at the bottom
  and right), so the stride-2 convolutions are replaced by :class:`Conv2dSame`, which pads that way;
* input: the TFLite input is uint8 with scale 1/128 and zero point 128, i.e. ``(p − 128)/128`` for
  a pixel value p; :data:`MOBILENET_MEAN` and :data:`MOBILENET_STD` reproduce that after
  ``ToTensor()`` (which divides by 255);
* output: 1001 logits, index 0 = "background", then the 1000 ImageNet classes
  (:func:`imagenet_labels`).

Activations are not re-quantized, so the float model is a slightly more precise version of the
quantized one; ``tests/test_pretrained.py`` compares both. The converted state dict is cached in the
data cache, so conversion runs once.

``resnet18_imagenet()`` returns torchvision's ResNet-18 with its ImageNet weights when the weight file
is in the torch cache or can be downloaded, and otherwise raises :class:`PretrainedWeightsNotFound`
(never a silently random model).
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hwlib.data import data_file, locate
from hwlib.data.store import cache_dir, checksum_key, written_atomically
from hwlib.device import channels_last

MOBILENET_MEAN = (128 / 255,) * 3
MOBILENET_STD = (128 / 255,) * 3
_TFLITE = "pretrained/mobilenet_v2_1.0_224_quant.tflite"
_LABELS = "pretrained/imagenet_labels.txt"


class PretrainedWeightsNotFound(FileNotFoundError):
    """The pretrained weights are neither on disk nor downloadable."""


class Conv2dSame(nn.Conv2d):
    """A Conv2d with TensorFlow 'SAME' padding: output size ceil(in / stride), extra padding bottom/right."""

    def forward(self, x):
        pads = []
        for size, k, s, d in zip(x.shape[-1:-3:-1], self.kernel_size[::-1], self.stride[::-1], self.dilation[::-1]):
            total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
            pads += [total // 2, total - total // 2]     # (left, right) then (top, bottom)
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def image_transforms(image_size=224, mean=MOBILENET_MEAN, std=MOBILENET_STD):
    """The backbone's input transforms (the PyTorch tutorial's): {'train': random crops and flips,
    'val': resize and centre crop}, each normalized with ``mean`` and ``std`` (chapters 5 and 6)."""
    from torchvision import transforms

    normalize = transforms.Normalize(mean, std)
    return {
        "train": transforms.Compose([transforms.RandomResizedCrop(image_size), transforms.RandomHorizontalFlip(),
                                     transforms.ToTensor(), normalize]),
        "val": transforms.Compose([transforms.Resize(round(image_size * 256 / 224)), transforms.CenterCrop(image_size),
                                   transforms.ToTensor(), normalize]),
    }


def imagenet_labels():
    """The 1001 class names of the TFLite model: index 0 'background', 1..1000 the ImageNet classes."""
    path = locate(data_file(_LABELS))
    labels = path.read_text(encoding="utf-8").splitlines()
    if len(labels) != 1001:
        raise ValueError(f"{path}: expected 1001 labels, found {len(labels)}")
    return labels


def _read_tflite(path):
    """The model's convolution weights in op order: list of dicts (kind, weight, bias as float32 arrays)."""
    import tflite

    buf = path.read_bytes()
    model = tflite.Model.GetRootAsModel(buf, 0)
    graph = model.Subgraphs(0)
    builtin = tflite.BuiltinOperator
    convs = []

    def tensor(index):
        t = graph.Tensors(index)
        raw = model.Buffers(t.Buffer()).DataAsNumpy()
        dtype = {tflite.TensorType.UINT8: np.uint8, tflite.TensorType.INT32: np.int32}[t.Type()]
        q = np.frombuffer(raw.tobytes(), dtype=dtype).reshape(t.ShapeAsNumpy())
        quant = t.Quantization()
        scale, zero = quant.ScaleAsNumpy(), quant.ZeroPointAsNumpy()
        if len(scale) != 1:
            raise ValueError(f"{path}: tensor {t.Name().decode()} is quantized per channel; expected per tensor")
        return (scale[0] * (q.astype(np.float64) - zero[0])).astype(np.float32)

    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        code = model.OperatorCodes(op.OpcodeIndex())
        kind = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if kind not in (builtin.CONV_2D, builtin.DEPTHWISE_CONV_2D):
            continue
        inputs = op.InputsAsNumpy()
        weight, bias = tensor(inputs[1]), tensor(inputs[2])
        if kind == builtin.CONV_2D:
            weight = weight.transpose(0, 3, 1, 2)             # OHWI -> OIHW
        else:
            weight = weight.transpose(3, 0, 1, 2)             # 1HWC -> C1HW (one filter per channel)
        convs.append({"depthwise": kind == builtin.DEPTHWISE_CONV_2D, "weight": weight, "bias": bias})
    return convs


def _with_same_padding(model):
    """Replace every stride-2 convolution of ``model`` by a Conv2dSame with the same settings."""
    for parent in list(model.modules()):
        for name, child in parent.named_children():
            if isinstance(child, nn.Conv2d) and child.stride != (1, 1) and not isinstance(child, Conv2dSame):
                same = Conv2dSame(child.in_channels, child.out_channels, child.kernel_size, child.stride,
                                  padding=0, dilation=child.dilation, groups=child.groups,
                                  bias=child.bias is not None)
                setattr(parent, name, same)
    return model


def _mobilenet_skeleton():
    from torchvision.models import mobilenet_v2

    return _with_same_padding(mobilenet_v2(weights=None, num_classes=1001))


def _convert(path):
    """The state dict of _mobilenet_skeleton() filled from the TFLite file at ``path``."""
    model = _mobilenet_skeleton()
    state = model.state_dict()
    convs = _read_tflite(path)
    conv_names = [name for name, m in model.features.named_modules() if isinstance(m, nn.Conv2d)]
    if len(convs) != len(conv_names) + 1:
        raise ValueError(f"{path}: {len(convs)} convolutions, expected {len(conv_names) + 1} for MobileNetV2")
    modules = dict(model.features.named_modules())
    for name, conv in zip(conv_names, convs):
        target = f"features.{name}.weight"
        if tuple(state[target].shape) != conv["weight"].shape:
            raise ValueError(f"{path}: weight of shape {conv['weight'].shape} does not fit {target} "
                             f"{tuple(state[target].shape)}")
        state[target] = torch.from_numpy(conv["weight"])
        # The BatchNorm right after each conv becomes "add the folded bias".
        parent, index = name.rsplit(".", 1)
        bn_name = f"{parent}.{int(index) + 1}"
        if not isinstance(modules.get(bn_name), nn.BatchNorm2d):
            raise ValueError(f"expected a BatchNorm2d after {name}")
        eps = modules[bn_name].eps
        prefix = f"features.{bn_name}"
        state[f"{prefix}.weight"] = torch.ones_like(state[f"{prefix}.weight"])
        state[f"{prefix}.bias"] = torch.from_numpy(conv["bias"])
        state[f"{prefix}.running_mean"] = torch.zeros_like(state[f"{prefix}.running_mean"])
        state[f"{prefix}.running_var"] = torch.full_like(state[f"{prefix}.running_var"], 1 - eps)
    logits = convs[-1]
    state["classifier.1.weight"] = torch.from_numpy(logits["weight"][:, :, 0, 0].copy())
    state["classifier.1.bias"] = torch.from_numpy(logits["bias"])
    return state


def mobilenet_v2_imagenet(num_classes=None):
    """torchvision's MobileNetV2 with ImageNet weights converted from the offline TFLite model.

    Inputs:
    - num_classes: None keeps the 1001-way ImageNet classifier (index 0 = background); an integer
      replaces the final Linear layer by a freshly initialized one with that many outputs

    Returns a float32 ``torch.nn.Module`` in eval mode. Feed it (N, 3, H, W) images normalized with
    MOBILENET_MEAN / MOBILENET_STD (224×224 is the training size; other sizes work).
    """
    path = locate(data_file(_TFLITE))
    key = checksum_key(path, data_file(_TFLITE))
    cached = cache_dir() / "pretrained" / f"mobilenet_v2_1.0_224_quant-{key}.pt"
    state = None
    if cached.is_file():
        try:
            state = torch.load(cached, map_location="cpu", weights_only=True)
        except Exception:  # truncated or from an incompatible torch: convert again
            state = None
    if state is None:
        state = _convert(path)
        with written_atomically(cached) as tmp:
            torch.save(state, tmp)
    model = _mobilenet_skeleton()
    model.load_state_dict(state)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            # These layers hold folded constants, not statistics of real activations: normalizing
            # by batch statistics in training mode would wipe out the pretrained features, so
            # hwlib.transfer.training.train_model keeps them in eval mode (their scale and shift still train).
            module.fixed_statistics = True
    if num_classes is not None:
        model.classifier[1] = nn.Linear(model.classifier[1].in_features, num_classes)
    return channels_last(model).eval()


def resnet18_imagenet():
    """torchvision's ResNet-18 with IMAGENET1K_V1 weights (the seed's backbone), if they can be had.

    Looks in the torch hub cache (``torch.hub.get_dir()/checkpoints``) and otherwise tries to
    download. Raises PretrainedWeightsNotFound with the file name and where to put it when neither
    works; it never returns a randomly initialized model in its place.
    """
    from torchvision.models import ResNet18_Weights, resnet18

    weights = ResNet18_Weights.IMAGENET1K_V1
    try:
        state = weights.get_state_dict(progress=False, check_hash=True)
    except Exception as exc:
        filename = weights.url.rsplit("/", 1)[-1]
        raise PretrainedWeightsNotFound(
            f"ResNet-18 ImageNet weights ({filename}) are not in {torch.hub.get_dir()}/checkpoints and could "
            f"not be downloaded from {weights.url} ({type(exc).__name__}: {exc}). Copy the file there, or use "
            "hwlib.pretrained.mobilenet_v2_imagenet(), which works offline.") from exc
    model = resnet18()
    model.load_state_dict(state)
    return model.eval()
