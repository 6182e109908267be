// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/fault.c - fault injection in mmbench: the workload operation
 *
 *   fault_inject NAME KNOB=VALUE [KNOB=VALUE ...]
 *
 * (NAME fail_page_alloc or failslab, the knobs mm_fault_inject()'s, "_" or
 * "-" alike), one OP_FAULT_INJECT per knob, applied when the replay reaches
 * it (in --threads mode, when its CPU's thread does); and what the summary
 * and the JSON say about injected failures, which are counted apart from
 * real ones.  The boot keys fail_page_alloc= / failslab= go in the
 * machine config like any other key.
 *
 * Op encoding: order = facility index, align = knob index, size = the value
 * (a long, two's complement).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "workload.h"

static const char *const facilities[] = { "fail_page_alloc", "failslab" };

static const struct fault_knob {
	const char *name;
	long lo, hi;
	unsigned facilities;            /* bit i: facilities[i] has it */
} knobs[] = {
	{ "probability", 0, LONG_MAX, 3 }, { "interval", 0, LONG_MAX, 3 },
	{ "times", INT_MIN, INT_MAX, 3 }, { "space", INT_MIN, INT_MAX, 3 },
	{ "verbose", 0, LONG_MAX, 3 }, { "ignore_gfp_wait", 0, 1, 3 },
	{ "ignore_gfp_highmem", 0, 1, 1 }, { "min_order", 0, UINT_MAX, 1 },
	{ "cache_filter", 0, 1, 2 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int word_is(const char *s, size_t n, const char *name)
{
	if (strlen(name) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '-' ? '_' : s[i]) != name[i])
			return 0;
	return 1;
}

int mmb_fault_facility(const char *s, size_t n)
{
	for (size_t i = 0; i < NELEM(facilities); i++)
		if (word_is(s, n, facilities[i]))
			return (int)i;
	return -1;
}

int mmb_fault_knob(int facility, const char *kv, size_t n, struct mmb_op *op, char *err,
		   size_t errlen)
{
	const char *eq = memchr(kv, '=', n);
	size_t klen = eq ? (size_t)(eq - kv) : n;
	char num[32], *end;
	long v;

	for (size_t i = 0; eq && i < NELEM(knobs); i++) {
		const struct fault_knob *k = &knobs[i];
		size_t vlen = n - (size_t)(eq + 1 - kv);

		if (!word_is(kv, klen, k->name) || !(k->facilities >> facility & 1))
			continue;
		snprintf(num, sizeof(num), "%.*s", (int)(vlen < sizeof(num) ? vlen : sizeof(num) - 1),
			 eq + 1);
		errno = 0;
		v = strtol(num, &end, 0);
		if (!vlen || vlen >= sizeof(num) || *end || errno || v < k->lo || v > k->hi) {
			snprintf(err, errlen, "fault_inject: %s=%.*s: expected an integer in %ld..%ld",
				 k->name, (int)(vlen < 24 ? vlen : 24), eq + 1, k->lo, k->hi);
			return -1;
		}
		op->kind = OP_FAULT_INJECT;
		op->order = (uint8_t)facility;
		op->align = (uint32_t)i;
		op->size = (uint64_t)v;
		return 0;
	}
	snprintf(err, errlen, "fault_inject: %s has no knob '%.*s' (probability, interval, "
		 "times, space, verbose, ignore_gfp_wait, %s)", facilities[facility],
		 (int)(klen < 40 ? klen : 40), kv,
		 facility ? "cache_filter" : "ignore_gfp_highmem, min_order");
	return -1;
}

int mmb_fault_apply(struct mm *m, const struct mmb_op *op)
{
	return mm_fault_inject(m, facilities[op->order], knobs[op->align].name, (long)op->size);
}

const char *mmb_fault_text(const struct mmb_op *op, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s=%ld", facilities[op->order], knobs[op->align].name,
		 (long)op->size);
	return buf;
}

static long injected(struct mm *m, int facility)
{
	long v = 0;

	mm_fault_inject_read(m, facilities[facility], "injected", &v);
	return v;
}

void mmb_fault_summary(const struct mmb_run *r, FILE *f)
{
	unsigned long total = 0;

	for (int k = 0; k < OP_NR_KINDS; k++)
		total += r->stat[k].injected;
	if (!r->m || (!total && !injected(r->m, 0) && !injected(r->m, 1)))
		return;
	fprintf(f, "fault injection: %lu failures injected (fail_page_alloc %ld, failslab %ld), "
		"not counted as failed:", total, injected(r->m, 0), injected(r->m, 1));
	for (int k = 0; k < OP_NR_KINDS; k++)
		if (r->stat[k].injected)
			fprintf(f, " %s %lu", mmb_op_names[k], r->stat[k].injected);
	fputc('\n', f);
}

void mmb_fault_json(const struct mmb_run *r, struct json_writer *w)
{
	if (!r->m)
		return;
	jw_object(w, "fault_inject", JW_LINES);
	for (size_t i = 0; i < NELEM(facilities); i++) {
		jw_object(w, facilities[i], JW_INLINE);
		for (size_t k = 0; k < NELEM(knobs); k++) {
			long v;

			if (!(knobs[k].facilities >> i & 1))
				continue;
			mm_fault_inject_read(r->m, facilities[i], knobs[k].name, &v);
			jw_int(w, knobs[k].name, v);
		}
		jw_int(w, "injected", injected(r->m, (int)i));
		jw_end(w);
	}
	jw_end(w);
}
