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

    @property
    def meaning(self):
        return _MEANING[self]


_MEANING = {
    Code.SUCCESS: "success", Code.UNKNOWN: "unknown failure", Code.EXCEPTION: "unhandled exception",
    Code.NOT_IMPLEMENTED: "not implemented", Code.WRONG_OUTPUT: "wrong output", Code.DTYPE: "wrong dtype",
    Code.SHAPE: "wrong shape", Code.VALUES: "values differ", Code.OFF_BY_ONE: "off by exactly 1.0",
    Code.MUTATED: "input mutated", Code.NOT_GOOD_ENOUGH: "not good enough", Code.DIVERGED: "diverged",
}


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
