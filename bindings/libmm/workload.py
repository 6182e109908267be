# SPDX-License-Identifier: GPL-2.0-only
"""What a script needs to know about an mmbench input without replaying it.

    from libmm import Machine, workload_machine
    base = workload_machine("workloads/towards_oom.mmw")  # "cpus=2 nodes=1 ..."
    with Machine(base, slub_sheaves=1) as m:               # that machine, one key changed
        ...

``workload_machine(path)`` is the config text of a workload file's
``machine`` line (the same words mmbench uses), or None when the file has no
such line or is a trace (mtrace / perf script: they carry no machine).
``input_format(path)`` is the format mmbench guesses from the name.  .gz and
.xz files are read through gzip / lzma.
"""
import gzip
import lzma


def input_format(path):
    """"mtrace", "perf" or "mmw", as ``mmbench run`` guesses it from the name."""
    name = str(path)
    if ".mtrace" in name:
        return "mtrace"
    if ".perf" in name:
        return "perf"
    return "mmw"


def _open_text(path):
    name = str(path)
    if name.endswith(".gz"):
        return gzip.open(path, "rt", errors="replace")
    if name.endswith(".xz"):
        return lzma.open(path, "rt", errors="replace")
    return open(path, errors="replace")


def workload_machine(path):
    """The workload's machine line (config text), or None.

    Only comments and blank lines may come before it, as in mmbench; a
    trace has none.  OSError if the file cannot be read."""
    if input_format(path) != "mmw":
        return None
    with _open_text(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] != "machine":
                return None
            return " ".join(words[1:]) or None
    return None
