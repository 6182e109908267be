# SPDX-License-Identifier: GPL-2.0-only
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


TOP = os.path.dirname(EXAMPLES)
VARIANT = os.environ.get("LIBMM_VARIANT", "release")
SANITIZE = {"asan": ["-fsanitize=address,undefined"], "tsan": ["-fsanitize=thread"]}


def build_dir():
    return os.path.join(TOP, "build", VARIANT)


def test_c_examples_compile_and_run(tmp_path):
    """examples/*.c against this build's headers and shared library (the
    installed case, through pkg-config, is scripts/check-install)."""
    b = build_dir()
    for name in ("buddyinfo", "kernel_style"):
        exe = str(tmp_path / name)
        cc = subprocess.run(
            ["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-g"] + SANITIZE.get(VARIANT, []) +
            [os.path.join(EXAMPLES, name + ".c"), "-I" + os.path.join(b, "include"),
             "-L" + os.path.join(b, "lib"), "-Wl,-rpath," + os.path.join(b, "lib"),
             "-lmm", "-pthread", "-o", exe], capture_output=True, text=True)
        assert cc.returncode == 0, cc.stderr
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        r = subprocess.run([exe], capture_output=True, text=True, timeout=120, env=env)
        assert r.returncode == 0, name + ": " + r.stdout + r.stderr
        assert "pfn" in r.stdout


def test_python_example_runs(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(libmm.__file__)))
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, "tour.py")], cwd=str(tmp_path),
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Node 0, zone   Normal" in r.stdout


def test_import_from_repo_root_finds_the_built_package():
    """From the repo root, `import libmm` must not take libmm/ (the C
    sources) for an empty namespace package."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["LIBMM_VARIANT"] = VARIANT
    r = subprocess.run([sys.executable, "-c", "import libmm; print(libmm.Machine.__name__)"],
                       cwd=TOP, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "Machine", r.stdout + r.stderr


def test_every_source_file_has_its_spdx_line():
    r = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "spdx")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
