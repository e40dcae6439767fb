"""The book's on/off switches in the environment: ``HWLIB_FULL`` (full-scale experiments) and
``HWLIB_OFFLINE`` (never download). One parser for both, strict, so a typo is an error rather
than a silently ignored switch.
"""

import os

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def env_flag(name):
    """True or False for the environment variable ``name`` (unset or empty: False).

    Accepts 1/true/yes/on and 0/false/no/off in any case; raises ValueError for anything else.
    """
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is neither on (1, true, yes, on) nor off (0, false, no, off)")
