"""The point table (hwgrade.points): totals match the homeworks, every check named exists, and
the instructors' page shows the table the grader uses."""

from conftest import ROOT
from hwgrade.checks import CHECKS
from hwgrade.points import PARTS, TOTALS, autograded_total, check_points, table


def test_parts_add_up_to_the_homeworks_totals():
    for name, parts in PARTS.items():
        assert sum(points for _, points, _, _ in parts) == TOTALS[name]
        for part, points, how, checks in parts:
            assert how in {"autograder", "by hand", "write-up"}
            assert (sum(checks.values()) == points) if how == "autograder" else not checks, part
    assert TOTALS["W2024"] == 100 and autograded_total("W2024") == 14 + 14 + 8 + 16 + 5


def test_the_homeworks_own_points_where_it_states_them():
    w2024 = check_points("W2024")
    assert w2024["layers.conv.conv_forward"][0] + w2024["layers.conv.conv_backward"][0] == 14
    assert w2024["models.ConvNet.loss"][0] == 14 and w2024["transformer.MaskedAttention.forward"][0] == 5
    # Q3(a) and Q4(b) are graded by hand / from the write-up in W2024: no autograder points
    assert "transfer.training.train_model" not in w2024 and "trainer.run" not in w2024
    w2022 = check_points("W2022")
    for question in ("Q1", "Q2", "Q3", "Q4", "Q5"):
        assert sum(p for part, p, _, _ in PARTS["W2022"] if part.startswith(question)) == 20
    assert set(w2022) | set(w2024) <= set(CHECKS)


def test_the_instructors_page_shows_the_tables():
    page = (ROOT / "book" / "for_instructors.md").read_text()
    for name in PARTS:
        assert table(name, markdown=True) in page, name
