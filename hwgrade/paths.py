"""Where the grader's files live; other tools import these names instead of re-typing them.

The instructor's recording is never found from this package's location: it is passed in
(``--expected`` or ``$HWGRADE_EXPECTED``; the Gradescope entry point looks in ``ROOT/source``).
Only the public recording travels inside the package, as the local default.
"""

import os
from pathlib import Path

RECORDING_NAME = "grade_expected.pkl"        # the full recording: every case, instructors only
PUBLIC_NAME = "public_expected.pkl"          # shipped inside the student's hwgrade/
# The instructor's recording, relative to the book repository's root (make record / make grade).
INSTRUCTOR_RECORDING = Path("course") / RECORDING_NAME
# In the Gradescope zip: the untouched student version whose modules fill what an upload lacks.
STARTER_NAME = "starter"
EXPECTED_ENV = "HWGRADE_EXPECTED"
PUBLIC_RECORDING = Path(__file__).resolve().with_name(PUBLIC_NAME)


def expected_path(explicit=None):
    """The recording to grade against: ``explicit``, ``$HWGRADE_EXPECTED``, or the public one shipped
    in this package; None if there is none. A recording named explicitly must exist."""
    for named in (explicit, os.environ.get(EXPECTED_ENV)):
        if named:
            if not Path(named).is_file():
                raise SystemExit(f"no recorded outputs at {named}")
            return Path(named)
    return PUBLIC_RECORDING if PUBLIC_RECORDING.is_file() else None
