"""Compatibility shim: the development matcher now lives in :mod:`skill.understanding`.

Kept so ``from skill.matcher import Matcher, Match`` keeps working for other modules
and branches; new code imports from ``skill.understanding.matcher``.
"""

from skill.understanding.matcher import *  # noqa: F403 (a re-export, names listed there)
from skill.understanding.matcher import __all__ as __all__
