# SPDX-License-Identifier: GPL-2.0-only
"""Exceptions of the libmm package and the errno -> exception rule.

The C library reports misuse as a negative errno (or NULL plus
mm_last_errno()) and a kernel-style text (mm_last_error()).  The rule:

    EFAULT                 -> CorruptionError (corruption, invalid free)
    EBUSY                  -> CPUBusyError, a ValueError (CPU held elsewhere)
    ENOMEM                 -> not an exception: the caller returns None
    EINVAL, ENXIO, others  -> ValueError (bad argument)
"""
import errno as _errno


class CorruptionError(Exception):
    """Detected corruption or an invalid free (double free, foreign pointer,
    wrong order, ...).  str() is the kernel-style report text."""

    def __init__(self, text, errno=_errno.EFAULT):
        super().__init__(text)
        self.text = text
        self.errno = errno


class CPUBusyError(ValueError):
    """The simulated CPU is bound by another thread."""

    errno = _errno.EBUSY


def error_for(err, text):
    """The exception for positive errno err with message text (never ENOMEM)."""
    if err == _errno.EFAULT:
        return CorruptionError(text, err)
    if err == _errno.EBUSY:
        return CPUBusyError(text)
    exc = ValueError(text)
    exc.errno = err
    return exc
