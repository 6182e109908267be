# SPDX-License-Identifier: GPL-2.0-only
"""libmm/ is the C library's source folder, not the Python package.

Without this file, ``import libmm`` run from the repository root would
import this folder as an empty namespace package.  Instead it loads the
real package: the first ``libmm`` package on sys.path outside this
folder, else the one SCons built (build/$LIBMM_VARIANT/python, release by
default); with neither it fails with what to do.
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_top = os.path.dirname(_here)


def _find():
    for p in sys.path:
        d = os.path.join(os.path.abspath(p or os.curdir), "libmm")
        if d != _here and os.path.isfile(os.path.join(d, "__init__.py")):
            return d
    d = os.path.join(_top, "build", os.environ.get("LIBMM_VARIANT", "release"), "python", "libmm")
    return d if os.path.isfile(os.path.join(d, "__init__.py")) else None


_pkg = _find()
if _pkg is None:
    raise ImportError("libmm: %s holds the C sources; build the Python package with `scons` "
                      "(then PYTHONPATH=build/release/python) or `scons install`" % _here)
__path__ = [_pkg]
__file__ = os.path.join(_pkg, "__init__.py")
with open(__file__) as _f:
    exec(compile(_f.read(), __file__, "exec"))
