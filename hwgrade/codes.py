"""The seed autograder's result codes, as one enum."""

from enum import IntEnum


class Code(IntEnum):
    """What a check found. The numbers are the seed autograder's; lower is not better."""

    SUCCESS = 0
    UNKNOWN = 1            # the grader itself could not run the check
    EXCEPTION = 2          # the student's code raised
    NOT_IMPLEMENTED = 40   # NotImplementedError: not written yet
    WRONG_OUTPUT = 50      # uncategorized: wrong type, wrong fields, wrong structure
    DTYPE = 51             # an output has the wrong dtype
    SHAPE = 52             # an output has the wrong shape
    VALUES = 53            # values differ beyond the tolerance (including bool/int mismatches)
    OFF_BY_ONE = 54        # numeric values off by exactly 1.0
    MUTATED = 55           # an input was modified in place
    NOT_GOOD_ENOUGH = 60   # training did not reach its bar
    DIVERGED = 61          # training diverged (NaN/inf or a loss that grew a hundredfold)
    # Not the seed autograder's: what a separate, limited process for the student's code adds.
    NOT_JUDGED = 70        # ran cleanly, but some values cannot be judged here (no recorded values)
    TIME_LIMIT = 71        # ran past its wall-clock limit (or the grader's total budget was used up)
    MEMORY = 72            # ran out of its memory limit
    CRASHED = 73           # the process ended without answering (exit, crash) or answered garbage

    @property
    def meaning(self):
        return _MEANING[self]


_MEANING = {
    Code.SUCCESS: "success", Code.UNKNOWN: "unknown failure", Code.EXCEPTION: "unhandled exception",
    Code.NOT_IMPLEMENTED: "not implemented", Code.WRONG_OUTPUT: "wrong output", Code.DTYPE: "wrong dtype",
    Code.SHAPE: "wrong shape", Code.VALUES: "values differ", Code.OFF_BY_ONE: "off by exactly 1.0",
    Code.MUTATED: "input mutated", Code.NOT_GOOD_ENOUGH: "not good enough", Code.DIVERGED: "diverged",
    Code.NOT_JUDGED: "not judged here", Code.TIME_LIMIT: "time limit", Code.MEMORY: "memory limit",
    Code.CRASHED: "crashed",
}

# A sentence per code, for every table and help text (the README, the student README, the
# instructors' page and results.json all print this one).
EXPLANATION = {
    Code.SUCCESS: "success",
    Code.UNKNOWN: "unknown failure (the grader itself could not run the check)",
    Code.EXCEPTION: "your code raised an exception (its type, message, your file and line, and a hint)",
    Code.NOT_IMPLEMENTED: "not implemented yet (NotImplementedError)",
    Code.WRONG_OUTPUT: "wrong output: wrong type or structure (a list for an array, None for a model)",
    Code.DTYPE: "wrong dtype (float32 in gives float32 out, float64 in float64 out)",
    Code.SHAPE: "wrong shape",
    Code.VALUES: "values differ beyond the tolerance (or are inf/nan, or overflowed where nothing was recorded)",
    Code.OFF_BY_ONE: "values off by exactly 1.0",
    Code.MUTATED: "an input was modified in place",
    Code.NOT_GOOD_ENOUGH: "training did not reach its bar",
    Code.DIVERGED: "training diverged (NaN/inf, or a loss that grew a hundredfold)",
    Code.NOT_JUDGED: "no problem found, but some cases' values are not recorded here: the autograder judges them",
    Code.TIME_LIMIT: "ran past its wall-clock limit",
    Code.MEMORY: "ran out of its memory limit",
    Code.CRASHED: "the process running your code ended without answering (exit, crash) or sent garbage",
}


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
