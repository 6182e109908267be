"""Per-CPU page lists: batch and high (kernel.md §4.3, §4.4, the 5.14-6.6
zone_highsize model), refill by batch, spill at high, drain, and the
accounting rule that pcp pages are not counted in NR_FREE_PAGES.
"""
import pytest

from libmm import Machine
from mmutil import free_total, managed_total, pcp_total, zone_of


def zone_batchsize(managed):
    batch = max(1, min(managed >> 10, 256) // 4)
    batch = 1 << ((batch + batch // 2).bit_length() - 1)      # rounddown pow2
    return max(1, batch - 1)


def zone_highsize(zone, batch, cpus_of_node, fraction=0):
    total = zone["managed"] // fraction if fraction else zone["low"]
    return max(total // cpus_of_node, batch * 4)


def test_batch_examples_from_the_reference():
    assert zone_batchsize(1 << 18) == 63          # a zone >= 1 GiB
    assert zone_batchsize(4096) == 1              # 16 MiB DMA: 0 stored as 1


@pytest.mark.parametrize("kw, fraction", [
    ({}, 0), (dict(cpus=2, nodes=2), 0), (dict(cpus=3, NORMAL="2G"), 0),
    (dict(percpu_pagelist_high_fraction=8), 8),
    (dict(percpu_pagelist_high_fraction=100), 100),
])
def test_batch_and_high_follow_the_formulas(kw, fraction):
    with Machine(**kw) as m:
        cpus_of = {}
        for c in range(m.nr_cpus):
            cpus_of[m.cpu_to_node(c)] = cpus_of.get(m.cpu_to_node(c), 0) + 1
        for z in m.zones:
            if not z["present"]:
                continue
            batch = zone_batchsize(z["managed"])
            high = zone_highsize(z, batch, cpus_of[z["node"]], fraction)
            for c in range(m.nr_cpus):
                p = m.pcp(c, z["node"], z["name"])
                assert (p["batch"], p["high"], p["count"]) == (batch, high, 0), (z["name"], c)


def test_default_machine_pcp_numbers(machine):
    assert machine.pcp(0, 0, "NORMAL") == {"count": 0, "high": 252, "batch": 63}
    assert machine.pcp(3, 0, "DMA32") == {"count": 0, "high": 75, "batch": 15}
    assert machine.pcp(1, 0, "DMA") == {"count": 0, "high": 5, "batch": 1}


@pytest.mark.parametrize("order", [0, 1, 3, 9])
def test_refill_takes_a_batch(machine, order):
    batch = machine.pcp(0)["batch"]
    n = max(batch >> order, 2) if batch > 1 else batch
    free0 = zone_of(machine, "NORMAL")["free"]
    pfn = machine.alloc_pages(order=order)
    assert machine.pcp(0)["count"] == (n - 1) << order
    assert zone_of(machine, "NORMAL")["free"] == free0 - (n << order)
    assert free_total(machine) == managed_total(machine) - (1 << order)
    assert machine.pcp(1)["count"] == 0                      # other CPUs untouched
    machine.free_pages(pfn, order=order)
    if n << order < machine.pcp(0)["high"]:
        assert machine.pcp(0)["count"] == n << order
    else:                                   # reached high: some went back
        assert machine.pcp(0)["count"] < n << order
    assert free_total(machine) == managed_total(machine)


def test_frees_spill_at_high_and_drain_empties(machine):
    p = machine.pcp(2)
    pfns = [machine.alloc_pages(cpu=2) for _ in range(3 * p["high"])]
    for i, pfn in enumerate(pfns):
        machine.free_pages(pfn, cpu=2)
        assert machine.pcp(2)["count"] < p["high"], i
    assert machine.pcp(2)["count"] >= p["batch"]
    assert free_total(machine) == managed_total(machine)
    machine.drain_pages()
    assert pcp_total(machine) == 0
    assert zone_of(machine, "NORMAL")["free"] == zone_of(machine, "NORMAL")["managed"]


def test_hot_page_comes_back_first(machine):
    a = machine.alloc_pages(cpu=1)
    machine.free_pages(a, cpu=1)
    assert machine.alloc_pages(cpu=1) == a                    # LIFO head
    assert machine.alloc_pages(cpu=0) != a


def test_pcp_off_keeps_nothing_on_the_lists():
    with Machine(cpus=2, DMA=0, DMA32=0, NORMAL="64M", pcp="off") as m:
        pfns = [m.alloc_pages(order=o % 4, cpu=o % 2) for o in range(40)]
        assert pcp_total(m) == 0
        for o, pfn in enumerate(pfns):
            m.free_pages(pfn, order=o % 4, cpu=o % 2)
        assert pcp_total(m) == 0
        assert zone_of(m, "NORMAL")["free"] == zone_of(m, "NORMAL")["managed"]
        m.validate()
