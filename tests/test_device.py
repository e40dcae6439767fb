"""hwlib.device: the one device choice, a model's own device, and eval mode restored after a block."""

import pytest
import torch
from torch import nn

from hwlib.device import default_device, evaluating, resolve_device


def test_resolve_device_prefers_the_argument_then_the_model_then_the_default(monkeypatch):
    monkeypatch.setenv("HWLIB_DEVICE", "cpu")
    model = nn.Linear(2, 2)
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(model=model) == next(model.parameters()).device
    assert resolve_device() == default_device() == torch.device("cpu")


@pytest.mark.parametrize("training", [True, False])
def test_evaluating_restores_the_mode_even_when_the_block_raises(training):
    model = nn.Sequential(nn.Dropout(0.5)).train(training)
    with evaluating(model):
        assert not model.training and not model[0].training
    assert model.training == training
    with pytest.raises(RuntimeError), evaluating(model):
        raise RuntimeError("inside")
    assert model.training == training
