# SPDX-License-Identifier: GPL-2.0-only
"""Machines leak nothing: the C page-allocator test (which creates and
destroys dozens of machines, including a 64 GiB backing=none one) runs
clean under valgrind's memcheck with full leak checking.  Skipped under
the asan variant (ASan does its own leak checking there) and when valgrind
is missing."""
import os
import shutil
import subprocess

import pytest

VARIANT = os.environ.get("LIBMM_VARIANT", "release")
MMBENCH = os.environ.get("MMBENCH", "build/release/bin/mmbench")
TESTS = os.path.join(os.path.dirname(os.path.dirname(MMBENCH)), "tests")


@pytest.mark.skipif(VARIANT == "asan", reason="ASan checks leaks in this variant")
@pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind is not installed")
@pytest.mark.parametrize("program", ["test_page_alloc"])
def test_create_destroy_is_valgrind_clean(program):
    path = os.path.join(TESTS, program)
    if not os.path.exists(path):
        pytest.skip(path + " not built")
    r = subprocess.run(["valgrind", "--leak-check=full", "--errors-for-leak-kinds=all",
                        "--error-exitcode=3", path], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "All heap blocks were freed" in r.stderr or "definitely lost: 0" in r.stderr
