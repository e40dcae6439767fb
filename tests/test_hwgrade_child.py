"""The wire format between the child and the grader (hwgrade.child): plain data only."""

import io
import json

import numpy as np
import pytest

from hwgrade import child


def test_plain_data_round_trips_with_dtype_and_layout():
    tree = {"a": (np.asfortranarray(np.ones((2, 3), np.float32)), np.float64(2.5), 3, 1.5, "s", None, True),
            "b": [np.dtype("float32"), np.arange(3, dtype=np.int64), ["x", "y"]]}
    back = child.decode(child.encode(tree))
    a = back["a"][0]
    assert type(a) is np.ndarray and a.dtype == np.float32 and a.flags.f_contiguous
    assert back["a"][1:] == (2.5, 3, 1.5, "s", None, True) and isinstance(back["a"][1], np.float64)
    assert back["b"][0] == np.dtype("float32") and back["b"][2] == ["x", "y"]


def test_anything_else_crosses_as_a_type_name_only():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    class Anything:
        def __eq__(self, other):
            return True
    tree = (np.zeros(3).view(Liar), Anything(), np.array([object()], dtype=object), {1: 2})
    back = child.decode(child.encode(tree))
    assert all(isinstance(v, child.Opaque) for v in back)
    assert "ndarray subclass" in back[0].type_name and back[1].type_name == "Anything"


def _npz(header, **arrays):
    buf = io.BytesIO()
    np.savez(buf, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays)
    return buf.getvalue()


def test_a_forged_reply_is_rejected_not_unpickled():
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    pickled = io.BytesIO()
    np.savez(pickled, header=np.frombuffer(b'{"t": "ndarray", "i": 0}', dtype=np.uint8),
             a0=np.array([{"x": 1}], dtype=object))
    for payload in (b"not an npz", pickled.getvalue(), _npz({"t": "ndarray", "i": 5}), _npz({"t": "eval"}),
                    _npz({"t": "int", "v": "3"}), _npz({"t": "list", "v": {"a": 1}})):
        with pytest.raises(Exception):
            child.decode(payload)
