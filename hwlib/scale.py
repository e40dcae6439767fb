"""CI scale versus full scale: one switch for every chapter.

Chapters run at a scale that re-executes in CI on two cores. Setting the environment variable
``HWLIB_FULL=1`` before starting Jupyter (or ``make execute``) runs the full-scale experiments
instead; each chapter states the results of both.
"""

from hwlib.settings import env_flag


def full_scale():
    """True when ``HWLIB_FULL`` is on (read at call time, so a notebook can set it before asking)."""
    return env_flag("HWLIB_FULL")


def pick(ci, full):
    """``full`` under ``HWLIB_FULL=1``, else ``ci``: e.g. ``epochs = pick(ci=2, full=15)``."""
    return full if full_scale() else ci


def scale_name():
    """'full' or 'CI', for printing which scale produced an output."""
    return "full" if full_scale() else "CI"
