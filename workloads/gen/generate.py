#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Regenerate every named workload: workloads/gen/specs/NAME.json -> workloads/NAME.mmw.

    /usr/bin/python3 workloads/gen/generate.py [--check]

--check: exit 1 if a checked-in .mmw differs from what its spec generates.
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mmwgen  # noqa: E402

WORKLOADS = os.path.dirname(HERE)


def main():
    check = "--check" in sys.argv[1:]
    bad = 0
    for spec_path in sorted(glob.glob(os.path.join(HERE, "specs", "*.json"))):
        with open(spec_path) as f:
            spec = json.load(f)
        text = mmwgen.generate(spec)
        out = os.path.join(WORKLOADS, spec["name"] + ".mmw")
        if check:
            try:
                same = open(out).read() == text
            except OSError:
                same = False
            if not same:
                print("%s differs from %s" % (out, spec_path))
                bad = 1
            continue
        with open(out, "w") as f:
            f.write(text)
        print("%-40s %8d lines" % (os.path.relpath(out), text.count("\n")))
    return bad


if __name__ == "__main__":
    sys.exit(main())
