// SPDX-License-Identifier: GPL-2.0-only
/*
 * gfp.c - GFP flags as text: parsing "GFP_KERNEL|__GFP_ZERO" (the names a
 * 6.x kernel prints in tracepoints and warnings, plus numbers) and printing
 * them the way the kernel's %pGg does (composites first, greedily, in the
 * order of include/trace/events/mmflags.h; leftover bits in hex; "none"
 * for 0 as show_gfp_flags() prints it).  flag_words_parse() is the one
 * parser of flag words: GFP here, slab flags (slab.c) with the same rules.
 * Pure functions, no state.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Printing order (mmflags.h __def_gfpflag_names). */
static const struct flag_name gfp_names[] = {
	{ "GFP_TRANSHUGE", GFP_TRANSHUGE },
	{ "GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT },
	{ "GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE },
	{ "GFP_HIGHUSER", GFP_HIGHUSER },
	{ "GFP_USER", GFP_USER },
	{ "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT },
	{ "GFP_KERNEL", GFP_KERNEL },
	{ "GFP_NOFS", GFP_NOFS },
	{ "GFP_ATOMIC", GFP_ATOMIC },
	{ "GFP_NOIO", GFP_NOIO },
	{ "GFP_NOWAIT", GFP_NOWAIT },
	{ "GFP_DMA", GFP_DMA },
	{ "__GFP_HIGHMEM", __GFP_HIGHMEM },
	{ "GFP_DMA32", GFP_DMA32 },
	{ "__GFP_HIGH", __GFP_HIGH },
	{ "__GFP_IO", __GFP_IO },
	{ "__GFP_FS", __GFP_FS },
	{ "__GFP_NOWARN", __GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL },
	{ "__GFP_NOFAIL", __GFP_NOFAIL },
	{ "__GFP_NORETRY", __GFP_NORETRY },
	{ "__GFP_COMP", __GFP_COMP },
	{ "__GFP_ZERO", __GFP_ZERO },
	{ "__GFP_NOMEMALLOC", __GFP_NOMEMALLOC },
	{ "__GFP_MEMALLOC", __GFP_MEMALLOC },
	{ "__GFP_HARDWALL", __GFP_HARDWALL },
	{ "__GFP_THISNODE", __GFP_THISNODE },
	{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE },
	{ "__GFP_MOVABLE", __GFP_MOVABLE },
	{ "__GFP_ACCOUNT", __GFP_ACCOUNT },
	{ "__GFP_WRITE", __GFP_WRITE },
	{ "__GFP_RECLAIM", __GFP_RECLAIM },
	{ "__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM },
	{ "__GFP_ZEROTAGS", __GFP_ZEROTAGS },
	{ "__GFP_NO_OBJ_EXT", __GFP_NO_OBJ_EXT },
};

/* Accepted on input only. */
static const struct flag_name gfp_aliases[] = {
	{ "__GFP_DMA", __GFP_DMA },
	{ "__GFP_DMA32", __GFP_DMA32 },
	{ "__GFP_ATOMIC", 0 },     /* removed in 6.3; printed by 4.x-6.2 kernels */
	/* 0 on x86-64 6.18 (KASAN_HW_TAGS, LOCKDEP), printed by other builds */
	{ "__GFP_SKIP_ZERO", __GFP_SKIP_ZERO },
	{ "__GFP_SKIP_KASAN", __GFP_SKIP_KASAN },
	{ "__GFP_NOLOCKDEP", __GFP_NOLOCKDEP },
	{ "__GFP_SKIP_KASAN_POISON", __GFP_SKIP_KASAN },    /* 6.0-6.2, KASAN HW tags */
	{ "__GFP_SKIP_KASAN_UNPOISON", __GFP_SKIP_KASAN },
	{ "none", 0 },
};

static bool lookup(const struct flag_name *t, size_t n, const char *w, unsigned *out)
{
	for (size_t i = 0; t && i < n; i++) {
		if (!strcmp(t[i].name, w)) {
			*out = t[i].mask;
			return true;
		}
	}
	return false;
}

/*
 * The one flag-word parser, for GFP and slab flags alike: words joined by
 * '|', blanks around each ignored; a word is a name of names[] or aliases[]
 * or a number (decimal, 0x hex, 0 octal) within max.  An empty text, an
 * empty word, an unknown name or a number above max is refused with
 * -EINVAL and a message naming it; *out is written only on success.
 */
int flag_words_parse(const char *text, const char *what, const struct flag_name *names,
		     size_t nr_names, const struct flag_name *aliases, size_t nr_aliases,
		     unsigned long max, unsigned *out, char *err, size_t errlen)
{
	unsigned flags = 0;
	const char *p = text;

	if (err && errlen)
		err[0] = '\0';
	if (!text || !*text || !out) {
		if (err && errlen)
			snprintf(err, errlen, !out ? "no place for the %s value" : "empty %s flags",
				 what);
		return -EINVAL;
	}
	while (*p) {
		char word[64];
		size_t n = strcspn(p, "|");
		unsigned v;

		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (!n || n >= sizeof(word)) {
			if (err && errlen)
				snprintf(err, errlen, "bad %s flags '%s': %s", what, text,
					 n ? "name too long" : "empty name");
			return -EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (isdigit((unsigned char)word[0])) {
			char *end;
			unsigned long x = strtoul(word, &end, 0);

			if (*end || x > max) {
				if (err && errlen)
					snprintf(err, errlen, "bad %s number '%s'", what, word);
				return -EINVAL;
			}
			v = (unsigned)x;
		} else if (!lookup(names, nr_names, word, &v) &&
			   !lookup(aliases, nr_aliases, word, &v)) {
			if (err && errlen)
				snprintf(err, errlen, "unknown %s flag '%s'", what, word);
			return -EINVAL;
		}
		flags |= v;
		p += strcspn(p, "|");
		if (*p == '|')
			p++;
	}
	*out = flags;
	return 0;
}

int mm_gfp_parse(const char *text, gfp_t *out, char *err, size_t errlen)
{
	return flag_words_parse(text, "GFP", gfp_names, sizeof(gfp_names) / sizeof(gfp_names[0]),
				gfp_aliases, sizeof(gfp_aliases) / sizeof(gfp_aliases[0]),
				__GFP_BITS_MASK, out, err, errlen);
}

int flag_names_format(unsigned int v, const struct flag_name *t, size_t n, const char *zero,
		      char *buf, size_t len)
{
	struct strbuf sb;
	int ret;

	sb_init(&sb);
	if (!v)
		sb_puts(&sb, zero);
	for (size_t i = 0; i < n && v; i++) {
		if ((v & t[i].mask) != t[i].mask)
			continue;
		sb_printf(&sb, "%s%s", sb.len ? "|" : "", t[i].name);
		v &= ~t[i].mask;
	}
	if (v)
		sb_printf(&sb, "%s%#x", sb.len ? "|" : "", v);
	if (!buf)
		len = 0;                /* only the length is wanted */
	if (!sb_finish(&sb)) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	ret = snprintf(buf, len, "%s", sb.buf);
	free(sb.buf);
	return ret;
}

int mm_gfp_format(gfp_t gfp, char *buf, size_t len)
{
	return flag_names_format(gfp, gfp_names, sizeof(gfp_names) / sizeof(gfp_names[0]), "none",
				 buf, len);
}
