"""The student's side of the grader: a fork server and the recipes that call student code.

This file is standalone (standard library and numpy only; torch on demand) because it is the only
code of the grader that runs where student code runs. The parent (``hwgrade.sandbox``) starts it
with ``python -I -c <this file's text>``, so the student's process never needs to read the grader's
folder. It pre-imports the libraries hwlib uses, then, for every job it reads on stdin, forks a
child that drops to an unprivileged user (when started as root), limits its address space and
file sizes, moves into the student's copy, runs the job's cases and writes the outputs back as
plain data: arrays in an ``.npz`` (read with ``allow_pickle=False``) and JSON for the rest. It kills
a child that overruns its wall-clock limit and reports how every child ended. Nothing here
decides a score: the parent compares what comes back with the recording, which never reaches
this process.
"""

import importlib
import io
import json
import os
import resource
import select
import signal
import struct
import sys
import time
import traceback
import warnings

import numpy as np

MAX_MESSAGE = 256 * 2 ** 20          # bytes: a larger reply is garbage
MAX_DEPTH = 12


# -- the wire format: one frame = 8-byte length + an npz holding "header" (JSON) and arrays ----------

def encode(tree):
    """bytes for ``tree`` (a structure of None/bool/int/float/str/tuple/list/dict/ndarray/dtype).
    A value of any other type (an ndarray subclass, a tensor, an object) travels as its type name."""
    arrays = []

    def enc(v, depth=0):
        if depth > MAX_DEPTH:
            return {"t": "other", "type": "structure nested too deeply"}
        if v is None or isinstance(v, (bool, str)) and type(v) in (bool, str):
            return {"t": "none"} if v is None else {"t": type(v).__name__, "v": v}
        if type(v) is int:
            return {"t": "int", "v": v} if abs(v) < 2 ** 62 else {"t": "other", "type": "huge int"}
        if type(v) is float:
            return {"t": "float", "v": v}
        if type(v) in (tuple, list):
            return {"t": type(v).__name__, "v": [enc(x, depth + 1) for x in v]}
        if type(v) is dict and all(type(k) is str for k in v):
            return {"t": "dict", "v": [[k, enc(x, depth + 1)] for k, x in v.items()]}
        if type(v) is np.ndarray and v.dtype.kind in "biufcU":
            arrays.append(v)
            return {"t": "ndarray", "i": len(arrays) - 1}
        if isinstance(v, np.generic) and type(v).__module__ == "numpy" and np.asarray(v).dtype.kind in "biufc":
            arrays.append(np.asarray(v))
            return {"t": "scalar", "i": len(arrays) - 1}
        if type(v) in (np.dtype,) or isinstance(v, np.dtype):
            return {"t": "dtype", "v": str(v)}
        name = type(v).__name__
        if isinstance(v, np.ndarray):
            name += " (an ndarray subclass)" if type(v) is not np.ndarray else f" of dtype {v.dtype}"
        return {"t": "other", "type": name}

    header = json.dumps(enc(tree))
    buf = io.BytesIO()
    np.savez(buf, header=np.frombuffer(header.encode(), dtype=np.uint8),
             **{f"a{i}": a for i, a in enumerate(arrays)})
    return buf.getvalue()


class Opaque:
    """A value the child could not send as data: only its type name crosses."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name}>"


def decode(payload):
    """The tree ``encode`` wrote; raises ValueError on anything malformed. Arrays come back as
    plain ndarrays (``allow_pickle=False``: no object dtype, nothing that runs code)."""
    if len(payload) > MAX_MESSAGE:
        raise ValueError("reply too large")
    with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = arrays.pop("header", None)
    if header is None or header.dtype != np.uint8 or header.ndim != 1:
        raise ValueError("reply without a header")
    tree = json.loads(header.tobytes().decode())

    def dec(node, depth=0):
        if depth > MAX_DEPTH + 1 or type(node) is not dict or type(node.get("t")) is not str:
            raise ValueError("malformed reply")
        t = node["t"]
        if t == "none":
            return None
        if t in ("bool", "int", "float", "str"):
            v = node.get("v")
            kinds = {"bool": (bool,), "int": (int,), "float": (float, int), "str": (str,)}[t]
            if type(v) not in kinds or (t == "int" and type(v) is bool):
                raise ValueError("malformed scalar")
            return float(v) if t == "float" else v
        if t in ("tuple", "list"):
            items = [dec(x, depth + 1) for x in _list(node.get("v"))]
            return tuple(items) if t == "tuple" else items
        if t == "dict":
            out = {}
            for pair in _list(node.get("v")):
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                    raise ValueError("malformed dict")
                out[pair[0]] = dec(pair[1], depth + 1)
            return out
        if t in ("ndarray", "scalar"):
            a = arrays.get(f"a{node.get('i')}")
            if type(a) is not np.ndarray or a.dtype.kind not in "biufcU":
                raise ValueError("malformed array")
            return a[()] if t == "scalar" and a.ndim == 0 else a
        if t == "dtype":
            return np.dtype(str(node.get("v")))
        if t == "other":
            return Opaque(str(node.get("type"))[:80])
        raise ValueError(f"unknown kind {t!r}")
    return dec(tree)


def _list(v):
    if type(v) is not list:
        raise ValueError("malformed list")
    return v


def write_frame(fd, payload):
    data = struct.pack(">Q", len(payload)) + payload
    while data:
        data = data[os.write(fd, data):]


def read_exact(fd, n, deadline=None):
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd, deadline=None):
    (n,) = struct.unpack(">Q", read_exact(fd, 8, deadline))
    if n > MAX_MESSAGE:
        raise ValueError("frame too large")
    return read_exact(fd, n, deadline)


# -- what runs in the student's process ------------------------------------------------------------

class Problem(Exception):
    """A problem a recipe sees in the student's output (a code and a message), reported as such."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def student(path):
    """``hwlib.<module>.<attr>...`` for "module.attr..." (e.g. "models.ConvNet.loss")."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module("hwlib." + ".".join(parts[:cut]))
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("hwlib") and exc.name != "hwlib":
                continue
            raise
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise AttributeError(path)


def _as_outputs(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _first(result, count, layout):
    if not isinstance(result, (tuple, list)) or len(result) != count + 1:
        got = f"a {type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list)) \
            else type(result).__name__
        raise Problem(50, f"expected {layout}, got {got}")
    return tuple(result[:count])


def _torch():
    import torch

    torch.set_num_threads(1)
    return torch


def r_single(fn, args):
    return (student(fn)(*args),)


def r_multi(fn, args):
    return _as_outputs(student(fn)(*args))


def r_first(fn, args, count, layout):
    return _first(student(fn)(*args), count, layout)


def r_flat(fn, args):
    loss, grads = student(fn)(*args)
    return (loss, *grads)


def r_two_steps(fn, w, dw1, dw2, config):
    update = student(fn)
    w1, state = update(w, dw1, dict(config))
    w2, _ = update(w1, dw2, state)
    return w1, w2


def _model(cls, kwargs, scale=None, bump=None):
    model = student(cls)(**kwargs)
    if scale is not None:
        model.params = {k: (scale * v).astype(v.dtype) for k, v in model.params.items()}
    if bump is not None:
        model.params[bump[0]][bump[1]] += bump[2]
    return model


def r_model_scores(cls, kwargs, X):
    return (_model(cls, kwargs).loss(X),)


def r_model_loss(cls, kwargs, X, y):
    model = _model(cls, kwargs)
    value, grads = model.loss(X, y)
    return value, grads, sorted(model.params)


def r_sample(cls, kwargs, scale, bump, features, max_length):
    model = _model(cls, kwargs, scale, bump)
    return (np.asarray(model.sample(features, max_length=max_length), dtype=np.int64),)


def r_attention(x, dtype, non_contiguous):
    torch = _torch()
    dtype = getattr(torch, dtype)
    torch.manual_seed(0)
    layer = student("transformer.MaskedAttention")(n_embd=8, n_head=2, block_size=6).to(dtype).eval()
    x = torch.from_numpy(x).to(dtype)
    if non_contiguous:
        x = x.transpose(0, 1).contiguous().transpose(0, 1)
    with torch.no_grad():
        y = layer(x)
    if not isinstance(y, torch.Tensor):
        raise Problem(50, f"forward returned {type(y).__name__}, expected a tensor")
    if y.dtype != x.dtype:
        raise Problem(51, f"a {x.dtype} input gave a {y.dtype} output: create new tensors with the input's "
                          "dtype and device")
    return (y.detach().numpy().copy(),)


def _tiny_net(torch):
    torch.manual_seed(0)
    model = torch.nn.Module()
    model.features = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
    model.classifier = torch.nn.Sequential(torch.nn.Dropout(0.0), torch.nn.Linear(8, 5))
    model.forward = lambda x: model.classifier(model.features(x))
    return model


def _head_and_flags(out):
    if out is None or not hasattr(out, "parameters"):
        raise Problem(50, f"expected the model back, got {type(out).__name__}: end with `return model`")
    return (np.array([out.classifier[1].out_features]), np.array([bool(p.requires_grad) for p in out.parameters()]))


def r_finetune(num_classes):
    torch = _torch()
    model = _tiny_net(torch)
    for p in model.parameters():
        p.requires_grad_(False)
    return _head_and_flags(student("transfer.surgery.finetune")(model, num_classes))


def r_freeze(num_classes):
    return _head_and_flags(student("transfer.surgery.freeze")(_tiny_net(_torch()), num_classes))


def r_visualize(images, labels):
    torch = _torch()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    loader = torch.utils.data.DataLoader(data, batch_size=2)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(images[0].size, 2))
    fig = student("transfer.visualize.visualize_model")(model, loader, ["ants", "bees"], num_images=4)
    if not hasattr(fig, "axes"):
        raise Problem(50, f"expected a matplotlib Figure, got {type(fig).__name__}")
    titles = [str(ax.get_title()) for ax in fig.axes if ax.get_images()]
    plt.close(fig)
    return (titles,)


def _losses(history):
    return [float(v) for v in getattr(history, "loss", []) or []]


def r_solver_train(X_train, y_train, X_val, y_val, X_test):
    model = student("models.TwoLayerNet")(input_dim=X_train.shape[1], hidden_dim=32, num_classes=3, seed=0)
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    solver = student("solver.Solver")(model, data, update_rule="sgd_momentum", optim_config={"learning_rate": 0.05},
                                      batch_size=40, num_epochs=5, verbose=False)
    solver.train()
    return {"losses": _losses(solver.history), "test_scores": np.asarray(model.loss(X_test), dtype=np.float64)}


def r_trainer_run(x, x_test):
    torch = _torch()
    T = student("transformer")
    x = torch.from_numpy(x)
    y = torch.full_like(x, T.IGNORE_INDEX)
    y[:, 1:] = x[:, :-1]                                 # repeat the previous token
    data = (x, y)
    config = T.GPTConfig(vocab_size=8, block_size=6, n_layer=1, n_head=2, n_embd=32)
    history_type = student("history.History")

    def run(seed, max_iters=150, eval_fn=None):
        settings = student("trainer.TrainConfig")(max_iters=max_iters, batch_size=32, learning_rate=3e-3,
                                                  min_lr=3e-4, warmup_iters=10, eval_interval=50, eval_fn=eval_fn,
                                                  device="cpu", seed=seed)
        model = T.GPT(config, seed=0)
        history = student("trainer.run")(model, data, settings)
        if not isinstance(history, history_type):
            raise Problem(50, f"run must return a hwlib.history.History, got {type(history).__name__}")
        return history, settings, model

    history, settings, model = run(0, eval_fn=lambda m: {"val_loss": m(*data)[1].item()})
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x_test))[0]
    return {"losses": _losses(history), "lr": [float(v) for v in history.lr],
            "expected_lr": [float(student("trainer.learning_rate_at")(s, settings)) for s in range(150)],
            "checkpoint_iters": [int(i) for i in history.checkpoint_iters], "metrics": [str(k) for k in history.metrics],
            "first": _losses(run(0, 20)[0]), "again": _losses(run(0, 20)[0]), "other": _losses(run(1, 20)[0]),
            "test_logits": logits.detach().double().numpy().copy()}


class _AscentInLastEpoch:
    """A learning-rate "scheduler" that turns the last epoch into gradient ascent, so that the best
    epoch is not the last one and a model that was not restored to it shows."""

    def __init__(self, optimizer, epochs):
        self.optimizer, self.epochs, self.calls = optimizer, epochs, 0

    def step(self):
        self.calls += 1
        if self.calls == self.epochs - 1:
            for group in self.optimizer.param_groups:
                group["lr"] = -group["lr"]


def r_train_model(X_train, y_train, X_val, y_val, X_test):
    torch = _torch()
    sets = {"train": (X_train, y_train), "val": (X_val, y_val)}
    loaders = {k: torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(a), torch.from_numpy(b)),
                                              batch_size=25, shuffle=k == "train",
                                              generator=torch.Generator().manual_seed(0))
               for k, (a, b) in sets.items()}
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(X_train.shape[1], 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = _AscentInLastEpoch(optimizer, epochs=4)
    out = student("transfer.training.train_model")(model, loaders, torch.nn.CrossEntropyLoss(), optimizer, scheduler,
                                          num_epochs=4, device="cpu", verbose=False)
    history_type = student("history.History")
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], history_type)):
        raise Problem(50, "train_model must return (model, history) with a hwlib.history.History")
    best, history = out
    with torch.no_grad():
        val = best(torch.from_numpy(X_val)).argmax(1).numpy().astype(np.int64)
        test = best(torch.from_numpy(X_test)).argmax(1).numpy().astype(np.int64)
    return {"losses": _losses(history), "metrics": {str(k): [float(v) for v in vals]
                                                    for k, vals in history.metrics.items()},
            "scheduler_calls": int(scheduler.calls), "val_predictions": val, "test_predictions": test}


RECIPES = {name[2:]: fn for name, fn in globals().items() if name.startswith("r_")}


def _snapshot(v):
    if type(v) is np.ndarray:
        return v.copy()
    if isinstance(v, (tuple, list)):
        return [_snapshot(x) for x in v]
    if isinstance(v, dict):
        return {k: _snapshot(x) for k, x in v.items()}
    return v


def _same(a, b):
    if type(a) is np.ndarray:
        return type(b) is np.ndarray and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=True)
    if isinstance(a, list):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return True


def _make_caches(args, made):
    """Replace each {"$make_cache": spec} in ``args`` by the cache the forward pass gives."""
    if isinstance(args, dict) and set(args) == {"$make_cache"}:
        spec = args["$make_cache"]
        value = student(spec["fn"])(*spec["args"])[spec["index"]]
        made.append(value)
        return value
    if isinstance(args, (list, tuple)):
        return type(args)(_make_caches(a, made) for a in args)
    return args


def _error(exc, workdir):
    frames = [(os.path.relpath(f.filename, workdir), f.lineno, f.name)
              for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename).startswith(workdir + os.sep)]
    kinds = [c.__name__ for c in type(exc).__mro__]
    code = next((c for kind, c in (("NotImplementedError", 40), ("MemoryError", 72), ("FloatingPointError", 61))
                 if kind in kinds), 2)
    if isinstance(exc, Problem):
        code = exc.code
    text = str(exc).splitlines()[0][:300] if str(exc) else ""
    return {"code": code, "kinds": kinds[:6], "message": text, "frames": frames[-8:]}


def run_case(case, workdir):
    made = []
    reply = {}
    try:
        args = _make_caches(case["args"], made)
        if made:
            reply["caches"] = made
        before = _snapshot(args)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(over="warn", invalid="warn", divide="warn"):
                outputs = RECIPES[case["recipe"]](*args)
        reply["warnings"] = sorted({f"{w.category.__name__}: {str(w.message)[:120]}" for w in caught
                                    if issubclass(w.category, RuntimeWarning)})[:5]
        reply["mutated"] = not _same(before, args)
        reply["outputs"] = outputs
    except BaseException as exc:          # SystemExit, KeyboardInterrupt ... are the student's too
        reply["error"] = _error(exc, workdir)
    return reply


def run_job(job):
    """Runs in the forked, unprivileged child: every case of one check, in order."""
    workdir = job["workdir"]
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    for name in [m for m in sys.modules if m == "hwlib" or m.startswith("hwlib.")]:
        del sys.modules[name]
    replies = []
    for case in job["cases"]:
        replies.append(run_case(case, workdir))
    return replies


# -- the fork server ------------------------------------------------------------------------------

def _limit(job):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 2 ** 20, 64 * 2 ** 20))
    if job.get("memory_mb"):
        with open("/proc/self/status") as f:
            size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        cap = size + int(job["memory_mb"]) * 2 ** 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def oom_score(value):
    """Tell the kernel whom to kill first when memory runs out (the student's child, not us)."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(str(value))
    except OSError:
        pass


def _child(job, go_r, out_w):
    os.setsid()
    oom_score(1000)
    os.read(go_r, 1)                     # the server has told the parent our pid
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)             # anything the student prints goes nowhere
    user = job.get("user")
    if user is not None:
        os.setgroups([])
        os.setgid(user[1])
        os.setuid(user[0])
    os.environ.clear()
    os.environ.update(job["env"])
    _limit(job)
    try:
        payload = encode(run_job(job))
    except BaseException as exc:         # an output that cannot even be encoded
        payload = encode([{"error": {"code": 50, "kinds": [type(exc).__name__], "frames": [],
                                      "message": f"the outputs could not be sent back: {exc}"[:300]}}])
    write_frame(out_w, payload)
    os._exit(0)


def _warm():
    """Use torch's optimizers, data loaders and matplotlib once, so that what they import on first
    use (hundreds of modules) is loaded before the children fork: an unprivileged child may be
    unable to read them."""
    try:
        torch = _torch()
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        model = torch.nn.Linear(2, 2)
        for make in (torch.optim.AdamW, torch.optim.SGD):
            optimizer = make(model.parameters(), lr=0.1)
            model(torch.zeros(1, 2)).sum().backward()
            optimizer.step()
        data = torch.utils.data.TensorDataset(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long))
        for _ in torch.utils.data.DataLoader(data, batch_size=2, shuffle=True, generator=torch.Generator()):
            pass
        fig, ax = plt.subplots()
        ax.imshow(np.zeros((2, 2)))
        ax.set_title("warm")
        fig.canvas.draw()
        plt.close(fig)
    except Exception:
        pass


def serve():
    """Read jobs on stdin, answer on stdout: {"status": ok|timeout|crashed|garbage, ...} + payload."""
    inp, out = sys.stdin.fileno(), os.dup(sys.stdout.fileno())
    if os.geteuid() == 0:
        oom_score(-500)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    for module in json.loads(os.environ.pop("HWGRADE_PRELOAD", "[]")):
        try:
            __import__(module)
        except Exception:
            pass
    if os.environ.pop("HWGRADE_WARM", ""):
        _warm()
    write_frame(out, b'{"status": "ready"}\n')
    while True:
        try:
            job = decode(read_frame(inp))
        except EOFError:
            return
        go_r, go_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(inp), os.close(out), os.close(go_w), os.close(res_r)
            try:
                _child(job, go_r, res_w)
            except BaseException:
                if os.environ.get("HWGRADE_DEBUG"):
                    traceback.print_exc(file=open(os.environ["HWGRADE_DEBUG"], "a"))
            finally:
                os._exit(70)
        os.close(go_r), os.close(res_w)
        status, payload = {"status": "ok"}, b""
        start = time.monotonic()
        os.write(go_w, b"g")
        os.close(go_w)
        try:
            payload = read_frame(res_r, deadline=start + float(job["limit_s"]))
        except TimeoutError:
            status = {"status": "timeout"}
        except (EOFError, ValueError, struct.error):
            status = {"status": "crashed"}
        for sig in (signal.SIGKILL,):
            try:
                os.killpg(pid, sig)          # whatever the student left running in its session
            except ProcessLookupError:
                pass
        _, wstatus, usage = os.wait4(pid, 0)
        os.close(res_r)
        status.update(seconds=round(time.monotonic() - start, 3), max_rss_kb=usage.ru_maxrss,
                      exit=os.waitstatus_to_exitcode(wstatus))
        write_frame(out, json.dumps(status).encode() + b"\n" + payload)


if __name__ == "__main__":
    serve()
