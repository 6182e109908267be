// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmm/gfp.h - GFP ("get free pages") flags, with the kernel's names and
 * the bit values of a Linux 6.18 x86-64 kernel (include/linux/gfp_types.h
 * numbers the bits with an enum: 0x200 is unused since 6.3, and the
 * configuration decides the top ones - x86-64 has no KASAN_HW_TAGS, a
 * distribution kernel no LOCKDEP and SLAB_OBJ_EXT with memcg, so
 * __GFP_SKIP_ZERO, __GFP_SKIP_KASAN and __GFP_NOLOCKDEP are 0 and
 * __GFP_NO_OBJ_EXT is the bit after __GFP_ZEROTAGS).  Values written by
 * such a kernel - "gfp_flags=0x..." in a trace - mean the same here, and
 * every name the kernel's %pGg prints parses to them.
 *
 * Zone modifiers pick the highest zone an allocation may use (gfp_zone()),
 * the mobility bits pick the migratetype (gfp_migratetype()), and the
 * watermark modifiers decide how far below the min watermark a request may
 * dig.  Text form, as accepted by mm_gfp_parse(): "GFP_KERNEL|__GFP_ZERO".
 */
#ifndef LIBMM_GFP_H
#define LIBMM_GFP_H

typedef unsigned int gfp_t;

/* Plain bits (the kernel's ___GFP_* values). */
#define __GFP_DMA             0x01u
#define __GFP_HIGHMEM         0x02u
#define __GFP_DMA32           0x04u
#define __GFP_MOVABLE         0x08u
#define __GFP_RECLAIMABLE     0x10u
#define __GFP_HIGH            0x20u
#define __GFP_IO              0x40u
#define __GFP_FS              0x80u
#define __GFP_ZERO            0x100u
#define __GFP_DIRECT_RECLAIM  0x400u
#define __GFP_KSWAPD_RECLAIM  0x800u
#define __GFP_WRITE           0x1000u
#define __GFP_NOWARN          0x2000u
#define __GFP_RETRY_MAYFAIL   0x4000u
#define __GFP_NOFAIL          0x8000u
#define __GFP_NORETRY         0x10000u
#define __GFP_MEMALLOC        0x20000u
#define __GFP_COMP            0x40000u
#define __GFP_NOMEMALLOC      0x80000u
#define __GFP_HARDWALL        0x100000u
#define __GFP_THISNODE        0x200000u
#define __GFP_ACCOUNT         0x400000u
#define __GFP_ZEROTAGS        0x800000u
#define __GFP_NO_OBJ_EXT      0x1000000u    /* CONFIG_SLAB_OBJ_EXT */
#define __GFP_SKIP_ZERO       0u            /* CONFIG_KASAN_HW_TAGS only */
#define __GFP_SKIP_KASAN      0u
#define __GFP_NOLOCKDEP       0u            /* CONFIG_LOCKDEP only */

#define __GFP_BITS_SHIFT      25
#define __GFP_BITS_MASK       ((1u << __GFP_BITS_SHIFT) - 1u)
/* Bits libmm accepts: every defined bit (0x200 is a hole since 6.3). */
#define __GFP_VALID_MASK      (__GFP_BITS_MASK & ~0x200u)

#define GFP_ZONEMASK          (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)
#define GFP_MOVABLE_MASK      (__GFP_RECLAIMABLE | __GFP_MOVABLE)
#define GFP_MOVABLE_SHIFT     3
#define __GFP_RECLAIM         (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

/* Composites (include/linux/gfp_types.h). */
#define GFP_ATOMIC            (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL            (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT    (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT            (__GFP_KSWAPD_RECLAIM | __GFP_NOWARN)
#define GFP_NOIO              (__GFP_RECLAIM)
#define GFP_NOFS              (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER              (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA               __GFP_DMA
#define GFP_DMA32             __GFP_DMA32
#define GFP_HIGHUSER          (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE  (GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN)
#define GFP_TRANSHUGE_LIGHT   ((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | \
                                __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE         (GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

#endif /* LIBMM_GFP_H */
