"""Results as people read them: the text table, JSON, and Gradescope's results.json.

Points come from ``hwgrade.points`` (the chosen homework's table): each graded check is one
Gradescope test scored all or nothing; checks no part names are reported for 0 points; parts the
homework grades by hand or from the write-up are listed as 0-point tests that say so.
"""

from hwgrade.codes import Code, codes_text
from hwgrade.points import PARTS, TOTALS, autograded_total, check_points


def points_of(result, homework):
    points, _ = check_points(homework).get(result.name, (0, None))
    return (points if result.code == Code.SUCCESS else 0), points


def text(results, homework, where):
    width = max(len(r.name) for r in results)
    lines = [f"{r.code:>3}  {r.name:<{width}}  {r.message}" for r in results]
    score = sum(points_of(r, homework)[0] for r in results)
    passed = sum(r.code == Code.SUCCESS for r in results)
    not_judged = sum(r.code == Code.NOT_JUDGED for r in results)
    lines += ["", f"{passed} of {len(results)} checks pass, {not_judged} not judged here "
                  f"({score:g} of {autograded_total(homework):g} autograder points of {homework}; {where})"]
    return "\n".join(lines)


def gradescope(results, homework, seconds, notes=()):
    """Gradescope's results.json: one test per check, then the parts graded by hand / write-up."""
    points = check_points(homework)
    tests = []
    for r in results:
        score, max_score = points_of(r, homework)
        part = points.get(r.name, (0, None))[1]
        label = f"{r.name} ({homework} {part})" if part else f"{r.name} (not in {homework}'s points)"
        tests.append({"name": label, "score": score, "max_score": max_score,
                      "output": f"code {r.code}: {r.message}", "visibility": "visible"})
    for part, value, how, _ in PARTS[homework]:
        if how != "autograder":
            tests.append({"name": f"{homework} {part}", "score": 0, "max_score": 0,
                          "output": f"{value} points, graded {how} (not by the autograder)",
                          "visibility": "visible"})
    passed = sum(r.code == Code.SUCCESS for r in results)
    return {"score": sum(t["score"] for t in tests), "execution_time": round(seconds, 1),
            "output": "\n".join([*notes, f"{passed} of {len(results)} graded functions pass; "
                                 f"{autograded_total(homework)} of {homework}'s {TOTALS[homework]} points are "
                                 "autograded, the rest are graded by hand or from the write-up.",
                                 "Codes:", codes_text()]),
            "visibility": "visible", "tests": tests}


def failure(message):
    """A results.json for a submission that could not be graded at all."""
    return {"score": 0, "output": message, "visibility": "visible", "tests": []}
