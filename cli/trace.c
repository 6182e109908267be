// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/trace.c - real allocation traces into programs (workload.h).
 *
 * glibc mtrace (MALLOC_TRACE=file; `mtrace()`), one event a line, an
 * optional "@ caller" first:
 *     + ADDR SIZE     malloc/calloc/memalign        -> kmalloc
 *     - ADDR          free                          -> kfree
 *     < ADDR          realloc: the old block ...
 *     > ADDR SIZE     ... and the new one           -> krealloc
 *     ! ADDR SIZE     realloc that failed           (counted, ignored)
 *     = Start / = End                               (ignored)
 * Everything runs on CPU 0 (mtrace does not say which thread).
 *
 * `perf script` text of the kmem: tracepoints (perf record -e 'kmem:*'):
 *     kmalloc, kmalloc_node          ptr= bytes_req= gfp_flags=  -> kmalloc
 *     kfree                          ptr=                        -> kfree
 *     kmem_cache_alloc(_node)        ptr= name= bytes_req= bytes_alloc= gfp_flags=
 *                                    -> cache_create (first time a cache is seen:
 *                                       name=, or "size-<bytes_alloc>" when the
 *                                       kernel does not print it) + cache_alloc
 *     kmem_cache_free                ptr=                        -> cache_free
 *     mm_page_alloc                  pfn= order= gfp_flags=      -> alloc_pages
 *                                    a user page (GFP with __GFP_MOVABLE and
 *                                    __GFP_HARDWALL: anonymous and page-cache
 *                                    memory) -> fault: a page fault of the
 *                                    process of the line's PID, at a free
 *                                    user address of that process
 *     mm_page_free                   pfn= order=                 -> free_pages
 *                                    (a user folio's: unmap of all of it)
 *     mm_page_free_batched           repeats a page mm_page_free reported: counted
 * and of the cma: tracepoints (perf record -e 'cma:*'):
 *     cma_alloc_finish               name= pfn= count= align= errorno=
 *                                    -> cma_alloc of the area name (errorno
 *                                       not 0: a failed one, counted as ignored)
 *     cma_release                    name= pfn= count=           -> cma_release
 *     cma_alloc_start, cma_alloc_busy_retry: counted as ignored (the replay
 *                                    makes its own)
 *     anything else (rss_stat, mm_page_pcpu_drain, ...): counted as ignored
 * The [CPU] column picks the CPU (folded onto the machine's CPUs later).
 * A free names the object's own kind of free (kfree of a kmem_cache object
 * becomes cache_free, as the kernel allows).  ptr=(nil) frees are no-ops;
 * frees of objects allocated before the trace began are counted as skipped;
 * failed allocations (ptr=(nil), page=(nil)) are counted as ignored.
 * GFP words go through mm_gfp_parse(): an unknown one is an error
 * (FILE:LINE: message) so that missing names get noticed.  So are sizes
 * above 2^63 (no allocation of that size succeeds: the line is corrupt),
 * orders above 15 and cache object sizes outside 1..1G; a size or order
 * field that is absent makes the event unusable (counted as ignored).
 *
 * Call sites: the mtrace caller ("@ obj:(func+off)[addr]") and perf's
 * call_site= (kmalloc, kmem_cache_alloc) become the allocation's site
 * (mmb_prog_site), what page_owner=1 attributes it to; mm_page_alloc has
 * none.
 *
 * Lines come one at a time (input.c); the importers keep only what is live:
 * the address and PFN maps and the handle slots of live objects, reused
 * once freed.  A user folio holds a handle slot too (its process and
 * address); each PID's process lives to the end, and the user addresses
 * its unmaps free are its next faults' of the same order.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

struct tok { const char *s; size_t n; };

/* A process of a perf trace: its operations so far (op.cseq), the top of
 * the user addresses it has used, and the addresses its unmapped folios
 * left free, by order (reused first: its address space stays as large as
 * its peak of mapped memory, however long the trace). */
struct addr_stack { uint64_t *a; size_t n, cap; };
struct uproc {
	uint32_t nops;
	uint64_t top;
	struct addr_stack freed[MM_MAX_ORDER_LIMIT + 1];
};

struct imp {
	struct mmb_prog *p;
	struct mmb_input *in;
	const char *file;
	unsigned line;
	struct mmb_imap ptrs;           /* object address -> handle slot */
	struct mmb_imap pfns;           /* first PFN -> handle slot */
	struct mmb_imap cma;            /* first PFN of a cma_alloc -> handle slot */
	struct mmb_map areas;           /* CMA area name -> area slot */
	struct mmb_slots slots;         /* handle slots free for reuse */
	uint32_t *seq;                  /* per slot: operations so far (op.seq) */
	uint8_t *kind;                  /* per slot: the op that made it live */
	uint32_t *cache;                /* per slot: cache of a cache object */
	size_t slot_cap;
	struct mmb_map caches;          /* cache name -> cache slot */
	struct mmb_map gfps;            /* GFP text -> value */
	int cpu;
	/* user pages: faults of the process of their PID */
	struct tok pid;                 /* the line's PID (n == 0: none) */
	struct mmb_map pids;            /* PID -> process slot */
	struct uproc *procs;            /* [process slot] */
	size_t pcap;
	uint64_t *uaddr;                /* per handle slot: a user folio's address | order */
};

static int ierr(struct imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int ierr(struct imp *im, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: ", im->file, im->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static void imp_init(struct imp *im, struct mmb_prog *p, struct mmb_input *in)
{
	memset(im, 0, sizeof(*im));
	im->p = p;
	im->in = in;
	im->file = mmb_input_name(in);
	mmb_imap_init(&im->ptrs);
	mmb_imap_init(&im->pfns);
	mmb_imap_init(&im->cma);
	mmb_map_init(&im->areas);
	mmb_map_init(&im->caches);
	mmb_map_init(&im->gfps);
	mmb_map_init(&im->pids);
}

static void imp_done(struct imp *im)
{
	mmb_imap_free(&im->ptrs);
	mmb_imap_free(&im->pfns);
	mmb_imap_free(&im->cma);
	mmb_map_free(&im->areas);
	mmb_map_free(&im->caches);
	mmb_map_free(&im->gfps);
	mmb_slots_free(&im->slots);
	free(im->seq);
	free(im->kind);
	free(im->cache);
	mmb_map_free(&im->pids);
	for (size_t i = 0; i < im->pcap; i++)
		for (int o = 0; o <= MM_MAX_ORDER_LIMIT; o++)
			free(im->procs[i].freed[o].a);
	free(im->procs);
	free(im->uaddr);
}

/* Every line of the input through fn (then fn with s == NULL at the end);
 * 0, or -1 after a message. */
static int import_lines(struct mmb_prog *p, struct mmb_input *in,
			int (*fn)(struct imp *im, void *arg, const char *s, const char *e), void *arg)
{
	struct imp im;
	char *line;
	size_t len;
	int r;

	imp_init(&im, p, in);
	while ((r = mmb_input_line(in, &line, &len)) > 0) {
		im.line = (unsigned)mmb_input_lineno(in);
		p->lines++;
		if (fn(&im, arg, line, line + len)) {
			r = -1;
			break;
		}
	}
	if (r == 0 && fn(&im, arg, NULL, NULL))
		r = -1;
	imp_done(&im);
	return r < 0 ? -1 : 0;
}

static int set_cpu(struct imp *im, int cpu)
{
	if (cpu != im->cpu) {
		struct mmb_op op = { .kind = OP_CPU, .cpu = (uint16_t)cpu, .line = im->line };

		im->cpu = cpu;
		return mmb_prog_add(im->p, &op);
	}
	return 0;
}

static uint32_t new_slot(struct imp *im)
{
	int fresh;
	uint32_t s = mmb_slot_get(&im->slots, im->p, &fresh);

	if (!fresh)
		return s;
	if (s >= im->slot_cap) {
		im->slot_cap = im->slot_cap ? im->slot_cap * 2 : 4096;
		im->seq = mmb_xrealloc(im->seq, im->slot_cap * sizeof(*im->seq));
		im->kind = mmb_xrealloc(im->kind, im->slot_cap * sizeof(*im->kind));
		im->cache = mmb_xrealloc(im->cache, im->slot_cap * sizeof(*im->cache));
		im->uaddr = mmb_xrealloc(im->uaddr, im->slot_cap * sizeof(*im->uaddr));
	}
	im->seq[s] = 0;
	im->kind[s] = 0;
	im->cache[s] = 0;
	return s;
}

/* Emits op on slot s (seq filled in). */
static int emit(struct imp *im, struct mmb_op *op, uint32_t s)
{
	op->handle = s;
	op->seq = im->seq[s]++;
	op->cpu = (uint16_t)im->cpu;
	op->line = im->line;
	im->p->import.events++;
	return mmb_prog_add(im->p, op);
}

/* A new object at key in map: a fresh slot holding it.  An object still
 * recorded at key is one whose free the trace missed: it leaks, as it did. */
static int alloc_at(struct imp *im, struct mmb_imap *map, uint64_t key, struct mmb_op *op)
{
	uint32_t s = new_slot(im);

	im->kind[s] = op->kind;
	if (op->kind == OP_CACHE_ALLOC || op->kind == OP_CMA_ALLOC)
		im->cache[s] = op->cache;
	mmb_imap_put(map, key, s);
	return emit(im, op, s);
}

/* A process operation (fault/unmap) of process slot ps. */
static int emit_proc(struct imp *im, struct mmb_op *op, uint32_t ps)
{
	op->handle = ps;
	op->cseq = im->procs[ps].nops++;
	op->cpu = (uint16_t)im->cpu;
	op->line = im->line;
	im->p->import.events++;
	return mmb_prog_add(im->p, op);
}

/* The process slot of the line's PID (PID 0 when the line has none). */
static uint32_t line_proc(struct imp *im)
{
	struct tok pid = im->pid.n ? im->pid : (struct tok){ "0", 1 };
	uint32_t s = mmb_prog_proc(im->p, &im->pids, pid.s, pid.n);

	im->procs = mmb_grow(im->procs, &im->pcap, s, sizeof(*im->procs));
	return s;
}

/* A user folio at pfn: a fault of the line's process at a free user
 * address of its size (one an unmap left, else past the top). */
static int user_fault(struct imp *im, uint64_t pfn, unsigned order)
{
	struct mmb_op op = { .kind = OP_FAULT, .order = (uint8_t)order };
	uint64_t size = MM_PAGE_SIZE << order;
	uint32_t ps = line_proc(im), s;
	struct uproc *u = &im->procs[ps];

	if (u->freed[order].n) {
		op.size = u->freed[order].a[--u->freed[order].n];
	} else {
		op.size = (u->top + size - 1) & ~(size - 1);
		u->top = op.size + size;
	}
	s = new_slot(im);
	im->kind[s] = OP_FAULT;
	im->cache[s] = ps;
	im->uaddr[s] = op.size | order;         /* page aligned: the order fits below */
	mmb_imap_put(&im->pfns, pfn, s);
	im->p->import.user_pages++;
	return emit_proc(im, &op, ps);
}

/* The user folio of handle slot s goes: an unmap of all of it (whatever
 * order the free says), its address free for the process's next fault of
 * that order. */
static int user_unmap(struct imp *im, uint32_t s)
{
	struct mmb_op op = { .kind = OP_UNMAP };
	unsigned order = (unsigned)(im->uaddr[s] & (MM_PAGE_SIZE - 1));
	struct uproc *u = &im->procs[im->cache[s]];
	struct addr_stack *f = &u->freed[order];

	op.size = im->uaddr[s] & ~(uint64_t)(MM_PAGE_SIZE - 1);
	op.align = 1u << order;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->a = mmb_xrealloc(f->a, f->cap * sizeof(*f->a));
	}
	f->a[f->n++] = op.size;
	mmb_slot_put(&im->slots, s);
	return emit_proc(im, &op, im->cache[s]);
}

/* Frees the object at key with the free matching its allocation. */
static int free_at(struct imp *im, struct mmb_imap *map, uint64_t key, unsigned order)
{
	struct mmb_op op = { 0 };
	uint32_t s;

	if (!mmb_imap_del(map, key, &s)) {
		im->p->import.skipped_free++;
		return 0;
	}
	if (im->kind[s] == OP_FAULT)
		return user_unmap(im, s);
	switch (im->kind[s]) {
	case OP_ALLOC_PAGES: op.kind = OP_FREE_PAGES; op.order = (uint8_t)order; break;
	case OP_CACHE_ALLOC: op.kind = OP_CACHE_FREE; op.cache = im->cache[s]; op.cseq = 1; break;
	case OP_CMA_ALLOC: op.kind = OP_CMA_RELEASE; op.cache = im->cache[s]; break;
	default: op.kind = OP_KFREE; break;
	}
	mmb_slot_put(&im->slots, s);
	return emit(im, &op, s);
}

/* ---- words ------------------------------------------------------------------- */

static int tokens(const char *s, const char *e, struct tok *t, int max)
{
	int n = 0;

	while (s < e && n < max) {
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s >= e)
			break;
		t[n].s = s;
		while (s < e && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		t[n].n = (size_t)(s - t[n].s);
		n++;
	}
	return n;
}

/* 1 + the value of each hex digit, 0 for anything else. */
static const unsigned char hexdigit[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Hex with an optional 0x, at most 16 digits. */
static int hexval(struct tok t, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	if (t.n > 2 && t.s[0] == '0' && (t.s[1] | 0x20) == 'x')
		i = 2;
	if (i == t.n || t.n - i > 16)
		return -1;
	for (; i < t.n; i++) {
		unsigned d = hexdigit[(unsigned char)t.s[i]];

		if (!d)
			return -1;
		x = x << 4 | (d - 1);
	}
	*v = x;
	return 0;
}

/* Decimal, or hex with 0x: -1 if malformed or above 2^64 - 1. */
static int num(struct tok t, uint64_t *v)
{
	uint64_t x = 0;

	if (!t.s || !t.n)
		return -1;
	if (t.n > 2 && t.s[0] == '0' && (t.s[1] | 0x20) == 'x')
		return hexval(t, v);
	for (size_t i = 0; i < t.n; i++) {
		uint64_t d = (uint64_t)(t.s[i] - '0');

		if (t.s[i] < '0' || t.s[i] > '9' || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* ---- mtrace ------------------------------------------------------------------- */

/* A size word of a trace: hex (mtrace) or decimal/hex (perf), at most
 * 2^63 (beyond it no allocation succeeds: the line is corrupt). */
static int trace_size(struct imp *im, struct tok t, const char *what, uint64_t *v, int hex)
{
	if (hex ? hexval(t, v) : num(t, v))
		return ierr(im, "bad %s '" MMB_WFMT "'", what, MMB_WARG(t.s, t.n));
	if (*v > MMB_SIZE_MAX)
		return ierr(im, "%s %llu is larger than 2^63 bytes: not an allocation that succeeded",
			    what, (unsigned long long)*v);
	return 0;
}

/* One mtrace event, decoded (the map work comes later, a batch at a time,
 * so that the hash slots it will touch are prefetched meanwhile). */
struct mtrace_ev {
	char op;                        /* + - < > ! */
	unsigned line;
	uint32_t site;                  /* the "@ caller" of an allocation, 0: none */
	uint64_t addr, size;
};

#define MTRACE_BATCH 32

struct mtrace_state {
	uint64_t pending;               /* address of the last `<` */
	int has_pending;
	struct mtrace_ev ev[MTRACE_BATCH];
	int nev;
};

/* Hex digits at *p (advanced past them) into *v: how many (0: none, or
 * more than 16). */
static size_t hex_run(const char **p, const char *e, uint64_t *v)
{
	const char *b = *p;
	uint64_t x = 0;
	unsigned d;

	while (*p < e && (d = hexdigit[(unsigned char)**p])) {
		x = x << 4 | (d - 1);
		++*p;
	}
	*v = x;
	return (size_t)(*p - b) <= 16 ? (size_t)(*p - b) : 0;
}

/* The common shapes, "+ 0xADDR 0xSIZE" (also >) and "- 0xADDR" (also <),
 * read without tokenizing the line: 1 when ev is filled, 0 for the general
 * path (which reports what is wrong). */
static int mtrace_fast(struct mtrace_ev *ev, const char *s, const char *e)
{
	const char *p = s + 4;
	int sized = s[0] == '+' || s[0] == '>';

	if (e - s < 5 || s[1] != ' ' || s[2] != '0' || s[3] != 'x' ||
	    !(sized || s[0] == '-' || s[0] == '<') || !hex_run(&p, e, &ev->addr))
		return 0;
	ev->size = 0;
	if (!sized)
		return p == e;
	if (e - p < 4 || p[0] != ' ' || p[1] != '0' || p[2] != 'x')
		return 0;
	p += 3;
	return hex_run(&p, e, &ev->size) && p == e && ev->size <= MMB_SIZE_MAX;
}

/* A line into ms->ev[] (or counted as ignored): 0, or -1 after a message. */
static int mtrace_decode(struct imp *im, struct mtrace_state *ms, const char *s, const char *e)
{
	struct mtrace_ev *ev = &ms->ev[ms->nev];
	struct tok t[16];
	int n, k = 0;

	if (mtrace_fast(ev, s, e)) {
		ev->op = s[0];
		ev->site = 0;
		ev->line = im->line;
		mmb_imap_prefetch(&im->ptrs, ev->addr);
		ms->nev++;
		return 0;
	}
	n = tokens(s, e, t, 16);
	if (!n)
		return 0;
	if (t[0].n == 1 && t[0].s[0] == '@')    /* "@ caller": find the event */
		for (k = 1; k < n && t[k].n != 1; k++)
			;
	if (k >= n || t[k].n != 1 || t[0].s[0] == '=' ||
	    (t[k].s[0] != '+' && t[k].s[0] != '-' && t[k].s[0] != '<' && t[k].s[0] != '>' &&
	     t[k].s[0] != '!')) {
		im->p->import.ignored++;
		return 0;
	}
	ev->op = t[k].s[0];
	ev->line = im->line;
	ev->site = 0;
	if (k > 1 && (ev->op == '+' || ev->op == '>'))  /* the caller: a call site */
		ev->site = mmb_prog_site(im->p, t[1].s, (size_t)(t[k - 1].s + t[k - 1].n - t[1].s));
	if (ev->op == '!') {
		ms->nev++;
		return 0;
	}
	if (k + 1 >= n || hexval(t[k + 1], &ev->addr) ||
	    ((ev->op == '+' || ev->op == '>') && k + 2 >= n))
		return ierr(im, ev->op == '+' || ev->op == '>' ? "mtrace: expected '%c ADDR SIZE'" :
			    "mtrace: expected '%c ADDR'", ev->op);
	if ((ev->op == '+' || ev->op == '>') && trace_size(im, t[k + 2], "size", &ev->size, 1))
		return -1;
	mmb_imap_prefetch(&im->ptrs, ev->addr);
	ms->nev++;
	return 0;
}

static int mtrace_apply(struct imp *im, struct mtrace_state *ms, const struct mtrace_ev *ev)
{
	struct mmb_prog *p = im->p;
	struct mmb_op op = { .size = ev->size, .flags = GFP_KERNEL, .site = ev->site };
	uint32_t slot;

	im->line = ev->line;
	switch (ev->op) {
	case '+':
	case '>':
		if (ev->op == '>' && ms->has_pending) {
			ms->has_pending = 0;
			if (mmb_imap_del(&im->ptrs, ms->pending, &slot)) {
				op.kind = OP_KREALLOC;
				mmb_imap_put(&im->ptrs, ev->addr, slot);
				return emit(im, &op, slot);
			}
			p->import.skipped_free++;
		}
		op.kind = OP_KMALLOC;
		return alloc_at(im, &im->ptrs, ev->addr, &op);
	case '-':
		if (!ev->addr) {
			p->import.null_free++;
			return 0;
		}
		return free_at(im, &im->ptrs, ev->addr, 0);
	case '<':
		ms->pending = ev->addr;
		ms->has_pending = 1;
		return 0;
	}
	p->import.failed_realloc++;             /* '!' */
	ms->has_pending = 0;
	return 0;
}

static int mtrace_flush(struct imp *im, struct mtrace_state *ms)
{
	int n = ms->nev;

	ms->nev = 0;
	for (int i = 0; i < n; i++)
		if (mtrace_apply(im, ms, &ms->ev[i]))
			return -1;
	return 0;
}

static int mtrace_line(struct imp *im, void *arg, const char *s, const char *e)
{
	struct mtrace_state *ms = arg;

	if (!s)                         /* the end of the input */
		return mtrace_flush(im, ms);
	return mtrace_decode(im, ms, s, e) || (ms->nev == MTRACE_BATCH && mtrace_flush(im, ms));
}

int mmb_import_mtrace(struct mmb_prog *p, struct mmb_input *in)
{
	struct mtrace_state ms = { 0 };

	return import_lines(p, in, mtrace_line, &ms);
}

/* ---- perf script ----------------------------------------------------------------- */

/* The value of key= among the fields, or {NULL, 0}. */
static struct tok field(const char *s, const char *e, const char *key)
{
	size_t kn = strlen(key);
	struct tok t = { NULL, 0 };

	for (const char *c = s; c + kn < e; c++) {
		if ((c == s || c[-1] == ' ') && !memcmp(c, key, kn) && c[kn] == '=') {
			t.s = c + kn + 1;
			for (t.n = 0; t.s + t.n < e && t.s[t.n] != ' ' && t.s[t.n] != '\r'; t.n++)
				;
			return t;
		}
	}
	return t;
}

static int get_gfp(struct imp *im, struct tok t, uint32_t *out)
{
	int created;
	struct mmb_map_ent *e;
	char err[200];
	gfp_t gfp;

	if (!t.s) {
		*out = GFP_KERNEL;
		return 0;
	}
	e = mmb_map_get(&im->gfps, t.s, t.n, &created);
	if (!created) {
		*out = e->val;
		return 0;
	}
	if (mm_gfp_parse(e->key, &gfp, err, sizeof(err)))
		return ierr(im, "bad gfp_flags '" MMB_WFMT "': %s", MMB_WARG(t.s, t.n), err);
	*out = e->val = gfp;
	return 0;
}

static int is_nil(struct tok t)
{
	uint64_t v;

	return !t.s || (t.n == 5 && !memcmp(t.s, "(nil)", 5)) || (!hexval(t, &v) && v == 0);
}


/* The cache of a kmem_cache_alloc, created on first sight (-1 after a
 * message: an object size outside 1..1G). */
static int trace_cache(struct imp *im, struct tok name, uint64_t req, uint64_t alloc,
		       uint32_t *slot)
{
	char buf[64];
	struct tok key = name;
	int created;
	struct mmb_map_ent *e;

	if (!key.s) {
		key.n = (size_t)snprintf(buf, sizeof(buf), "size-%llu", (unsigned long long)alloc);
		key.s = buf;
	}
	e = mmb_map_get(&im->caches, key.s, key.n, &created);
	if (created) {
		struct mmb_op op = { .kind = OP_CACHE_CREATE, .size = req ? req : alloc,
				     .cpu = (uint16_t)im->cpu, .line = im->line };

		if (!op.size || op.size > (1u << 30)) {
			e->val = UINT32_MAX;
			return ierr(im, "kmem_cache_alloc: object size %llu out of range (1..1G)",
				    (unsigned long long)op.size);
		}
		e->val = mmb_prog_cache(im->p, key.s, key.n);
		im->p->caches[e->val].size = op.size;
		op.handle = e->val;
		im->p->import.caches++;
		if (mmb_prog_add(im->p, &op))
			return -1;
	}
	if (e->val == UINT32_MAX)
		return ierr(im, "kmem_cache_alloc: cache '" MMB_WFMT "' was refused before",
			    MMB_WARG(key.s, key.n));
	*slot = e->val;
	return 0;
}

/* An optional size field: absent -1 (the event cannot be used), present and
 * good 0, present and bad -2 after a message. */
static int size_field(struct imp *im, const char *f, const char *e, const char *key, uint64_t *v)
{
	struct tok t = field(f, e, key);

	if (!t.s)
		return -1;
	return trace_size(im, t, key, v, 0) ? -2 : 0;
}

/* The order= field: absent -1, 0..MM_MAX_ORDER_LIMIT 0, else -2 after a message. */
static int order_field(struct imp *im, const char *f, const char *e, uint64_t *v)
{
	struct tok t = field(f, e, "order");

	if (!t.s)
		return -1;
	if (num(t, v) || *v > MM_MAX_ORDER_LIMIT)
		return ierr(im, "bad order '" MMB_WFMT "' (0..%d)", MMB_WARG(t.s, t.n),
			    MM_MAX_ORDER_LIMIT) - 1;
	return 0;
}

/* The call_site= of an event (a symbol+offset, or an address when perf
 * could not name it): its site id, 0 when absent. */
static uint32_t call_site(struct imp *im, const char *f, const char *e)
{
	struct tok t = field(f, e, "call_site");

	return t.s && t.n ? mmb_prog_site(im->p, t.s, t.n) : 0;
}

static int perf_event(struct imp *im, const char *ev, size_t evn, const char *f, const char *e)
{
	struct mmb_prog *p = im->p;
	struct mmb_op op = { 0 };
	uint64_t a, b, c;
	int r;

#define IS(name) (evn == strlen(name) && !memcmp(ev, name, evn))
	if (IS("kmalloc") || IS("kmalloc_node")) {
		struct tok ptr = field(f, e, "ptr");

		if (is_nil(ptr) || hexval(ptr, &a) || (r = size_field(im, f, e, "bytes_req", &b)) == -1) {
			p->import.ignored++;
			return 0;
		}
		if (r)
			return -1;
		op.kind = OP_KMALLOC;
		op.size = b;
		op.site = call_site(im, f, e);
		if (get_gfp(im, field(f, e, "gfp_flags"), &op.flags))
			return -1;
		return alloc_at(im, &im->ptrs, a, &op);
	} else if (IS("kmem_cache_alloc") || IS("kmem_cache_alloc_node")) {
		struct tok ptr = field(f, e, "ptr");

		if (is_nil(ptr) || hexval(ptr, &a) || (r = size_field(im, f, e, "bytes_alloc", &c)) == -1) {
			p->import.ignored++;
			return 0;
		}
		if (r || (r = size_field(im, f, e, "bytes_req", &b)) == -2)
			return -1;
		if (r)
			b = c;
		op.kind = OP_CACHE_ALLOC;
		if (get_gfp(im, field(f, e, "gfp_flags"), &op.flags) ||
		    trace_cache(im, field(f, e, "name"), b, c, &op.cache))
			return -1;
		op.size = p->caches[op.cache].size;
		op.cseq = 1;
		op.site = call_site(im, f, e);
		return alloc_at(im, &im->ptrs, a, &op);
	} else if (IS("kfree") || IS("kmem_cache_free")) {
		struct tok ptr = field(f, e, "ptr");

		if (is_nil(ptr))
			p->import.null_free++;
		else if (hexval(ptr, &a))
			return ierr(im, MMB_WFMT ": bad ptr '" MMB_WFMT "'", MMB_WARG(ev, evn),
				    MMB_WARG(ptr.s, ptr.n));
		else
			return free_at(im, &im->ptrs, a, 0);
	} else if (IS("mm_page_alloc")) {
		struct tok page = field(f, e, "page");

		if ((page.s && is_nil(page)) || num(field(f, e, "pfn"), &a) ||
		    (r = order_field(im, f, e, &b)) == -1) {
			p->import.ignored++;
			return 0;
		}
		if (r)
			return -1;
		op.kind = OP_ALLOC_PAGES;
		op.order = (uint8_t)b;
		if (get_gfp(im, field(f, e, "gfp_flags"), &op.flags))
			return -1;
		if ((op.flags & (__GFP_MOVABLE | __GFP_HARDWALL)) == (__GFP_MOVABLE | __GFP_HARDWALL))
			return user_fault(im, a, (unsigned)b);
		return alloc_at(im, &im->pfns, a, &op);
	} else if (IS("mm_page_free")) {
		if (num(field(f, e, "pfn"), &a) || (r = order_field(im, f, e, &b)) == -1) {
			p->import.ignored++;
			return 0;
		}
		if (r)
			return -1;
		return free_at(im, &im->pfns, a, (unsigned)b);
	} else if (IS("mm_page_free_batched")) {
		p->import.batched_dup++;
	} else if (IS("cma_alloc_finish")) {
		struct tok name = field(f, e, "name"), err = field(f, e, "errorno");

		if (!name.s || num(field(f, e, "pfn"), &a) || num(field(f, e, "count"), &b) ||
		    !b || b > UINT32_MAX || (err.s && !(err.n == 1 && err.s[0] == '0'))) {
			p->import.ignored++;
			return 0;
		}
		if (num(field(f, e, "align"), &c) || c > 31)
			c = 0;
		op.kind = OP_CMA_ALLOC;
		op.size = b;
		op.order = (uint8_t)c;
		op.cache = mmb_prog_area(p, &im->areas, name.s, name.n);
		return alloc_at(im, &im->cma, a, &op);
	} else if (IS("cma_release")) {
		if (num(field(f, e, "pfn"), &a)) {
			p->import.ignored++;
			return 0;
		}
		return free_at(im, &im->cma, a, 0);
	} else {
		p->import.ignored++;
	}
#undef IS
	return 0;
}

/* The [CPU] column: digits after '[' (out of range: CPU 0). */
static int perf_cpu(const char *s, const char *e)
{
	int cpu = 0;

	for (; s < e && *s >= '0' && *s <= '9'; s++) {
		cpu = cpu * 10 + (*s - '0');
		if (cpu >= MM_MAX_CPUS)
			return 0;
	}
	return cpu;
}

/* The PID: the digits ending before the [CPU] column at br (none: n 0). */
static struct tok perf_pid(const char *s, const char *br)
{
	struct tok t;
	const char *pe = br;

	while (pe > s && pe[-1] == ' ')
		pe--;
	for (t.s = pe; t.s > s && t.s[-1] >= '0' && t.s[-1] <= '9'; t.s--)
		;
	t.n = (size_t)(pe - t.s);
	return t;
}

/* "COMM PID [CPU] TIME: kmem:EVENT: FIELDS" (or cma:EVENT) */
static int perf_line(struct imp *im, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);
	const char *k = n > 6 ? memmem(s, n, " kmem:", 6) : NULL, *ev, *evend, *br, *f;

	if (!k && n > 5 && (k = memmem(s, n, " cma:", 5)))
		ev = k + 5;
	else
		ev = k + 6;
	if (!k) {
		if (n && s[0] != '#')
			im->p->import.ignored++;
		return 0;
	}
	evend = memchr(ev, ':', (size_t)(e - ev));
	if (!evend) {
		im->p->import.ignored++;
		return 0;
	}
	for (br = k; br > s && *br != '['; br--)
		;
	im->pid = *br == '[' ? perf_pid(s, br) : (struct tok){ NULL, 0 };
	if (*br == '[' && set_cpu(im, perf_cpu(br + 1, k)))
		return -1;
	for (f = evend + 1; f < e && *f == ' '; f++)
		;
	return perf_event(im, ev, (size_t)(evend - ev), f, e);
}

static int perf_each(struct imp *im, void *arg, const char *s, const char *e)
{
	(void)arg;
	return s ? perf_line(im, s, e) : 0;
}

int mmb_import_perf(struct mmb_prog *p, struct mmb_input *in)
{
	return import_lines(p, in, perf_each, NULL);
}
