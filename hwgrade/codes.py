"""The grader's result codes: one table (number, name, short meaning, the sentence every help
text prints), as one enum.

Everything else derives from it: ``python -m hwgrade --codes`` (text or ``--markdown``), the
report's legend, results.json, the instructors' page (tested equal to :func:`codes_markdown`),
and the student README and the book's README, which point at ``--codes`` instead of listing them.
"""

from enum import IntEnum


class Code(IntEnum):
    """What a check found. The numbers are the seed autograder's (70 and up: what a separate,
    limited process for the student's code adds); lower is not better. Each member carries
    ``meaning`` (a few words) and ``explanation`` (the sentence of every table)."""

    def __new__(cls, value, meaning, explanation):
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning, member.explanation = meaning, explanation
        return member

    # The one table: a row per code, parallel on purpose (number, meaning, explanation).
    SUCCESS = 0, "success", "success"
    UNKNOWN = 1, "unknown failure", "unknown failure (the grader itself could not run the check)"
    EXCEPTION = 2, "unhandled exception", ("your code raised an exception (its type, message, your file and "
                                           "line, and a hint)")
    NOT_IMPLEMENTED = 40, "not implemented", "not implemented yet (NotImplementedError)"
    WRONG_OUTPUT = 50, "wrong output", "wrong output: wrong type or structure (a list for an array, None for a model)"
    DTYPE = 51, "wrong dtype", "wrong dtype (float32 in gives float32 out, float64 in float64 out)"
    SHAPE = 52, "wrong shape", "wrong shape"
    VALUES = 53, "values differ", ("values differ beyond the tolerance (or are inf/nan, or overflowed where "
                                   "nothing was recorded)")
    OFF_BY_ONE = 54, "off by exactly 1.0", "values off by exactly 1.0"
    MUTATED = 55, "input mutated", "an input was modified in place"
    NOT_GOOD_ENOUGH = 60, "not good enough", "training did not reach its bar"
    DIVERGED = 61, "diverged", "training diverged (NaN/inf, or a loss that grew a hundredfold)"
    NOT_JUDGED = 70, "not judged here", ("no problem found, but some cases' values are not recorded here: the "
                                         "autograder judges them")
    TIME_LIMIT = 71, "time limit", "ran past its wall-clock limit"
    MEMORY = 72, "memory limit", "ran out of its memory limit"
    CRASHED = 73, "crashed", ("the process running your code ended without answering (exit, crash) or sent "
                              "garbage")


# A sentence per code, for every table and help text.
EXPLANATION = {c: c.explanation for c in Code}


def codes_text():
    """One line per code: "40 not implemented yet (NotImplementedError)"."""
    return "\n".join(f"{int(c):>3}  {EXPLANATION[c]}" for c in Code)


def codes_markdown():
    return "| code | meaning |\n| ---: | --- |\n" + "\n".join(f"| {int(c)} | {EXPLANATION[c]} |" for c in Code)


class Problem(Exception):
    """One thing wrong with a student's output: a Code and a one-line message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = Code(code), message


class Problems(Exception):
    """Several Problems found at once (e.g. by a training check)."""

    def __init__(self, problems):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)
