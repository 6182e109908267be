# SPDX-License-Identifier: GPL-2.0-only
"""libmm: the Linux kernel's physical-memory allocators as a userspace library.

    from libmm import Machine, GFP, CorruptionError
    with Machine(cpus=2, NORMAL="128M") as m:
        pfn = m.alloc_pages(order=2, gfp="GFP_KERNEL|__GFP_ZERO")
        m.free_pages(pfn, order=2)

Layers: _libmm (cffi, generated from the C headers) -> _lowlevel (1:1 calls,
errno -> exceptions) -> machine (the Pythonic Machine); libmm.testing: the
fixtures, checks and hypothesis strategies for property tests.

Besides the classes and functions, the package exports ZONE_NAMES (the
config's zone names by index), MIGRATETYPES (the kernel's migratetype names
by number) and __version__.
"""
from ._errors import CorruptionError, CPUBusyError
from .gfp import GFP, gfp_text
from .machine import MIGRATETYPES, ZONE_NAMES, Machine, build_config
from .slab import CacheBusyError, KmemCache, slab_flags, slab_flags_text
from .process import MovableOwner, Process
from .workload import input_format, workload_machine

__version__ = "0.1.0"

__all__ = ["Machine", "GFP", "CorruptionError", "CPUBusyError", "gfp_text",
           "build_config", "ZONE_NAMES", "MIGRATETYPES", "__version__",
           "CacheBusyError", "KmemCache", "slab_flags", "slab_flags_text",
           "MovableOwner", "Process", "input_format", "workload_machine"]
