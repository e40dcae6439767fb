"""The grader's command line (hwgrade.__main__): the reference gets 0 everywhere, and a corpus of
deliberately wrong implementations — the mistakes found in public student solutions of this
homework and the classic ones — each gets exactly its code, with a message that names what is
wrong. (The sandbox, uploads, points and Gradescope have their own test modules.)"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest

from conftest import ROOT
from hwgrade.checks import CHECKS
from hwgrade.codes import Code, codes_markdown
from hwgrade.paths import INSTRUCTOR_RECORDING
from hwgrade.runner import Store, describe_exception, run_checks
from hwgrade.sandbox import Sandbox

EXPECTED = ROOT / INSTRUCTOR_RECORDING
_spec = importlib.util.spec_from_file_location("assignment_build", ROOT / "course" / "student_build.py")
builder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builder)


def grade(path=None, only=None, expected=EXPECTED, extra=()):
    """Run the grader in a fresh interpreter (it swaps the hwlib package); {name: (code, message)}."""
    cmd = [sys.executable, "-m", "hwgrade", "--json", *extra]
    cmd += [str(path)] if path else []
    cmd += ["--expected", str(expected)] if expected else []
    cmd += ["--only", *only] if only else []
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env=dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT)))
    assert proc.stdout.strip().startswith("["), proc.stderr[-3000:]
    results = {r["name"]: (r["code"], r["message"]) for r in json.loads(proc.stdout)}
    assert proc.returncode == (0 if all(code == 0 for code, _ in results.values()) else 1)
    return results


def test_reference_gets_zero_everywhere():
    results = grade()
    assert set(results) == set(CHECKS)
    assert {name: r for name, r in results.items() if r[0]} == {}


# -- the corpus of wrong implementations ---------------------------------------------------------------

@dataclass(frozen=True)
class Mutant:
    """A wrong version of one function: either ``old`` -> ``new`` in ``file`` (``old`` must occur
    exactly once), or, with ``function``, ``new`` as the whole body of that function's solution
    region. The grader must give ``check`` exactly ``code``, with every string of ``says`` in its
    message and none of ``not_says``."""

    file: str
    new: str
    check: str
    code: int
    says: tuple = ()
    old: str = ""
    function: str = ""
    not_says: tuple = ()


CORPUS = {
    # -- the mistakes that public student solutions got past the old grader --
    "conv_backward works only for a square output": Mutant(
        "layers/conv.py", function="conv_backward", check="layers.conv.conv_backward", code=Code.EXCEPTION,
        says=("IndexError", "hwlib/layers/conv.py:", "in conv_backward", "hint: an index is out of range"),
        new="""
            ho = dout.shape[2]
            dx, dw = np.zeros_like(x), np.zeros_like(w)
            for i in range(ho):
                for j in range(ho):                     # the output is taken to be square
                    dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], x[:, :, i:i + hh, j:j + ww])
                    dx[:, :, i:i + hh, j:j + ww] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
            return dx, dw
        """),
    "conv_forward with C-order strides (as_strided)": Mutant(
        "layers/conv.py", function="conv_forward", check="layers.conv.conv_forward", code=Code.VALUES,
        says=("non-contiguous input: out",), not_says=("rectangular",),
        new="""
            n, c, h, wd = x.shape
            f, _, hh, ww = w.shape
            item = x.itemsize
            strides = (c * h * wd * item, h * wd * item, wd * item, item, wd * item, item)
            windows = np.lib.stride_tricks.as_strided(x, (n, c, h - hh + 1, wd - ww + 1, hh, ww), strides)
            return np.einsum("ncijpq,fcpq->nfij", windows, w), (x, w, None)
        """),
    "softmax_loss without the max shift": Mutant(
        "layers/dense.py", function="softmax_loss", check="layers.dense.softmax_loss", code=Code.VALUES,
        says=("size ~1000", "inf or nan"), not_says=("size ~3",),
        new="""
            probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
            rows = np.arange(n)
            loss = -np.log(probs[rows, y]).mean()
            dscores = probs.copy()
            dscores[rows, y] -= 1
            return scores.dtype.type(loss), dscores / n
        """),
    "temporal_softmax_loss without the max shift": Mutant(
        "layers/dense.py", old="shifted = scores - scores.max(axis=-1, keepdims=True)", new="shifted = scores",
        check="layers.recurrent.temporal_softmax_loss", code=Code.VALUES, says=("size ~1000", "inf or nan")),
    "log_softmax without the max shift": Mutant(
        "layers/dense.py", old="shifted = scores - scores.max(axis=-1, keepdims=True)", new="shifted = scores",
        check="layers.dense.log_softmax", code=Code.VALUES, says=("size ~1000", "inf or nan")),
    "sample keeps writing after <END>": Mutant(
        "models/captioning.py", old="captions[:, t] = np.where(finished, self._null, word)",
        new="captions[:, t] = word", check="models.CaptioningRNN.sample", code=Code.VALUES,
        says=("<END> at different steps",)),
    "MaskedAttention at float32 precision for float64 input": Mutant(
        "transformer.py", old="scores = (q / math.sqrt(C // self.n_head)) @ k.transpose(-2, -1)",
        new="scores = ((q.float() / math.sqrt(C // self.n_head)) @ k.float().transpose(-2, -1)).to(q.dtype)",
        check="transformer.MaskedAttention.forward", code=Code.VALUES,
        says=("float64 to float64 precision",), not_says=("float32, T",)),
    "trainer.run ignores the warm-up and cosine schedule": Mutant(
        "trainer.py", old="lr = learning_rate_at(step, config)", new="lr = config.learning_rate",
        check="trainer.run", code=Code.VALUES, says=("learning rate", "warm-up, then cosine")),
    "trainer.run ignores the seed": Mutant(
        "trainer.py", old="torch.manual_seed(config.seed)\n    generator = torch.Generator().manual_seed(config.seed)",
        new="generator = torch.Generator()", check="trainer.run", code=Code.VALUES, says=("seed",)),
    "freeze leaves the backbone trainable (bool flags)": Mutant(
        "transfer/surgery.py", function="freeze", new="return replace_head(model, num_classes, seed)",
        check="transfer.surgery.freeze", code=Code.VALUES, says=("requires_grad", "booleans"), not_says=("off by",)),
    "max_pool_forward with the wrong dtype and scrambled values": Mutant(
        "layers/pool.py", old="return out, (x.shape, x.dtype, arg, (ph, pw, s))",
        new="return out[..., ::-1].astype(np.float64), (x.shape, x.dtype, arg, (ph, pw, s))",
        check="layers.pool.max_pool_forward", code=Code.DTYPE, says=("dtype float64", "values differ")),
    "an input check raises inside the student's code": Mutant(
        "layers/dense.py", old="return flat @ w + b, (x, w)",
        new="same_dtype(x=flat.astype(np.float16), w=w)\n    return flat @ w + b, (x, w)",
        check="layers.dense.fc_forward", code=Code.EXCEPTION,
        says=("TypeError", "hwlib/layers/dense.py:", "in fc_forward", "hint: keep the input's dtype"),
        not_says=("_checks.py",)),
    "a misspelt parameter name": Mutant(
        "models/classifiers.py", old='h, fc1 = dense.fc_forward(X, p["W1"], p["b1"])',
        new='h, fc1 = dense.fc_forward(X, p["W1"], p["b_1"])', check="models.TwoLayerNet.loss",
        code=Code.EXCEPTION, says=("KeyError", "in loss", "hint: a dictionary key is missing")),
    "finetune without `return model`": Mutant(
        "transfer/surgery.py", function="finetune", check="transfer.surgery.finetune", code=Code.WRONG_OUTPUT,
        says=("return model",), new="""
            model = replace_head(model, num_classes, seed)
            for p in model.parameters():
                p.requires_grad_(True)
        """),
    # -- classic mistakes, one per graded function or so --
    "fc_forward at float32 precision for float64 input": Mutant(
        "layers/dense.py", old="return flat @ w + b, (x, w)",
        new="return (flat.astype(np.float32) @ w.astype(np.float32) + b).astype(x.dtype), (x, w)",
        check="layers.dense.fc_forward", code=Code.VALUES, says=("float64 to float64 precision",)),
    "fc_forward output transposed": Mutant(
        "layers/dense.py", old="return flat @ w + b, (x, w)", new="return (flat @ w + b).T, (x, w)",
        check="layers.dense.fc_forward", code=Code.SHAPE, says=("shape",)),
    "fc_backward averages db": Mutant(
        "layers/dense.py", old="flat.T @ dout, dout.sum(axis=0)", new="flat.T @ dout, dout.mean(axis=0)",
        check="layers.dense.fc_backward", code=Code.VALUES, says=(": db: ",), not_says=(": dx: ", ": dw: ")),
    "relu_forward off by one": Mutant(
        "layers/dense.py", old="return np.maximum(x, 0), x", new="return np.maximum(x, 0) + 1, x",
        check="layers.dense.relu_forward", code=Code.OFF_BY_ONE, says=("off by exactly 1.0",)),
    "relu_forward works in place": Mutant(
        "layers/dense.py", old="return np.maximum(x, 0), x", new="np.maximum(x, 0, out=x)\n    return x, x",
        check="layers.dense.relu_forward", code=Code.MUTATED, says=("modified in place",)),
    "relu_backward lets the gradient through at x == 0": Mutant(
        "layers/dense.py", old="np.where(x > 0, dout,", new="np.where(x >= 0, dout,",
        check="layers.dense.relu_backward", code=Code.VALUES, says=("with exact zeros",)),
    "filt2d flips the kernel": Mutant(
        "layers/conv.py", old="return np.tensordot(windows, b, axes=([2, 3], [0, 1]))",
        new="return np.tensordot(windows, b[::-1, ::-1], axes=([2, 3], [0, 1]))",
        check="layers.conv.filt2d", code=Code.VALUES),
    "conv2d_full pads columns as if the kernel were square": Mutant(
        "layers/conv.py", old="padded = np.pad(a, ((k - 1, k - 1), (l - 1, l - 1)))",
        new="padded = np.pad(a, ((k - 1, k - 1), (k - 1, k - 1)))",
        check="layers.conv.conv2d_full", code=Code.SHAPE, says=("rectangular a and kernel",)),
    "conv1d_matrix without the padding": Mutant(
        "layers/conv.py", old="offset = np.arange(n)[None, :] + pad - np.arange(rows)[:, None]",
        new="offset = np.arange(n)[None, :] - np.arange(rows)[:, None]",
        check="layers.conv.conv1d_matrix", code=Code.VALUES, says=("padding 1",), not_says=("no padding",)),
    "conv_forward returns float64 for float32 input": Mutant(
        "layers/conv.py", old="return np.ascontiguousarray(out.transpose(1, 0, 2, 3)), (x, w, cols)",
        new="return np.ascontiguousarray(out.transpose(1, 0, 2, 3)).astype(np.float64), (x, w, cols)",
        check="layers.conv.conv_forward", code=Code.DTYPE, says=("dtype float64, expected float32",)),
    "conv_forward takes the output's height for its width": Mutant(
        "layers/conv.py", old=".reshape(f, n, h - hh + 1, wd - ww + 1)", new=".reshape(f, n, wd - ww + 1, h - hh + 1)",
        check="layers.conv.conv_forward", code=Code.SHAPE, says=("tall 6×5 output", "wide 5×7 output"),
        not_says=("one channel",)),
    "conv_backward reshapes dw in the wrong order": Mutant(
        "layers/conv.py", old="dw = (dout_rows @ cols.T).reshape(w.shape)",
        new="dw = (dout_rows @ cols.T).reshape(f, w.shape[1], ww, hh).transpose(0, 1, 3, 2)",
        check="layers.conv.conv_backward", code=Code.VALUES, says=(": dw",), not_says=(": dx",)),
    "max_pool_backward writes where overlapping windows must add": Mutant(
        "layers/pool.py", old="overlapping = s < ph or s < pw", new="overlapping = False",
        check="layers.pool.max_pool_backward", code=Code.VALUES, says=("overlapping",), not_says=("2×2",)),
    "adam without bias correction": Mutant(
        "optim.py", old="m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)", new="m_hat, v_hat = m, v",
        check="optim.adam", code=Code.VALUES),
    "TwoLayerNet regularizes only W2": Mutant(
        "models/classifiers.py", old='return self._add_l2(loss, grads, ("W1", "W2"))',
        new='return self._add_l2(loss, grads, ("W2",))', check="models.TwoLayerNet.loss", code=Code.VALUES,
        says=("loss and gradients",), not_says=("scores",)),
    "ConvNet without regularization": Mutant(
        "models/classifiers.py", old='return self._add_l2(loss, grads, ("W1", "W2", "W3"))',
        new="return loss, grads", check="models.ConvNet.loss", code=Code.VALUES),
    "rnn_backward forgets the gradient from the next step": Mutant(
        "layers/recurrent.py", old="step_backward(dh[:, t] + dnext_h, caches[t], None)",
        new="step_backward(dh[:, t], caches[t], None)", check="layers.recurrent.rnn_backward", code=Code.VALUES),
    "lstm_step_backward passes only dnext_c to the previous cell": Mutant(
        "layers/recurrent.py", old="dc * f, x.T @ da", new="dnext_c * f, x.T @ da",
        check="layers.recurrent.lstm_step_backward", code=Code.VALUES, says=("dprev_c",)),
    "word_embedding_backward assigns instead of adding": Mutant(
        "layers/recurrent.py", old="np.add.at(dW, x, dout)", new="dW[x] += dout",
        check="layers.recurrent.word_embedding_backward", code=Code.VALUES, says=("repeated",)),
    "temporal_fc_forward returns a list": Mutant(
        "layers/recurrent.py", old="return x @ w + b, (x, w)", new="return (x @ w + b).tolist(), (x, w)",
        check="layers.recurrent.temporal_fc_forward", code=Code.WRONG_OUTPUT, says=("expected a numpy array",)),
    "temporal_softmax_loss scores the padding": Mutant(
        "layers/recurrent.py", old="keep = x.reshape(n * t, v), y.reshape(-1), mask.reshape(-1)",
        new="keep = x.reshape(n * t, v), y.reshape(-1), np.ones(n * t, dtype=bool)",
        check="layers.recurrent.temporal_softmax_loss", code=Code.VALUES, says=("some steps padded",)),
    "temporal_softmax_loss averages over the kept steps": Mutant(
        "layers/recurrent.py", old="loss = -(log_probs[rows, y_flat] * keep).sum() / n",
        new="loss = -(log_probs[rows, y_flat] * keep).sum() / keep.sum()",
        check="layers.recurrent.temporal_softmax_loss", code=Code.VALUES, says=(": loss",), not_says=(": dx",)),
    "CaptioningRNN.loss scores the <NULL> padding": Mutant(
        "models/captioning.py", old="mask = captions_out != self._null",
        new="mask = np.ones(captions_out.shape, dtype=bool)", check="models.CaptioningRNN.loss",
        code=Code.VALUES, says=("padded captions",)),
    "MaskedAttention without the causal mask": Mutant(
        "transformer.py", old='scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))',
        new="scores = scores", check="transformer.MaskedAttention.forward", code=Code.VALUES),
    "MaskedAttention scaled by the full width": Mutant(
        "transformer.py", old="math.sqrt(C // self.n_head)", new="math.sqrt(C)",
        check="transformer.MaskedAttention.forward", code=Code.VALUES),
    "MaskedAttention returns float32 for float64 input": Mutant(
        "transformer.py", old="return self.out_dropout(self.proj(y))", new="return self.out_dropout(self.proj(y)).float()",
        check="transformer.MaskedAttention.forward", code=Code.DTYPE, says=("torch.float64 input",)),
    "visualize_model swaps predicted and true": Mutant(
        "transfer/visualize.py", old='f"predicted: {class_names[pred]}\\ntrue: {class_names[true]}"',
        new='f"predicted: {class_names[true]}\\ntrue: {class_names[pred]}"',
        check="transfer.visualize.visualize_model", code=Code.VALUES, says=("titles",)),
    "train_model returns the last epoch, not the best": Mutant(
        "transfer/training.py", old="    model.load_state_dict(best_state)\n", new="",
        check="transfer.training.train_model", code=Code.VALUES, says=("restore the best weights",)),
    "an update rule that diverges": Mutant(
        "optim.py", old='return (w + config["velocity"]).astype(w.dtype, copy=False), config',
        new='return (w + 1e30 * config["velocity"]).astype(w.dtype, copy=False), config',
        check="solver.train (TwoLayerNet, sgd_momentum)", code=Code.DIVERGED),
    "trainer.run with a learning rate far too small": Mutant(
        "trainer.py", old='group["lr"] = lr', new='group["lr"] = lr * 1e-4', check="trainer.run",
        code=Code.NOT_GOOD_ENOUGH, says=("the bar is 0.5",)),
}


def apply(mutant, package):
    """Write ``mutant`` into the copy of hwlib in ``package``."""
    path = package / "hwlib" / mutant.file
    source = path.read_text(encoding="utf-8")
    if mutant.function:
        regions = [r for r in builder.solution_regions(source) if r[0].split(".")[-1] == mutant.function]
        assert len(regions) == 1, f"{mutant.function} has no single solution region in {mutant.file}"
        _, first, last = regions[0]
        lines = source.split("\n")
        pad = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
        lines[first + 1:last] = textwrap.indent(textwrap.dedent(mutant.new).strip("\n"), pad).split("\n")
        source = "\n".join(lines)
    else:
        assert source.count(mutant.old) == 1, f"{mutant.old!r} is not in {mutant.file} exactly once: update the test"
        source = source.replace(mutant.old, mutant.new)
    path.write_text(source, encoding="utf-8")


def test_the_corpus_covers_every_kind_of_mistake():
    codes = {m.code for m in CORPUS.values()}
    assert len(CORPUS) >= 25
    assert codes >= {Code.EXCEPTION, Code.WRONG_OUTPUT, Code.DTYPE, Code.SHAPE, Code.VALUES, Code.OFF_BY_ONE,
                     Code.MUTATED, Code.NOT_GOOD_ENOUGH, Code.DIVERGED}
    assert {m.check for m in CORPUS.values()} <= set(CHECKS)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """One fork server for the whole corpus (each mutant is a fresh package copy it grades)."""
    with Sandbox(ROOT) as box:
        yield box


@pytest.fixture(scope="module")
def stores():
    full = Store.load(EXPECTED)
    return full, full.public()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_wrong_implementation_gets_exactly_its_code(name, tmp_path, sandbox, stores):
    """Exactly its code against the full recording; and locally, against the public recording, a
    non-zero code too (an error the public data exposes, or "not judged": never a success)."""
    mutant = CORPUS[name]
    shutil.copytree(ROOT / "hwlib", tmp_path / "hwlib", ignore=shutil.ignore_patterns("__pycache__"))
    apply(mutant, tmp_path)
    sandbox.use(tmp_path)
    full, public = stores
    (result,) = run_checks([mutant.check], full, sandbox)
    code, message = result.code, result.message
    assert code == mutant.code, f"{name}: got {code} ({message})"
    for text in mutant.says:
        assert text in message, f"{name}: {text!r} not in {message!r}"
    for text in mutant.not_says:
        assert text not in message, f"{name}: {text!r} in {message!r}"
    (local,) = run_checks([mutant.check], public, sandbox)
    assert local.code != Code.SUCCESS, f"{name}: the local grader says 0 ({local.message})"


# -- the pieces ----------------------------------------------------------------------------------------

def test_exception_messages_point_at_the_student_and_hint():
    error = {"kinds": ["AttributeError", "Exception"], "message": "'NoneType' object has no attribute 'classifier'",
             "frames": [["hwlib/layers/_checks.py", 3, "float_array"], ["hwlib/transfer/surgery.py", 52, "finetune"],
                        ["hwlib/layers/_checks.py", 9, "same_dtype"]]}
    text = describe_exception(error)
    assert text.startswith("AttributeError: 'NoneType' object has no attribute 'classifier'")
    assert "(at hwlib/transfer/surgery.py:52 in finetune)" in text and "ends with `return`" in text


def test_a_reference_run_names_the_points_and_codes(tmp_path):
    """--gradescope writes results.json with the spec's fields; points from the homework's table."""
    out = tmp_path / "results.json"
    grade(only=["layers.conv.conv_forward", "layers.conv.conv_backward", "models.ConvNet.loss",
                "transformer.MaskedAttention.forward"], extra=("--gradescope", str(out)))
    results = json.loads(out.read_text())
    assert set(results) >= {"score", "execution_time", "output", "visibility", "tests"}
    assert results["score"] == sum(t["score"] for t in results["tests"]) == 7 + 7 + 14 + 5
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}
        assert isinstance(test["score"], (int, float)) and test["score"] <= test["max_score"]
    names = {t["name"] for t in results["tests"]}
    assert "layers.conv.conv_forward (W2024 Q1(a) conv_forward, conv_backward)" in names
    assert any("graded by hand" in t["output"] and t["max_score"] == 0 for t in results["tests"])
    assert "70  no problem found" in results["output"]


def test_without_a_recording_values_are_not_judged_but_everything_else_is(tmp_path):
    """No recording: "not judged" (70), never a success; a softmax without the max shift is still
    caught by its overflow and its infinities when the recording holds only shapes and dtypes."""
    empty = tmp_path / "empty.pkl"
    Store().save(empty)
    results = grade(only=["layers.dense.fc_forward"], expected=empty)
    assert results["layers.dense.fc_forward"][0] == Code.NOT_JUDGED
    public = tmp_path / "public.pkl"
    Store.load(EXPECTED).public().save(public)
    shutil.copytree(ROOT / "hwlib", tmp_path / "hwlib", ignore=shutil.ignore_patterns("__pycache__"))
    apply(CORPUS["softmax_loss without the max shift"], tmp_path)
    code, message = grade(tmp_path, only=["layers.dense.softmax_loss"], expected=public)["layers.dense.softmax_loss"]
    assert code == Code.VALUES and "size ~1000" in message and "overflow" in message, message
    code, message = grade(only=["layers.dense.softmax_loss"], expected=public)["layers.dense.softmax_loss"]
    assert code == Code.NOT_JUDGED and "2 of 3 case(s)" in message


def test_a_named_recording_must_exist(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hwgrade", "--expected", str(tmp_path / "none.pkl")],
                          capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode != 0 and "no recorded outputs at" in proc.stderr


def test_every_rectangular_case_has_tall_and_wide_outputs():
    """A check with cases labelled "rectangular" produces, among them, an output whose last two
    axes are taller than wide and one wider than tall: a height-for-width bug cannot pass."""
    store = Store.load(EXPECTED)
    rectangular = 0
    for name, entry in store.data.items():
        labels = [label for label in entry["specs"] if "rectangular" in label]
        orientations = {(spec[0][-2] > spec[0][-1]) - (spec[0][-2] < spec[0][-1])
                        for label in labels for spec in entry["specs"][label] if spec and len(spec[0]) >= 2}
        if labels:
            rectangular += 1
            assert {1, -1} <= orientations, name
    assert rectangular >= 15


def test_the_codes_are_typed_in_one_place():
    """The instructors' page shows the table codes.py prints; the README and the student README
    point at ``--codes`` instead of listing them."""
    page = (ROOT / "book" / "for_instructors.md").read_text()
    assert codes_markdown() in page
    assert "55 an input was modified" not in (ROOT / "README.md").read_text()
