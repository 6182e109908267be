# SPDX-License-Identifier: GPL-2.0-only
"""GFP flags for Python: the ``GFP`` IntFlag and the str/int argument rule.

``GFP`` holds every GFP name of libmm/gfp.h (``GFP.GFP_KERNEL``,
``GFP["__GFP_ZERO"]``), with the values the C compiler saw.  Everywhere the
API takes a gfp argument it accepts an int (or GFP member) or the kernel's
text form ``"GFP_KERNEL|__GFP_ZERO"`` parsed by mm_gfp_parse().
"""
import enum
import functools
import re

from . import _lowlevel as ll
from ._libmm import lib

_NAME = re.compile(r"^_*GFP_")

GFP = enum.IntFlag(
    "GFP",
    # the __GFP_ bit names first, so they are canonical and the rest aliases
    sorted(((n, int(getattr(lib, n))) for n in dir(lib) if _NAME.match(n)),
           key=lambda kv: (kv[1], not kv[0].startswith("__"), kv[0])),
)
GFP.__doc__ = "Every GFP flag and composite of libmm/gfp.h."


@functools.lru_cache(maxsize=256)
def _parse(text):
    return ll.gfp_parse(text)


def to_gfp(value):
    """int for a gfp argument given as str, int or GFP (not bool)."""
    if isinstance(value, str):
        return _parse(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise TypeError("gfp must be str or int, not %s" % type(value).__name__)


def gfp_text(value):
    """The kernel's %pGg spelling of a gfp value."""
    return ll.gfp_format(to_gfp(value))
