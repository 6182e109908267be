# SPDX-License-Identifier: GPL-2.0-only
"""Fault injection: fail_page_alloc and failslab (lib/fault-inject.c).

The numbers come from the kernel's code: FAULT_ATTR_INITIALIZER (interval 1,
times 1, verbose 2, probability 0), fail_page_alloc's defaults
(ignore-gfp-wait, ignore-gfp-highmem, min-order 1) and failslab's
(ignore-gfp-wait, no cache filter); should_fail_ex()'s order of tests
(probability 0, times 0, space, interval, then the draw); the boot
parameter "<interval>,<probability>,<space>,<times>" (setup_fault_attr()).
An injected failure is an ordinary out-of-memory to the caller (None),
validate() stays clean, and after quiesce() free memory is what it was.
"""
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from libmm import Machine
from libmm.testing import assert_conserved, checked_machine, snapshot

TINY = dict(cpus=2, DMA="0", DMA32="0", NORMAL="64M")


def injected(m, name):
    return m.fault_inject(name)["injected"]


def test_kernel_defaults(small_machine):
    m = small_machine
    assert m.fault_inject("fail_page_alloc") == {
        "probability": 0, "interval": 1, "times": 1, "space": 0, "verbose": 2,
        "ignore_gfp_wait": 1, "ignore_gfp_highmem": 1, "min_order": 1, "injected": 0}
    assert m.fault_inject("failslab") == {
        "probability": 0, "interval": 1, "times": 1, "space": 0, "verbose": 2,
        "ignore_gfp_wait": 1, "cache_filter": 0, "injected": 0}


def test_bad_names_and_values(small_machine):
    m = small_machine
    with pytest.raises(ValueError, match="no fault injection facility"):
        m.fault_inject("fail_io")
    with pytest.raises(ValueError, match="no knob 'min_order'"):
        m.fault_inject("failslab", min_order=0)         # failslab has none
    with pytest.raises(ValueError, match="no knob"):
        m.fault_inject("fail_page_alloc", cache_filter=True)
    with pytest.raises(ValueError, match="out of range"):
        m.fault_inject("fail_page_alloc", probability=-1)
    with pytest.raises(TypeError):
        m.fault_inject("fail_page_alloc", probability=50.0)
    for bad in ("1,100", "1,100,0,3,4", "a,b,c,d", "1, 100,0,3"):
        with pytest.raises(ValueError, match="fail_page_alloc"):
            Machine(fail_page_alloc=bad, **TINY)


def test_boot_key_fails_exactly_the_next_three_eligible():
    for m in checked_machine(fail_page_alloc="1,100,0,3", **TINY):
        start = snapshot(m)
        assert "fail_page_alloc=1,100,0,3" in m.config
        kept = [(m.alloc_pages(order=1, gfp="GFP_KERNEL"), 1),     # ignore-gfp-wait
                (m.alloc_pages(order=0, gfp="GFP_ATOMIC"), 0),     # min-order 1
                (m.alloc_pages(order=2, gfp="GFP_ATOMIC|__GFP_NOFAIL"), 2)]
        assert all(pfn is not None for pfn, _ in kept)
        assert [m.alloc_pages(order=1, gfp="GFP_ATOMIC") for _ in range(3)] == [None] * 3
        pfn = m.alloc_pages(order=1, gfp="GFP_ATOMIC")
        assert pfn is not None
        kept.append((pfn, 1))
        state = m.fault_inject("fail_page_alloc")
        assert state["times"] == 0 and state["injected"] == 3
        log = m.dmesg()
        assert log.count("FAULT_INJECTION: forcing a failure.") == 3
        for times in (3, 2, 1):
            assert ("name fail_page_alloc, interval 1, probability 100, space 0, times %d"
                    % times) in log
        assert log.count("Call Trace:") == 3 and "page allocation failure" not in log
        assert m.vmstat()["pgalloc_fail"] == 0
        m.validate()
        for pfn, order in kept:
            m.free_pages(pfn, order=order)
        assert_conserved(m, start)


def test_runtime_knobs_follow_should_fail_ex(small_machine):
    m = small_machine
    m.fault_inject("fail_page_alloc", probability=100, times=-1, verbose=0, space=8)
    got = [m.alloc_pages(order=1, gfp="GFP_ATOMIC") for _ in range(4)]
    assert got[3] is None and None not in got[:3]       # 8 > 2, 6 > 2, 4 > 2, 2 > 2 fails
    assert m.fault_inject("fail_page_alloc")["space"] == 2
    for pfn in got[:3]:
        m.free_pages(pfn, order=1)
    m.fault_inject("fail_page_alloc", space=0, interval=4)
    pattern = []
    for _ in range(12):
        pfn = m.alloc_pages(order=1, gfp="GFP_ATOMIC")
        pattern.append(pfn is None)
        if pfn is not None:
            m.free_pages(pfn, order=1)
    assert pattern == [False, False, False, True] * 3
    m.fault_inject("fail_page_alloc", interval=1, min_order=0, ignore_gfp_wait=False)
    assert m.alloc_pages(order=0, gfp="GFP_KERNEL") is None      # order 0, sleeping
    m.fault_inject("fail_page_alloc", probability=0)
    m.drain_pages()
    m.validate()


def test_highmem_requests_are_ignored_by_default(small_machine):
    m = small_machine
    m.fault_inject("fail_page_alloc", probability=100, times=-1, verbose=0, min_order=0,
                   ignore_gfp_wait=0)
    pfn = m.alloc_pages(gfp="GFP_HIGHUSER_MOVABLE")
    assert pfn is not None
    m.free_pages(pfn)
    m.fault_inject("fail_page_alloc", ignore_gfp_highmem=0)
    assert m.alloc_pages(gfp="GFP_HIGHUSER_MOVABLE") is None
    m.fault_inject("fail_page_alloc", probability=0)


def test_bulk_allocations_ask_fail_page_alloc(small_machine):
    """alloc_pages_bulk_noprof(): prepare_alloc_pages() asks
    should_fail_alloc_page(order 0) and an injected failure adds no page
    ("goto out"); vm_area_alloc_pages() then goes on one page at a time, so
    a vmalloc survives times=1 with one failure injected."""
    m = small_machine
    m.fault_inject("fail_page_alloc", probability=100, times=-1, verbose=0)
    pfns = m.alloc_pages_bulk(16, gfp="GFP_ATOMIC")             # min-order 1
    assert len(pfns) == 16
    for pfn in pfns:
        m.free_pages(pfn)
    m.fault_inject("fail_page_alloc", min_order=0)
    assert m.alloc_pages_bulk(16, gfp="GFP_ATOMIC") == []
    assert injected(m, "fail_page_alloc") == 1
    pfns = m.alloc_pages_bulk(16, gfp="GFP_KERNEL")             # ignore-gfp-wait
    assert len(pfns) == 16
    for pfn in pfns:
        m.free_pages(pfn)
    m.fault_inject("fail_page_alloc", ignore_gfp_wait=False, times=1)
    v = m.vmalloc(64 << 10)
    state = m.fault_inject("fail_page_alloc")
    assert v is not None and state["injected"] == 2 and state["times"] == 0
    m.vfree(v)
    assert m.vmstat()["pgalloc_fail"] == 0
    m.fault_inject("fail_page_alloc", probability=0)


def test_verbose_and_nowarn(small_machine):
    m = small_machine
    m.fault_inject("failslab", probability=100, times=-1, verbose=1)
    assert m.kmalloc(64, gfp="GFP_ATOMIC") is None
    assert m.kmalloc(64, gfp="GFP_ATOMIC|__GFP_NOWARN") is None
    log = m.dmesg()
    assert log.count("FAULT_INJECTION: forcing a failure.") == 1
    assert "name failslab, interval 1, probability 100, space 0, times -1" in log
    assert "Call Trace:" not in log
    assert injected(m, "failslab") == 2
    m.fault_inject("failslab", probability=0)


def test_failslab_cache_filter_and_sysfs_opt_in(small_machine):
    m = small_machine
    m.fault_inject("failslab", probability=100, times=-1, verbose=0, cache_filter=True)
    plain = m.kmem_cache_create("plain", 136)
    opted = m.kmem_cache_create("opted", 136, flags="SLAB_FAILSLAB")
    a = plain.alloc(gfp="GFP_ATOMIC")
    assert a is not None
    assert opted.alloc(gfp="GFP_ATOMIC") is None
    assert not plain.failslab and opted.failslab
    plain.failslab = True
    assert plain.alloc(gfp="GFP_ATOMIC") is None
    assert plain.alloc_bulk(8, gfp="GFP_ATOMIC") is None
    plain.failslab = False
    merged = m.kmem_cache_create("merged", 132)        # merges into plain
    assert merged.name == "plain"
    with pytest.raises(ValueError, match="merged"):
        plain.failslab = True
    merged.destroy()
    m.fault_inject("failslab", probability=0)
    plain.free(a)
    plain.destroy()
    opted.destroy()


def failure_pattern(seed):
    with Machine(seed=seed, **TINY) as m:
        m.fault_inject("failslab", probability=25, times=-1, verbose=0)
        out = []
        for _ in range(120):
            p = m.kmalloc(100, gfp="GFP_NOWAIT")
            out.append(p is None)
            m.kfree(p)
        return out


def test_draws_follow_the_seed():
    a, b, c = failure_pattern(11), failure_pattern(11), failure_pattern(12)
    assert a == b and a != c
    assert 10 < sum(a) < 60


class FaultyWorkload(RuleBasedStateMachine):
    """Random pages (one at a time and in bulk), kmalloc objects and cache
    objects on two CPUs, with vmstat ticks, while the fault injection knobs
    change under them: every failure is None, every object stays whole,
    validate() holds after each step, and at the end free memory after
    quiesce() equals the start."""

    def __init__(self):
        super().__init__()
        self.m = Machine(slub_sheaves=1, **TINY)
        self.start = snapshot(self.m)
        self.cache = self.m.kmem_cache_create("faulty", 200)
        self.pages, self.objs, self.cobjs = [], [], []
        self.failed = 0

    @rule(order=st.integers(0, 4), atomic=st.booleans(), cpu=st.integers(0, 1))
    def alloc_pages(self, order, atomic, cpu):
        pfn = self.m.alloc_pages(order=order, cpu=cpu,
                                 gfp="GFP_ATOMIC" if atomic else "GFP_KERNEL")
        if pfn is None:
            self.failed += 1
        else:
            self.pages.append((pfn, order))

    @rule(size=st.integers(1, 20000), atomic=st.booleans(), cpu=st.integers(0, 1))
    def kmalloc(self, size, atomic, cpu):
        p = self.m.kmalloc(size, gfp="GFP_ATOMIC" if atomic else "GFP_KERNEL", cpu=cpu)
        if p is None:
            self.failed += 1
        else:
            self.m.write(p, bytes([size & 0xFF]))
            self.objs.append((p, size))

    @rule(n=st.integers(1, 40), cpu=st.integers(0, 1))
    def cache_alloc(self, n, cpu):
        got = self.cache.alloc_bulk(n, gfp="GFP_NOWAIT", cpu=cpu)
        if got is None:
            self.failed += 1
        else:
            self.cobjs.extend(got)

    @rule(n=st.integers(2, 40), atomic=st.booleans(), cpu=st.integers(0, 1))
    def alloc_pages_bulk(self, n, atomic, cpu):
        got = self.m.alloc_pages_bulk(n, gfp="GFP_ATOMIC" if atomic else "GFP_KERNEL",
                                      cpu=cpu)
        self.failed += len(got) < n
        self.pages.extend((pfn, 0) for pfn in got)

    @rule(n=st.integers(1, 3))
    def tick(self, n):
        self.m.tick(n)              # the per-CPU highs decay

    @precondition(lambda self: self.pages or self.objs or self.cobjs)
    @rule(data=st.data(), cpu=st.integers(0, 1))
    def free_something(self, data, cpu):
        kinds = [k for k in ("pages", "objs", "cobjs") if getattr(self, k)]
        kind = data.draw(st.sampled_from(kinds))
        items = getattr(self, kind)
        item = items.pop(data.draw(st.integers(0, len(items) - 1)))
        if kind == "pages":
            self.m.free_pages(item[0], order=item[1], cpu=cpu)
        elif kind == "objs":
            assert self.m.read(item[0], 1) == bytes([item[1] & 0xFF])
            self.m.kfree(item[0], cpu=cpu)
        else:
            self.cache.free(item, cpu=cpu)

    @rule(name=st.sampled_from(["fail_page_alloc", "failslab"]),
          probability=st.sampled_from([0, 10, 50, 100]), interval=st.integers(1, 3),
          times=st.sampled_from([-1, 0, 1, 5]), wait=st.booleans(),
          min_order=st.integers(0, 2))
    def inject(self, name, probability, interval, times, wait, min_order):
        knobs = dict(probability=probability, interval=interval, times=times,
                     verbose=0, ignore_gfp_wait=wait)
        if name == "fail_page_alloc":
            knobs["min_order"] = min_order
        self.m.fault_inject(name, **knobs)

    @invariant()
    def valid(self):
        self.m.validate()

    def teardown(self):
        m = self.m
        m.fault_inject("fail_page_alloc", probability=0)
        m.fault_inject("failslab", probability=0)
        for pfn, order in self.pages:
            m.free_pages(pfn, order=order)
        for p, _ in self.objs:
            m.kfree(p)
        self.cache.free_bulk(self.cobjs)
        self.cache.destroy()
        m.validate()
        assert_conserved(m, self.start)
        m.close()


TestFaultyWorkload = FaultyWorkload.TestCase


# ---- mmbench: the fault_inject operation and the boot keys -------------------

FAULTY_WORKLOAD = """\
machine cpus=2 DMA=0 DMA32=0 NORMAL=64M
fault_inject failslab probability=100 times=3 verbose=0
repeat 10 {
  kmalloc a$i 100 GFP_ATOMIC
}
cpu 1
fault_inject fail_page_alloc probability=100 times=2 min-order=0 ignore_gfp_wait=0 verbose=0
repeat 5 {
  alloc_pages p$i 0
}
repeat 10 {
  kfree a$i
}
repeat 5 {
  free_pages p$i
}
"""


@pytest.mark.parametrize("threads", [False, True])
def test_mmbench_counts_injected_failures_apart(tmp_path, threads):
    from mmbench_util import run, run_json, write
    w = write(tmp_path, FAULTY_WORKLOAD)
    d = run_json(tmp_path, w, "--validate", *(["--threads"] if threads else []))
    assert d["validate"] == "ok"
    ops = d["ops"]
    assert sum(o["failed"] for o in ops.values()) == 0
    # --threads: each CPU's thread applies its own fault_inject lines, so
    # CPU 1's knobs may meet CPU 0's last slab refills, or miss them
    assert sum(o["injected"] for o in ops.values()) == 5 or threads
    if not threads:
        assert ops["kmalloc"]["injected"] == 3 and ops["alloc_pages"]["injected"] == 2
        assert ops["kfree"]["skipped"] == 3 and ops["free_pages"]["skipped"] == 2
    assert d["fault_inject"]["failslab"]["injected"] == 3
    assert d["fault_inject"]["fail_page_alloc"] == {
        "probability": 100, "interval": 1, "times": 0, "space": 0, "verbose": 0,
        "ignore_gfp_wait": 0, "ignore_gfp_highmem": 1, "min_order": 0, "injected": 2}
    if threads:
        return
    out = run("run", w, check=0).stdout
    assert "fault injection: 5 failures injected (fail_page_alloc 2, failslab 3)" in out
    assert "alloc_pages 2 kmalloc 3" in out


def test_mmbench_boot_keys_and_bad_lines(tmp_path):
    from mmbench_util import run, run_json, write
    w = write(tmp_path, "repeat 4 {\n  kmalloc a$i 64 GFP_NOWAIT\n}\n")
    d = run_json(tmp_path, w, "--machine", "cpus=1 DMA=0 DMA32=0 NORMAL=64M failslab=2,100,0,-1")
    assert "failslab=2,100,0,-1" in d["machine_config"]
    assert d["ops"]["kmalloc"]["injected"] == 2                # every second call
    for line, msg in [("fault_inject failslab min_order=1", "has no knob 'min_order'"),
                      ("fault_inject fail_page_alloc probability=x", "expected an integer"),
                      ("fault_inject failslab ignore_gfp_wait=2", "expected an integer in 0..1"),
                      ("fault_inject failslob times=1", "no facility 'failslob'"),
                      ("fault_inject failslab", "expected NAME KNOB=VALUE")]:
        r = run("run", write(tmp_path, line + "\n", "bad.mmw"), check=1)
        assert "bad.mmw:1: " in r.stderr and msg in r.stderr, r.stderr


def test_mmbench_fault_inject_streamed_and_repeated(tmp_path):
    """The knobs are operations like any other: a stream cut into chunks of
    4 operations applies them where they stand, and every --runs run (a
    fresh machine: fresh knobs) injects the same failures; the pooled
    counts are one run's."""
    from mmbench_util import run_json, write
    w = write(tmp_path, FAULTY_WORKLOAD)
    whole = run_json(tmp_path, w, name="whole.json")
    cut = run_json(tmp_path, w, "--buffer", "4", "--runs", "2", name="cut.json")
    assert cut["input"]["streamed"]
    for d in (whole, cut):
        assert d["ops"]["kmalloc"]["injected"] == 3
        assert d["ops"]["alloc_pages"]["injected"] == 2
        assert d["fault_inject"]["failslab"]["injected"] == 3
