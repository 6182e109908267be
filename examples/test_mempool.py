# SPDX-License-Identifier: GPL-2.0-only
"""A user's own property tests of examples/mempool.py with libmm.testing.

    cd examples && python3 -m pytest -q          # (PYTHONPATH: build/release/python)

1. A plain test with the ``machine`` fixture: validated and checked for
   leaks when the test ends.
2. A hypothesis state machine: random allocations and frees on two CPUs,
   while fault injection (failslab) makes the allocator fail; the mempool
   must hand out elements as long as its reserve lasts, never the same one
   twice, and the machine must validate after every step and have all its
   memory back (after quiesce) at the end.
"""
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant,
                                 precondition, rule)

from libmm import Machine
from libmm.testing import assert_conserved, machine_configs, snapshot

from mempool import Mempool


def test_reserve_carries_the_pool_through_failures(machine):
    pool = Mempool(machine, min_nr=4, size=256)
    machine.fault_inject("failslab", probability=100, times=-1, verbose=0,
                         ignore_gfp_wait=False)
    got = [pool.alloc() for _ in range(5)]
    assert None not in got[:4] and len(set(got[:4])) == 4   # the reserve
    assert got[4] is None                                   # then nothing
    assert machine.fault_inject("failslab")["injected"] == 5
    machine.fault_inject("failslab", probability=0)
    for p in got[:4]:
        pool.free(p)
    pool.destroy()


class MempoolMachine(RuleBasedStateMachine):
    @initialize(config=machine_configs(max_cpus=2, debug=False))
    def boot(self, config):
        config["cpus"] = 2
        self.m = Machine(**config)
        self.start = snapshot(self.m)
        self.pool = Mempool(self.m, min_nr=8, size=192)
        self.live = {}                          # element -> the byte written in it
        self.failing = False

    @rule(cpu=st.integers(0, 1), byte=st.integers(0, 255))
    def alloc(self, cpu, byte):
        reserve = len(self.pool.reserve)
        with self.m.on_cpu(cpu):
            p = self.pool.alloc()
        if p is None:
            assert self.failing and reserve == 0   # only when both are out
            return
        assert p not in self.live
        self.m.write(p, bytes([byte]) * 192)
        self.live[p] = byte

    @precondition(lambda self: self.live)
    @rule(cpu=st.integers(0, 1), data=st.data())
    def free(self, cpu, data):
        p = data.draw(st.sampled_from(sorted(self.live)))
        assert self.m.read(p, 192) == bytes([self.live.pop(p)]) * 192
        with self.m.on_cpu(cpu):
            self.pool.free(p)

    @rule(on=st.booleans())
    def inject(self, on):
        self.failing = on
        self.m.fault_inject("failslab", probability=100 if on else 0, times=-1,
                            verbose=0, ignore_gfp_wait=False)

    @invariant()
    def valid(self):
        if hasattr(self, "m"):
            self.m.validate()

    def teardown(self):
        if not hasattr(self, "m"):
            return
        self.m.fault_inject("failslab", probability=0)
        for p in self.live:
            self.pool.free(p)
        self.pool.destroy()
        assert_conserved(self.m, self.start)
        self.m.close()


TestMempool = MempoolMachine.TestCase
TestMempool.settings = settings(max_examples=25, stateful_step_count=30, deadline=None,
                                suppress_health_check=[HealthCheck.data_too_large,
                                                       HealthCheck.too_slow])
