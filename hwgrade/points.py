"""The point table: every part of each homework, its points, and how it is graded — the one place
the grader, results.json and the instructors' page take points from.

``python -m hwgrade.points [--homework W2022] [--markdown]`` prints it.

Each part is ``(part, points, how, checks)``: ``how`` is "autograder" (``checks`` maps grader checks
to their share of the part's points), or "by hand" / "write-up" (0 autograder points; the grader
lists the part as a visible 0-point test that says so). Checks that no part of the chosen
homework names still run and are reported, for 0 points. W2024 (seed document 000) states the
points of every part. W2022 (seed 001) states only each question's total and the parts' points of
Q1: the split of Q2-Q5 among their parts is this course's, stated here.
"""

import argparse
import os

HOMEWORK_ENV = "HWGRADE_HOMEWORK"
DEFAULT = "W2024"

PARTS = {
    "W2024": [
        ("Q1(a) conv_forward, conv_backward", 14, "autograder",
         {"layers.conv.conv_forward": 7, "layers.conv.conv_backward": 7}),
        ("Q1(b) the CNN's loss", 14, "autograder", {"models.ConvNet.loss": 14}),
        ("Q1(c) CIFAR-10 training: loss plot and test accuracy", 6, "write-up", {}),
        ("Q2(a) temporal affine forward and backward", 8, "autograder",
         {"layers.recurrent.temporal_fc_forward": 4, "layers.recurrent.temporal_fc_backward": 4}),
        ("Q2(b) captioning loss and sample", 16, "autograder",
         {"models.CaptioningRNN.loss": 10, "models.CaptioningRNN.sample": 6}),
        ("Q2(c) learning curves and caption samples", 5, "write-up", {}),
        ("Q3(a) train_model, finetune, freeze (graded from the code by hand)", 10, "by hand", {}),
        ("Q3(b) per-epoch logs", 4, "write-up", {}),
        ("Q3(c) prediction figures", 4, "write-up", {}),
        ("Q4(a) MaskedAttention.forward", 5, "autograder", {"transformer.MaskedAttention.forward": 5}),
        ("Q4(b) trainer run: multiplication accuracies and loss plot", 9, "write-up", {}),
        ("Q4(c) TinyStories: final loss and three stories", 5, "write-up", {}),
    ],
    "W2022": [
        ("Q1(a) fully-connected layer: derivation", 5, "write-up", {}),
        ("Q1(a) fully-connected layer: code", 10, "autograder", {"layers.dense.fc_forward": 4, "layers.dense.fc_backward": 6}),
        ("Q1(b) ReLU: derivation", 2, "write-up", {}),
        ("Q1(b) ReLU: code", 3, "autograder", {"layers.dense.relu_forward": 1, "layers.dense.relu_backward": 2}),
        ("Q2(a) softmax_loss", 5, "autograder", {"layers.dense.softmax_loss": 5}),
        ("Q2(b) softmax classifier", 5, "autograder", {"models.SoftmaxClassifier.loss": 5}),
        ("Q2(c) two-layer net and its training", 5, "autograder",
         {"models.TwoLayerNet.loss": 3, "solver.train (TwoLayerNet, sgd_momentum)": 2}),
        ("Q2(c) hidden sizes tried, best one, test accuracy", 5, "write-up", {}),
        ("Q3(a) max-pooling and conv layers", 8, "autograder",
         {"layers.pool.max_pool_forward": 2, "layers.pool.max_pool_backward": 2, "layers.conv.conv_forward": 2,
          "layers.conv.conv_backward": 2}),
        ("Q3(b) the CNN's loss", 7, "autograder", {"models.ConvNet.loss": 7}),
        ("Q3(c) MNIST test accuracy", 5, "write-up", {}),
        ("Q4(a) temporal affine forward and backward", 8, "autograder",
         {"layers.recurrent.temporal_fc_forward": 4, "layers.recurrent.temporal_fc_backward": 4}),
        ("Q4(b) captioning loss", 7, "autograder", {"models.CaptioningRNN.loss": 7}),
        ("Q4(c) learning curves and caption samples", 5, "write-up", {}),
        ("Q5(a) train_model", 4, "autograder", {"transfer.training.train_model": 4}),
        ("Q5(b) visualize_model", 4, "autograder", {"transfer.visualize.visualize_model": 4}),
        ("Q5(c) finetune", 4, "autograder", {"transfer.surgery.finetune": 4}),
        ("Q5(d) freeze", 4, "autograder", {"transfer.surgery.freeze": 4}),
        ("Q5(e) validation accuracy of both scenarios", 4, "write-up", {}),
        ("Q6 convolution backward proof (extra credit)", 6, "write-up", {}),
    ],
}
# What each homework adds up to (its own statement): the parts above must sum to this.
TOTALS = {"W2024": 100, "W2022": 106}      # W2022: 100 and Q6's 6 extra-credit points


def homework(explicit=None):
    name = explicit or os.environ.get(HOMEWORK_ENV) or DEFAULT
    if name not in PARTS:
        raise SystemExit(f"unknown homework {name!r}; known: {', '.join(PARTS)}")
    return name


def check_points(name):
    """{check: (points, part)} of homework ``name``'s autograded parts."""
    return {check: (points, part) for part, _, how, checks in PARTS[name] if how == "autograder"
            for check, points in checks.items()}


def autograded_total(name):
    return sum(points for part, points, how, _ in PARTS[name] if how == "autograder")


def table(name, markdown=False):
    rows = [(part, points, how, ", ".join(f"{c} {p}" for c, p in checks.items()) or "—")
            for part, points, how, checks in PARTS[name]]
    total = f"total {sum(r[1] for r in rows)}, of which {autograded_total(name)} by the autograder"
    if markdown:
        lines = [f"| {name} part | points | graded | grader checks (points) |", "| --- | ---: | --- | --- |"]
        lines += [f"| {part} | {points} | {how} | {checks} |" for part, points, how, checks in rows]
        return "\n".join(lines + [f"| {total} | | | |"])
    return "\n".join([f"{points:>3}  {how:<10}  {part}  [{checks}]" for part, points, how, checks in rows]
                     + [total])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hwgrade.points", description="Print the point table.")
    parser.add_argument("--homework", choices=sorted(PARTS))
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    print(table(homework(args.homework), args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
