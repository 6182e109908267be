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
 *                                    process of the line's PID, at the next
 *                                    free user address of that process
 *     mm_page_free                   pfn= order=                 -> free_pages
 *                                    (a user page's: unmap)
 *     mm_page_free_batched           repeats a page mm_page_free reported: counted
 *     anything else (rss_stat, mm_page_pcpu_drain, ...): counted as ignored
 * The [CPU] column picks the CPU (folded onto the machine's CPUs later).
 * A free names the object's own kind of free (kfree of a kmem_cache object
 * becomes cache_free, as the kernel allows).  ptr=(nil) frees are no-ops;
 * frees of objects allocated before the trace began are counted as skipped;
 * failed allocations (ptr=(nil), page=(nil)) are counted as ignored.
 * GFP words go through mm_gfp_parse(): an unknown one is an error
 * (FILE:LINE: message) so that missing names get noticed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

struct imp {
	struct mmb_prog *p;
	const char *file;
	unsigned line;
	struct mmb_imap ptrs;           /* object address -> handle slot */
	struct mmb_imap pfns;           /* first PFN -> handle slot */
	uint32_t *free_slots;           /* handle slots free for reuse */
	size_t nfree, free_cap;
	uint32_t *seq;                  /* per slot: operations so far (op.seq) */
	uint8_t *kind;                  /* per slot: the op that made it live */
	uint32_t *cache;                /* per slot: cache of a cache object */
	size_t slot_cap;
	struct mmb_map caches;          /* cache name -> cache slot */
	struct mmb_map gfps;            /* GFP text -> value */
	int cpu;
	/* user pages: faults of the process of their PID */
	struct tok_pid { const char *s; size_t n; } pid;  /* the line's PID */
	struct mmb_map pids;            /* PID -> process slot */
	uint64_t *ubump;                /* per process slot: next user address */
	uint32_t *pops;                 /* per process slot: operations (op.cseq) */
	size_t pcap;
	uint64_t *uaddr;                /* per handle slot: a user page's address */
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

static void imp_init(struct imp *im, struct mmb_prog *p, const char *file)
{
	memset(im, 0, sizeof(*im));
	im->p = p;
	im->file = file;
	mmb_imap_init(&im->ptrs);
	mmb_imap_init(&im->pfns);
	mmb_map_init(&im->caches);
	mmb_map_init(&im->gfps);
	mmb_map_init(&im->pids);
}

static void imp_done(struct imp *im)
{
	mmb_imap_free(&im->ptrs);
	mmb_imap_free(&im->pfns);
	mmb_map_free(&im->caches);
	mmb_map_free(&im->gfps);
	free(im->free_slots);
	free(im->seq);
	free(im->kind);
	free(im->cache);
	mmb_map_free(&im->pids);
	free(im->ubump);
	free(im->pops);
	free(im->uaddr);
}

static void set_cpu(struct imp *im, int cpu)
{
	if (cpu != im->cpu) {
		struct mmb_op op = { .kind = OP_CPU, .cpu = (uint16_t)cpu, .line = im->line };

		im->cpu = cpu;
		mmb_prog_add(im->p, &op);
	}
}

static uint32_t new_slot(struct imp *im)
{
	uint32_t s;

	if (im->nfree)
		return im->free_slots[--im->nfree];
	s = im->p->nhandles++;
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

static void put_slot(struct imp *im, uint32_t s)
{
	if (im->nfree == im->free_cap) {
		im->free_cap = im->free_cap ? im->free_cap * 2 : 1024;
		im->free_slots = mmb_xrealloc(im->free_slots, im->free_cap * sizeof(uint32_t));
	}
	im->free_slots[im->nfree++] = s;
}

/* Emits op on slot s (seq filled in). */
static void emit(struct imp *im, struct mmb_op *op, uint32_t s)
{
	op->handle = s;
	op->seq = im->seq[s]++;
	op->cpu = (uint16_t)im->cpu;
	op->line = im->line;
	mmb_prog_add(im->p, op);
	im->p->import.events++;
}

/* A new object at key in map: a fresh slot holding it. */
static void alloc_at(struct imp *im, struct mmb_imap *map, uint64_t key, struct mmb_op *op)
{
	uint32_t *old = mmb_imap_find(map, key), s = new_slot(im);

	(void)old;      /* a free the trace missed: the old object leaks, as it did */
	im->kind[s] = op->kind;
	if (op->kind == OP_CACHE_ALLOC)
		im->cache[s] = op->cache;
	emit(im, op, s);
	mmb_imap_put(map, key, s);
}

/* A process operation (fault/unmap) of process slot ps. */
static void emit_proc(struct imp *im, struct mmb_op *op, uint32_t ps)
{
	op->handle = ps;
	op->cseq = im->pops[ps]++;
	op->cpu = (uint16_t)im->cpu;
	op->line = im->line;
	mmb_prog_add(im->p, op);
	im->p->import.events++;
}

/* A user page at pfn: a fault of the line's process at its next user
 * address aligned to the folio (addresses are not reused). */
static void user_fault(struct imp *im, uint64_t pfn, unsigned order)
{
	struct mmb_op op = { .kind = OP_FAULT, .order = (uint8_t)order };
	struct mmb_map_ent *e;
	uint64_t size = MM_PAGE_SIZE << order;
	uint32_t ps, s;
	int created;

	e = mmb_map_get(&im->pids, im->pid.s ? im->pid.s : "0", im->pid.s ? im->pid.n : 1,
			&created);
	if (created) {
		e->val = mmb_prog_proc(im->p, e->key, e->klen);
		if (e->val >= im->pcap) {
			size_t old = im->pcap;

			im->pcap = im->pcap ? im->pcap * 2 : 64;
			im->ubump = mmb_xrealloc(im->ubump, im->pcap * sizeof(*im->ubump));
			im->pops = mmb_xrealloc(im->pops, im->pcap * sizeof(*im->pops));
			memset(im->ubump + old, 0, (im->pcap - old) * sizeof(*im->ubump));
			memset(im->pops + old, 0, (im->pcap - old) * sizeof(*im->pops));
		}
	}
	ps = e->val;
	op.size = (im->ubump[ps] + size - 1) & ~(size - 1);
	im->ubump[ps] = op.size + size;
	emit_proc(im, &op, ps);
	s = new_slot(im);
	im->kind[s] = OP_FAULT;
	im->cache[s] = ps;
	im->uaddr[s] = op.size;
	mmb_imap_put(&im->pfns, pfn, s);
	im->p->import.user_pages++;
}

/* Frees the object at key with the free matching its allocation. */
static void free_at(struct imp *im, struct mmb_imap *map, uint64_t key, unsigned order)
{
	struct mmb_op op = { 0 };
	uint32_t s;

	if (!mmb_imap_del(map, key, &s)) {
		im->p->import.skipped_free++;
		return;
	}
	if (im->kind[s] == OP_FAULT) {          /* a user page: unmap it */
		op.kind = OP_UNMAP;
		op.size = im->uaddr[s];
		op.align = 1u << order;
		emit_proc(im, &op, im->cache[s]);
		put_slot(im, s);
		return;
	}
	switch (im->kind[s]) {
	case OP_ALLOC_PAGES: op.kind = OP_FREE_PAGES; op.order = (uint8_t)order; break;
	case OP_CACHE_ALLOC: op.kind = OP_CACHE_FREE; op.cache = im->cache[s]; op.cseq = 1; break;
	default: op.kind = OP_KFREE; break;
	}
	emit(im, &op, s);
	put_slot(im, s);
}

/* ---- words ------------------------------------------------------------------- */

struct tok { const char *s; size_t n; };

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

static int hexval(struct tok t, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	if (t.n > 2 && t.s[0] == '0' && (t.s[1] | 0x20) == 'x')
		i = 2;
	if (i == t.n || t.n - i > 16)
		return -1;
	for (; i < t.n; i++) {
		char c = t.s[i];

		if (c >= '0' && c <= '9')
			x = x * 16 + (uint64_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			x = x * 16 + (uint64_t)((c | 0x20) - 'a' + 10);
		else
			return -1;
	}
	*v = x;
	return 0;
}

static const char *line_end(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));

	return nl ? nl : end;
}

/* ---- mtrace ------------------------------------------------------------------- */

int mmb_import_mtrace(struct mmb_prog *p, const char *file, const char *text, size_t len)
{
	struct imp im;
	const char *s = text, *end = text + len;
	uint64_t pending = 0;
	int has_pending = 0, ret = 0;

	imp_init(&im, p, file);
	while (s < end && !ret) {
		const char *e = line_end(s, end);
		struct tok t[16];
		int n = tokens(s, e, t, 16), k = 0;
		uint64_t addr, size;

		im.line++;
		p->lines++;
		s = e < end ? e + 1 : e;
		if (!n)
			continue;
		if (t[0].n == 1 && t[0].s[0] == '@')    /* "@ caller": find the event */
			for (k = 1; k < n && t[k].n != 1; k++)
				;
		if (k >= n || t[k].n != 1 || t[0].s[0] == '=') {
			p->import.ignored++;
			continue;
		}
		switch (t[k].s[0]) {
		case '+':
		case '>':
			if (k + 2 >= n || hexval(t[k + 1], &addr) || hexval(t[k + 2], &size)) {
				ret = ierr(&im, "mtrace: expected '%c ADDR SIZE'", t[k].s[0]);
				break;
			}
			if (t[k].s[0] == '>' && has_pending) {
				uint32_t slot;

				has_pending = 0;
				if (mmb_imap_del(&im.ptrs, pending, &slot)) {
					struct mmb_op op = { .kind = OP_KREALLOC, .size = size,
							     .flags = GFP_KERNEL };

					emit(&im, &op, slot);
					mmb_imap_put(&im.ptrs, addr, slot);
					break;
				}
				p->import.skipped_free++;
			}
			{
				struct mmb_op op = { .kind = OP_KMALLOC, .size = size,
						     .flags = GFP_KERNEL };

				alloc_at(&im, &im.ptrs, addr, &op);
			}
			break;
		case '-':
			if (k + 1 >= n || hexval(t[k + 1], &addr)) {
				ret = ierr(&im, "mtrace: expected '- ADDR'");
				break;
			}
			if (!addr)
				p->import.null_free++;
			else
				free_at(&im, &im.ptrs, addr, 0);
			break;
		case '<':
			if (k + 1 >= n || hexval(t[k + 1], &pending)) {
				ret = ierr(&im, "mtrace: expected '< ADDR'");
				break;
			}
			has_pending = 1;
			break;
		case '!':
			p->import.failed_realloc++;
			has_pending = 0;
			break;
		default:
			p->import.ignored++;
		}
	}
	imp_done(&im);
	return ret;
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
		return ierr(im, "bad gfp_flags '%.*s': %s", (int)t.n, t.s, err);
	*out = e->val = gfp;
	return 0;
}

static int is_nil(struct tok t)
{
	uint64_t v;

	return !t.s || (t.n == 5 && !memcmp(t.s, "(nil)", 5)) || (!hexval(t, &v) && v == 0);
}

static int num(struct tok t, uint64_t *v)
{
	uint64_t x = 0;

	if (!t.s || !t.n)
		return -1;
	if (t.n > 2 && t.s[0] == '0' && (t.s[1] | 0x20) == 'x')
		return hexval(t, v);
	for (size_t i = 0; i < t.n; i++) {
		if (t.s[i] < '0' || t.s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(t.s[i] - '0');
	}
	*v = x;
	return 0;
}

static uint32_t trace_cache(struct imp *im, struct tok name, uint64_t req, uint64_t alloc)
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

		e->val = mmb_prog_cache(im->p, key.s, key.n);
		im->p->caches[e->val].size = op.size;
		op.handle = e->val;
		mmb_prog_add(im->p, &op);
		im->p->import.caches++;
	}
	return e->val;
}

static int perf_event(struct imp *im, const char *ev, size_t evn, const char *f, const char *e)
{
	struct mmb_prog *p = im->p;
	struct mmb_op op = { 0 };
	uint64_t a, b, c;

#define IS(name) (evn == strlen(name) && !memcmp(ev, name, evn))
	if (IS("kmalloc") || IS("kmalloc_node")) {
		struct tok ptr = field(f, e, "ptr");

		if (is_nil(ptr) || hexval(ptr, &a) || num(field(f, e, "bytes_req"), &b)) {
			p->import.ignored++;
			return 0;
		}
		op.kind = OP_KMALLOC;
		op.size = b;
		if (get_gfp(im, field(f, e, "gfp_flags"), &op.flags))
			return -1;
		alloc_at(im, &im->ptrs, a, &op);
	} else if (IS("kmem_cache_alloc") || IS("kmem_cache_alloc_node")) {
		struct tok ptr = field(f, e, "ptr");

		if (is_nil(ptr) || hexval(ptr, &a) || num(field(f, e, "bytes_alloc"), &c)) {
			p->import.ignored++;
			return 0;
		}
		if (num(field(f, e, "bytes_req"), &b))
			b = c;
		op.kind = OP_CACHE_ALLOC;
		if (get_gfp(im, field(f, e, "gfp_flags"), &op.flags))
			return -1;
		op.cache = trace_cache(im, field(f, e, "name"), b, c);
		op.size = p->caches[op.cache].size;
		op.cseq = 1;
		alloc_at(im, &im->ptrs, a, &op);
	} else if (IS("kfree") || IS("kmem_cache_free")) {
		struct tok ptr = field(f, e, "ptr");

		if (is_nil(ptr))
			p->import.null_free++;
		else if (hexval(ptr, &a))
			return ierr(im, "%.*s: bad ptr '%.*s'", (int)evn, ev, (int)ptr.n, ptr.s);
		else
			free_at(im, &im->ptrs, a, 0);
	} else if (IS("mm_page_alloc")) {
		struct tok page = field(f, e, "page");

		if ((page.s && is_nil(page)) || num(field(f, e, "pfn"), &a) ||
		    num(field(f, e, "order"), &b) || b > MM_MAX_ORDER_LIMIT) {
			p->import.ignored++;
			return 0;
		}
		op.kind = OP_ALLOC_PAGES;
		op.order = (uint8_t)b;
		if (get_gfp(im, field(f, e, "gfp_flags"), &op.flags))
			return -1;
		if ((op.flags & (__GFP_MOVABLE | __GFP_HARDWALL)) == (__GFP_MOVABLE | __GFP_HARDWALL))
			user_fault(im, a, (unsigned)b);
		else
			alloc_at(im, &im->pfns, a, &op);
	} else if (IS("mm_page_free")) {
		if (num(field(f, e, "pfn"), &a) || num(field(f, e, "order"), &b)) {
			p->import.ignored++;
			return 0;
		}
		free_at(im, &im->pfns, a, (unsigned)b);
	} else if (IS("mm_page_free_batched")) {
		p->import.batched_dup++;
	} else {
		p->import.ignored++;
	}
#undef IS
	return 0;
}

int mmb_import_perf(struct mmb_prog *p, const char *file, const char *text, size_t len)
{
	struct imp im;
	const char *s = text, *end = text + len;
	int ret = 0;

	imp_init(&im, p, file);
	while (s < end && !ret) {
		const char *e = line_end(s, end), *k, *ev, *evend, *br;
		size_t n = (size_t)(e - s);

		im.line++;
		p->lines++;
		/* "COMM PID [CPU] TIME: kmem:EVENT: FIELDS" */
		k = n > 6 ? memmem(s, n, " kmem:", 6) : NULL;
		if (!k) {
			if (n && s[0] != '#')
				p->import.ignored++;
			s = e < end ? e + 1 : e;
			continue;
		}
		ev = k + 6;
		evend = memchr(ev, ':', (size_t)(e - ev));
		if (!evend) {
			p->import.ignored++;
			s = e < end ? e + 1 : e;
			continue;
		}
		for (br = k; br > s && *br != '['; br--)
			;
		if (*br == '[') {
			int cpu = atoi(br + 1);
			const char *pe = br;

			set_cpu(&im, cpu >= 0 && cpu < MM_MAX_CPUS ? cpu : 0);
			/* "COMM PID [CPU]": the PID ends before the bracket */
			while (pe > s && pe[-1] == ' ')
				pe--;
			im.pid.s = pe;
			while (im.pid.s > s && im.pid.s[-1] >= '0' && im.pid.s[-1] <= '9')
				im.pid.s--;
			im.pid.n = (size_t)(pe - im.pid.s);
			if (!im.pid.n)
				im.pid.s = NULL;
		}
		const char *f = evend + 1;
		while (f < e && *f == ' ')
			f++;
		ret = perf_event(&im, ev, (size_t)(evend - ev), f, e);
		s = e < end ? e + 1 : e;
	}
	imp_done(&im);
	return ret;
}
