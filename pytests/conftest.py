# SPDX-License-Identifier: GPL-2.0-only
"""Shared pytest fixtures and hypothesis profiles for the libmm suites.

Fixtures: ``machine`` (the default machine) and ``small_machine`` (2 CPUs,
DMA 16M, DMA32 64M, NORMAL 128M); both run validate() at teardown, so every
test also checks that the allocator's invariants still hold (libmm.testing's
checked_machine; leak checks are the tests' own: many keep objects on
purpose).
Hypothesis profiles: "ci" (derandomized, few examples) and "dev" (the
default), chosen with HYPOTHESIS_PROFILE.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

from mmutil import SMALL_CONFIG, checked_machine

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=30,
    stateful_step_count=30, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "dev", deadline=None, max_examples=100, stateful_step_count=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config):
    config.addinivalue_line("markers", "slub_only: a test of SLUB's own behaviour; skipped on "
                            "the slab=slab and slab=slob machines of slab_mode_fixtures()")
    config.addinivalue_line("markers", "not_slob: a test of per-cache slabs or kmalloc size "
                            "classes, which SLOB has not; skipped on slab=slob machines")


@pytest.fixture
def machine():
    """The default machine; validate() must pass at teardown."""
    yield from checked_machine(leak_check=False)


@pytest.fixture
def small_machine():
    """A 208 MiB two-CPU machine; validate() must pass at teardown."""
    yield from checked_machine(leak_check=False, **SMALL_CONFIG)
