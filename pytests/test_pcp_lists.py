# SPDX-License-Identifier: GPL-2.0-only
"""Per-CPU page lists: batch, high_min/high_max and the auto-tuned high of
6.7+ (zone_batchsize, zone_highsize, nr_pcp_alloc, nr_pcp_high,
nr_pcp_free, free_frozen_page_commit, decay_pcp_high in mm/page_alloc.c of
6.18), the 6.5 rules behind page_alloc_policy=6.5, refills, spills, drains,
the two THP lists, and the accounting rule that pcp pages are not counted in
NR_FREE_PAGES.  Expected numbers are derived below from those functions.
"""
import pytest

from libmm import Machine
from mmutil import free_total, managed_total, pcp_total, zone_of

OLD = dict(page_alloc_policy="6.5")
SCALE = 5                                   # CONFIG_PCP_BATCH_SCALE_MAX


def zone_batchsize(managed):
    batch = max(1, min(managed >> 10, 256) // 4)
    batch = 1 << ((batch + batch // 2).bit_length() - 1)      # rounddown pow2
    return max(1, batch - 1)


def zone_highsize(zone, batch, cpus_of_node, fraction=0):
    total = zone["managed"] // fraction if fraction else zone["low"]
    return max(total // cpus_of_node, batch * 4)


def spills(m):
    return m.vmstat()["pcp_spill_pages"]


def spills_while_freeing(m, pfns, order, cpu):
    """[(i, pages spilled)] for the i-th free (from 1) that spilled."""
    got = []
    for i, pfn in enumerate(pfns, 1):
        before = spills(m)
        m.free_pages(pfn, order=order, cpu=cpu)
        if spills(m) != before:
            got.append((i, spills(m) - before))
    return got


def test_batch_examples_from_the_reference():
    assert zone_batchsize(1 << 18) == 63          # a zone >= 1 GiB
    assert zone_batchsize(4096) == 1              # 16 MiB DMA: 0 stored as 1


@pytest.mark.parametrize("kw, fraction", [
    ({}, 0), (dict(cpus=2, nodes=2), 0), (dict(cpus=3, NORMAL="2G"), 0),
    (dict(percpu_pagelist_high_fraction=8), 8),
    (dict(percpu_pagelist_high_fraction=100), 100),
    (dict(OLD), 0), (dict(OLD, percpu_pagelist_high_fraction=8), 8),
])
def test_batch_and_high_follow_the_formulas(kw, fraction):
    """zone_set_pageset_high_and_batch(): high_min from the low watermark,
    high_max from managed / 8 (MIN_PERCPU_PAGELIST_HIGH_FRACTION), both from
    the fraction when it is set; an auto-tuned high starts at the boot
    pageset's 0 (pageset_update() leaves it), 6.5's is high_min."""
    with Machine(**kw) as m:
        cpus_of = {}
        for c in range(m.nr_cpus):
            cpus_of[m.cpu_to_node(c)] = cpus_of.get(m.cpu_to_node(c), 0) + 1
        for z in m.zones:
            if not z["present"]:
                continue
            batch = zone_batchsize(z["managed"])
            lo = zone_highsize(z, batch, cpus_of[z["node"]], fraction)
            hi = zone_highsize(z, batch, cpus_of[z["node"]], fraction or 8)
            high = lo if kw.get("page_alloc_policy") == "6.5" else 0
            for c in range(m.nr_cpus):
                assert m.pcp(c, z["node"], z["name"]) == dict(
                    count=0, high=high, batch=batch, high_min=lo, high_max=hi), (z["name"], c)


def test_default_machine_pcp_numbers(machine):
    assert machine.pcp(0, 0, "NORMAL") == dict(count=0, high=0, batch=63, high_min=252,
                                               high_max=6144)
    assert machine.pcp(3, 0, "DMA32") == dict(count=0, high=0, batch=15, high_min=75,
                                              high_max=1920)
    assert machine.pcp(1, 0, "DMA") == dict(count=0, high=0, batch=1, high_min=5,
                                            high_max=128)


@pytest.mark.parametrize("policy", [{}, OLD])
@pytest.mark.parametrize("order", [0, 1, 3, 9])
def test_refill_takes_a_batch(policy, order):
    """The first refill: batch (alloc_factor 0), max(batch >> order, 2) for
    higher orders - in both policies."""
    with Machine(**policy) as m:
        batch = m.pcp(0)["batch"]
        n = max(batch >> order, 2) if batch > 1 else batch
        free0 = zone_of(m, "NORMAL")["free"]
        pfn = m.alloc_pages(order=order)
        assert m.pcp(0)["count"] == (n - 1) << order
        assert zone_of(m, "NORMAL")["free"] == free0 - (n << order)
        assert free_total(m) == managed_total(m) - (1 << order)
        assert m.pcp(1)["count"] == 0                      # other CPUs untouched
        m.free_pages(pfn, order=order)
        assert free_total(m) == managed_total(m)
        m.validate()


def nr_pcp_alloc_run(batch, high_min, high_max, refills):
    """nr_pcp_alloc() for refills of order 0 into an empty list on a run of
    allocations (no frees, zone above its high watermark): (batch, high)."""
    out, high, factor = [], 0, 0
    for _ in range(refills):
        high = min(max(high, high_min), high_max)
        b = batch << factor
        high = min(high + b, high_max)
        max_nr_alloc = max(high - batch, batch)
        if b <= max_nr_alloc and factor < SCALE:
            factor += 1
        out.append((min(b, max_nr_alloc), high))
    return out


def test_refills_grow_on_a_run_of_allocations(machine):
    """alloc_factor doubles the refill after every refill (63, 126, 252,
    504, 1008, 2016, 2016) and nr_pcp_alloc() raises high by each refill up
    to high_max; a free halves alloc_factor (5 -> 2: the next refill is
    252)."""
    m = machine
    want = nr_pcp_alloc_run(63, 252, 6144, 7)
    assert want == [(63, 315), (126, 441), (252, 693), (504, 1197), (1008, 2205),
                    (2016, 4221), (2016, 6144)]
    got = []
    for batch, high in want:
        before = m.vmstat()["pcp_refill_pages"]
        pfns = [m.alloc_pages(cpu=1)]
        got.append((m.vmstat()["pcp_refill_pages"] - before, m.pcp(1)["high"]))
        pfns += [m.alloc_pages(cpu=1) for _ in range(batch - 1)]   # empty the list
        assert m.pcp(1)["count"] == 0
    assert got == want
    m.free_pages(pfns[-1], cpu=1)
    m.alloc_pages(cpu=1)                       # the freed page, no refill
    before = m.vmstat()["pcp_refill_pages"]
    m.alloc_pages(cpu=1)
    assert m.vmstat()["pcp_refill_pages"] - before == 252


def test_refills_stay_at_batch_with_the_6_5_policy():
    with Machine(**OLD) as m:
        for _ in range(5):
            before = m.vmstat()["pcp_refill_pages"]
            [m.alloc_pages(cpu=1) for _ in range(63)]
            assert m.vmstat()["pcp_refill_pages"] - before == 63
        assert m.pcp(1)["high"] == 252


def test_frees_raise_high_to_hold_them(machine):
    """nr_pcp_high()/nr_pcp_free() on a run of order-0 frees on an unused
    CPU (free_count counts them, capped at batch << 5 = 2016): the first
    free clamps high to high_min (252); reaching high raises it to
    free_count + batch and frees clamp(free_count, batch, high - batch):
    spills of 189, 252, 504, 1008 and then 2016 pages, at the 252nd, 504th,
    1008th, 2016th and 4032nd free, high 315, 567, 1071, 2079, 2079."""
    m = machine
    pfns = [m.alloc_pages(cpu=0) for _ in range(4100)]
    events = {252: (189, 315), 504: (252, 567), 1008: (504, 1071),
              2016: (1008, 2079), 4032: (2016, 2079)}
    for i, pfn in enumerate(pfns, 1):
        before = spills(m)
        m.free_pages(pfn, cpu=1)
        spilled = spills(m) - before
        if i in events:
            assert (spilled, m.pcp(1)["high"]) == events[i], i
            assert m.pcp(1)["count"] == 63
        else:
            assert spilled == 0, i
        if i == 1:
            assert m.pcp(1)["high"] == 252


def test_frees_spill_at_high_with_the_6_5_policy():
    """6.5's free_factor: high stays 252; spills of 63, 126, then 189
    (batch << free_factor, clamped to [batch, high - batch])."""
    with Machine(**OLD) as m:
        got = spills_while_freeing(m, [m.alloc_pages(cpu=0) for _ in range(1000)], 0, 1)
        assert [n for _, n in got[:5]] == [63, 126, 189, 189, 189]
        assert m.pcp(1)["count"] < 252
        m.drain_pages()
        assert pcp_total(m) == 0
        m.validate()


@pytest.mark.parametrize("slice_, every", [("2M", 16), ("0", 1)])
def test_consecutive_high_order_frees_go_straight_back(slice_, every):
    """free_high (6.8+, threshold of 6.16): an order-2 free after another
    high-order free, with free_count >= batch + high_min / 2 = 189, empties
    the list (up to batch << 5).  free_count reaches 192 >= 189 before the
    49th free, which returns all 196 pages; after it, with
    PCPF_FREE_HIGH_BATCH (a 2M cache slice per CPU > 3 batches) a batch is
    kept first: 64 pages go back every 16th free; without (no cache slice)
    every free goes straight back."""
    with Machine(cpu_cache_slice=slice_) as m:
        got = spills_while_freeing(m, [m.alloc_pages(order=2, cpu=0) for _ in range(120)],
                                   2, 1)
        assert got[0] == (49, 196)
        assert got[1:4] == [(49 + every * k, 4 * every) for k in (1, 2, 3)]
        assert m.pcp(1)["high"] == 252


def test_high_order_frees_after_a_spill_go_back_with_the_6_5_policy():
    """6.5: once a spill made free_factor non-zero, every order 1..3 free
    returns the whole list."""
    with Machine(**OLD) as m:
        got = spills_while_freeing(m, [m.alloc_pages(order=2, cpu=0) for _ in range(80)],
                                   2, 1)
        # 63 frees reach high (252): batch 63 back - 16 order-2 blocks, 64
        # pages (free_pcppages_bulk frees whole blocks) - free_factor 1; the
        # 64th returns the 192 left, and each later one its own 4 pages
        assert got[:3] == [(63, 64), (64, 192), (65, 4)]


def decay(count, high, high_min, batch=63):
    """decay_pcp_high(): (count, high) after one vmstat tick."""
    if high > high_min:
        high = max(count - (batch << SCALE), high - (high >> 3), high_min)
    return min(count, high), high


@pytest.mark.parametrize("policy", [{}, OLD])
def test_tick_decays_high_and_frees_what_is_above_it(policy):
    with Machine(**policy) as m:
        pfns = [m.alloc_pages(cpu=0) for _ in range(5100)]
        for pfn in pfns:
            m.free_pages(pfn, cpu=1)
        p = m.pcp(1)
        if policy:                 # 6.5: no tuning, a tick changes nothing
            m.tick(5)
            assert m.pcp(1) == p
            return
        assert (p["count"], p["high"]) == (63 + 5100 - 4032, 2079)
        count, high = p["count"], p["high"]
        for _ in range(30):
            m.tick()
            count, high = decay(count, high, 252)
            assert (m.pcp(1)["count"], m.pcp(1)["high"]) == (count, high)
        assert high == 252
        assert m.pcp(0)["high"] == 252            # its refills rose, then decayed
        m.validate()


def test_zone_below_high_shrinks_high():
    """An allocation that finds a zone below its high watermark sets
    ZONE_BELOW_HIGH; then every free lowers high by max(free_count, batch)
    and spills from high_min on (nr_pcp_high); a spill that brings the zone
    back above its high watermark clears the flag."""
    with Machine(cpus=2, DMA=0, DMA32=0, NORMAL="64M") as m:
        z = zone_of(m, "NORMAL")
        held = []
        while zone_of(m, "NORMAL")["free"] > z["high"]:
            held.append(m.alloc_pages(cpu=0))
        assert not zone_of(m, "NORMAL")["below_high"]
        held.append(m.alloc_pages(cpu=0))       # fails the high check
        assert zone_of(m, "NORMAL")["below_high"]
        p = m.pcp(1)
        assert p["high"] == 0
        m.free_pages(held.pop(), cpu=1)
        # high: clamp(0) = high_min, minus max(free_count 1, batch) -> high_min
        assert m.pcp(1)["high"] == p["high_min"]
        for pfn in held[-200:]:
            m.free_pages(pfn, cpu=1)
            assert m.pcp(1)["count"] <= p["high_min"]
        del held[-200:]
        while zone_of(m, "NORMAL")["below_high"]:
            m.free_pages(held.pop(), cpu=1)
        assert zone_of(m, "NORMAL")["free"] > z["high"]
        for pfn in held:
            m.free_pages(pfn, cpu=0)
        m.validate()


@pytest.mark.parametrize("policy, same", [({}, False), (OLD, True)])
def test_two_thp_lists(policy, same):
    """NR_PCP_THP = 2 (6.11+): an unmovable THP on a CPU's list is not
    handed to a movable THP request; 6.5's single list hands it over."""
    with Machine(**policy) as m:
        pfn = m.alloc_pages(order=9, gfp="GFP_KERNEL", cpu=0)
        m.free_pages(pfn, order=9, cpu=0)
        m.drain_pages()
        pfn = m.alloc_pages(order=9, gfp="GFP_KERNEL", cpu=1)
        m.free_pages(pfn, order=9, cpu=1)       # parked on CPU 1's THP list
        assert m.pcp(1)["count"] >= 512
        got = m.alloc_pages(order=9, gfp="GFP_HIGHUSER_MOVABLE", cpu=1)
        assert (got == pfn) == same
        m.free_pages(got, order=9, cpu=1)
        m.drain_pages()
        m.validate()


def test_hot_page_comes_back_first(machine):
    a = machine.alloc_pages(cpu=1)
    machine.free_pages(a, cpu=1)
    assert machine.alloc_pages(cpu=1) == a                    # LIFO head
    assert machine.alloc_pages(cpu=0) != a


def test_drain_empties_every_list(machine):
    pfns = [machine.alloc_pages(order=o % 4, cpu=o % 4) for o in range(200)]
    for o, pfn in enumerate(pfns):
        machine.free_pages(pfn, order=o % 4, cpu=(o + 1) % 4)
    assert pcp_total(machine) > 0
    assert free_total(machine) == managed_total(machine)
    machine.drain_pages()
    assert pcp_total(machine) == 0
    assert zone_of(machine, "NORMAL")["free"] == zone_of(machine, "NORMAL")["managed"]


def test_pcp_off_keeps_nothing_on_the_lists():
    with Machine(cpus=2, DMA=0, DMA32=0, NORMAL="64M", pcp="off") as m:
        pfns = [m.alloc_pages(order=o % 4, cpu=o % 2) for o in range(40)]
        assert pcp_total(m) == 0
        for o, pfn in enumerate(pfns):
            m.free_pages(pfn, order=o % 4, cpu=o % 2)
        assert pcp_total(m) == 0
        assert zone_of(m, "NORMAL")["free"] == zone_of(m, "NORMAL")["managed"]
        m.validate()


def test_alloc_pages_bulk(machine):
    """alloc_pages_bulk_node() takes the pages from the CPU's list, refilled
    by nr_pcp_alloc() as it empties (63, then 126): 100 pages, PFN order
    (rmqueue_bulk appends at the tail), 89 left on the list; the zone check
    adds the pages asked for to the low watermark, and a request the zone
    cannot cover that way gets the single-page allocator's one page."""
    m = machine
    before = m.vmstat()
    pfns = m.alloc_pages_bulk(100, cpu=1)
    assert pfns == list(range(pfns[0], pfns[0] + 100))
    assert m.vmstat()["pcp_refill_pages"] - before["pcp_refill_pages"] == 63 + 126
    assert m.vmstat()["pgalloc_normal"] - before["pgalloc_normal"] == 100
    assert (m.pcp(1)["count"], m.pcp(1)["high"]) == (89, 441)
    for pfn in pfns:
        m.free_pages(pfn, cpu=1)
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="16M") as small:
        z = zone_of(small, "NORMAL")
        n = z["free"] - z["low"]             # free - n == low: not above it
        assert len(small.alloc_pages_bulk(n)) == 1
        assert len(small.alloc_pages_bulk(n - 100)) == n - 100
        with pytest.raises(ValueError, match="unknown GFP bits"):
            small.alloc_pages_bulk(4, gfp=0x200)
        small.validate()
