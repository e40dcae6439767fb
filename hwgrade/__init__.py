"""The autograder: ``python -m hwgrade [PATH] [--json | --gradescope FILE] [--only NAME ...]``.

Grades the ``hwlib`` package found in PATH (a folder holding ``hwlib/``; default: the package this
grader belongs to) and reports, for each graded function, one of the seed autograder's codes
(``hwgrade.codes.Code``): 0 success, 1 unknown failure, 2 the student's code raised, 40 not
implemented, 50 wrong output (type or structure), 51 dtype, 52 shape, 53 values, 54 off by exactly
1.0, 55 an input modified in place, 60 training not good enough, 61 training diverged. Every
problem a check finds is reported, each output by name; the code is that of the most basic one.

* ``checks`` — what is checked: several seeded cases per function, and the training checks;
* ``compare`` — comparing an output with the recorded one;
* ``runner`` — running checks, recording the reference, locating a student's exception;
* ``__main__`` — the command line, including Gradescope's results format.

The recorded outputs (``grade_expected.pkl``) are written by the instructor from the reference
solution (``--record``) and kept out of the student version; ``make autograder`` packs them with
this grader for Gradescope.
"""

import os

# Training checks must not depend on the machine's cores: one thread (set before numpy loads, when
# the grader is the program; a no-op if numpy is already loaded).
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
