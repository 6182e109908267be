# SPDX-License-Identifier: GPL-2.0-only
"""A short tour of libmm from Python: a machine, pages, a slab cache,
kmalloc, vmalloc, and the kernel's own reports.

    python3 tour.py          (libmm installed, or PYTHONPATH=build/release/python)
"""
import libmm


def main():
    with libmm.Machine("cpus=2 nodes=1 DMA=16M DMA32=0 NORMAL=48M") as m:
        pfn = m.alloc_pages(order=3)
        obj = m.kmalloc(100)
        addr = m.vmalloc(3 * 4096)
        print("order-3 block at pfn", pfn, "kmalloc", hex(obj), "vmalloc", hex(addr))
        print(m.text("buddyinfo"), end="")
        m.vfree(addr)
        m.kfree(obj)
        m.free_pages(pfn, order=3)
        m.validate()


if __name__ == "__main__":
    main()
