"""The examples/ directory's tests (a user's own property tests written
with libmm.testing) run as a user runs them: pytest in examples/, the
fixtures from ``pytest_plugins = ["libmm.testing"]``."""
import os
import subprocess
import sys

import libmm

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "examples")


def test_examples_pass():
    env = dict(os.environ)          # this libmm build, whatever the cwd
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(libmm.__file__)))] +
        [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                       cwd=EXAMPLES, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert " passed" in r.stdout and "failed" not in r.stdout
