// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/parse.c - the workload language into a program (workload.h).
 *
 *   machine cpus=2 NORMAL=256M          optional, before any operation
 *   cpu N                               following operations run as CPU N
 *   alloc_pages h ORDER [GFP]           free_pages h [ORDER]
 *   kmalloc h SIZE [GFP]                krealloc h SIZE [GFP]; kfree h
 *   cache_create C SIZE [ALIGN] [FLAGS] cache_alloc h C [GFP]; cache_free h;
 *                                       cache_destroy C
 *   vmalloc h SIZE                      vfree h
 *   fault P ADDR [ORDER]                a page fault of process P (made at its
 *                                       first fault) at user address ADDR;
 *   unmap P ADDR LEN                    pin P ADDR [longterm]; unpin P ADDR
 *   compact [NODE]                      vm.compact_memory, or one node's
 *   repeat N [VAR] {                    body N times; $VAR (default $i, also
 *   }                                   ${VAR}) in any word is the iteration
 *                                       number 0..N-1; repeats nest, an inner
 *                                       one shadows an outer variable of the
 *                                       same name
 *   # comment (anywhere on a line)      sizes: 4096, 4K, 2M, 1G, 0x1000
 *   OP ... @SITE                        optional last word of an operation:
 *                                       its call site (any word; $VAR
 *                                       expands), what page_owner and
 *                                       allocinfo attribute it to
 *
 * The parser simulates every handle and cache as it goes (state tables below),
 * so using a handle that is not live, allocating into a live one, freeing
 * with the wrong kind of free, or destroying a cache with live objects is an
 * error at parse time: "FILE:LINE: message" on stderr, and nothing runs.
 * What only the run can know (an allocation failed, so its handle holds
 * nothing) is counted by the replayer as `skipped`.
 *
 * Input comes line by line (input.c); a repeat's body is kept (up to
 * REPEAT_BODY_MAX bytes) and re-read per iteration, words located in place;
 * only words holding a `$` are copied (expanded).  A body without a single
 * operation in it (blank, comments, empty repeats) is read once, not N
 * times.  Work (lines read plus iterations) is capped: a workload cannot
 * make the parser run forever.
 *
 * Memory: a handle name lives in the name map while its object does; a
 * freed name is remembered (for "freed at line N") until dead names
 * outnumber live ones (and DEAD_NAMES_MIN), then forgotten.  Handle slots
 * are reused (prog.c), so the tables hold what is live, not what the file
 * ever named.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

/* Caps that keep hostile input (and the fuzzer) bounded. */
size_t mmb_parse_max_ops = SIZE_MAX;
unsigned long mmb_parse_max_lines = 500ul * 1000 * 1000;

#define MAX_WORDS 12
#define MAX_DEPTH 16
#define EXPAND_MAX 4096
#define REPEAT_BODY_MAX (64u << 20)
#define DEAD_NAMES_MIN 65536

struct word { const char *s; size_t n; };

/* What a handle holds at this point of the file. */
enum { HK_NONE, HK_PAGES, HK_KMALLOC, HK_CACHE, HK_VMALLOC, HK_CMA, HK_CONTIG };

/* Parse-time state of a handle slot. */
struct hstate {
	uint8_t  kind;          /* HK_*: HK_NONE = not live */
	uint8_t  order;         /* alloc_pages order */
	uint32_t cache;         /* cache_alloc: the cache slot; cma_alloc: the area slot */
	uint32_t nops;          /* operations on the slot so far (op.seq) */
	uint32_t line;          /* line of the last allocation or free */
};

/* Parse-time state of a cache slot. */
struct cstate {
	uint8_t  live;
	uint32_t nops;          /* operations on the slot so far */
	uint32_t created_at;    /* nops right after its cache_create */
	uint32_t objs;          /* live objects */
	uint32_t line;          /* line of the create or destroy */
};

struct var { const char *name; size_t len; unsigned long val; };

struct pstate {
	struct mmb_prog *p;
	const char *file;
	struct mmb_input *in;
	struct mmb_map names, cnames, gfps, pnames, anames;
	uint32_t *pops;                /* per process slot: operations so far (op.cseq) */
	size_t pcap;
	struct mmb_map_ent *cur;        /* the name of the handle being used */
	struct mmb_slots slots;         /* free handle slots */
	unsigned long live_names, dead_names;
	int forgot;                     /* dead names were forgotten */
	struct hstate *hs;              /* [nhandles] */
	size_t hcap;
	struct cstate *cs;
	size_t ccap;
	int cpu;                /* CPU of the following operations */
	int seen_op;            /* an operation came before (machine line) */
	uint32_t site;          /* the current line's @SITE (0: none) */
	struct var vars[MAX_DEPTH];
	int nvars;
	unsigned long work;     /* lines read and iterations, repeats included */
	unsigned line;          /* current line number */
	char *body;             /* a top-level repeat's body text */
	size_t body_len, body_cap;
	char exp[MAX_WORDS][EXPAND_MAX];
};

static int perr(struct pstate *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct pstate *ps, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: ", ps->file, ps->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ps->nvars) {
		fprintf(stderr, " (");
		for (int i = 0; i < ps->nvars; i++)
			fprintf(stderr, "%s$" MMB_WFMT "=%lu", i ? ", " : "",
				MMB_WARG(ps->vars[i].name, ps->vars[i].len), ps->vars[i].val);
		fprintf(stderr, ")");
	}
	fputc('\n', stderr);
	return -1;
}

static int weq(struct word w, const char *lit)
{
	size_t n = strlen(lit);

	return w.n == n && !memcmp(w.s, lit, n);
}

/* ---- numbers ----------------------------------------------------------- */

int mmb_parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	size_t i = 0, digits = 0;
	int base = 10;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < len; i++) {
		int d;
		unsigned char c = (unsigned char)s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (!digits)
		return -1;
	if (i < len) {
		switch (s[i] | 0x20) {
		case 'k': mult = 1ull << 10; break;
		case 'm': mult = 1ull << 20; break;
		case 'g': mult = 1ull << 30; break;
		case 't': mult = 1ull << 40; break;
		default: return -1;
		}
		i++;
		if (i < len && (s[i] | 0x20) == 'b')   /* 4KB, 4kb */
			i++;
		if (i != len || base == 16)
			return -1;
		if (v > UINT64_MAX / mult)
			return -1;
		v *= mult;
	}
	*out = v;
	return 0;
}

static int parse_uint(struct word w, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!w.n || w.n > 19)
		return -1;
	for (size_t i = 0; i < w.n; i++) {
		if (w.s[i] < '0' || w.s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(w.s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---- words --------------------------------------------------------------- */

/* Expands $VAR / ${VAR} in w (in place when it holds no '$'). */
static int expand(struct pstate *ps, struct word *w, int slot)
{
	char *buf = ps->exp[slot];
	size_t o = 0;

	if (!memchr(w->s, '$', w->n))
		return 0;
	for (size_t i = 0; i < w->n;) {
		if (w->s[i] != '$') {
			if (o >= EXPAND_MAX - 1)
				return perr(ps, "word too long after expansion");
			buf[o++] = w->s[i++];
			continue;
		}
		size_t b = ++i, e;
		int brace = i < w->n && w->s[i] == '{';
		if (brace)
			b = ++i;
		for (e = b; e < w->n && (isalnum((unsigned char)w->s[e]) || w->s[e] == '_'); e++)
			;
		if (e == b)
			return perr(ps, "'$' not followed by a variable name in '" MMB_WFMT "'",
				    MMB_WARG(w->s, w->n));
		if (brace && (e >= w->n || w->s[e] != '}'))
			return perr(ps, "missing '}' after '${" MMB_WFMT "'", MMB_WARG(w->s + b, e - b));
		int k;
		for (k = ps->nvars - 1; k >= 0; k--)
			if (ps->vars[k].len == e - b && !memcmp(ps->vars[k].name, w->s + b, e - b))
				break;
		if (k < 0)
			return perr(ps, "unknown variable $" MMB_WFMT " (no enclosing repeat binds it)",
				    MMB_WARG(w->s + b, e - b));
		if (o + 24 >= EXPAND_MAX)
			return perr(ps, "word too long after expansion");
		o += (size_t)sprintf(buf + o, "%lu", ps->vars[k].val);
		i = e + (size_t)brace;
	}
	w->s = buf;
	w->n = o;
	return 0;
}

/* Splits one line into words (a '#' starts a comment).  -1 on too many. */
static int split(struct pstate *ps, const char *s, const char *end, struct word *w, int *nw)
{
	int n = 0;

	while (s < end) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' || *s == '\v'))
			s++;
		if (s >= end || *s == '#')
			break;
		const char *b = s;
		while (s < end && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#' &&
		       *s != '\f' && *s != '\v')
			s++;
		if (n == MAX_WORDS)
			return perr(ps, "too many words on one line (at most %d)", MAX_WORDS);
		w[n].s = b;
		w[n].n = (size_t)(s - b);
		n++;
	}
	*nw = n;
	return 0;
}

/* ---- slots --------------------------------------------------------------- */

static uint32_t cache_slot(struct pstate *ps, struct word w)
{
	int created;
	struct mmb_map_ent *e = mmb_map_get(&ps->cnames, w.s, w.n, &created);

	if (created) {
		e->val = mmb_prog_cache(ps->p, w.s, w.n);
		if (e->val >= ps->ccap) {
			ps->ccap = ps->ccap ? ps->ccap * 2 : 64;
			ps->cs = mmb_xrealloc(ps->cs, ps->ccap * sizeof(*ps->cs));
		}
		memset(&ps->cs[e->val], 0, sizeof(*ps->cs));
	}
	return e->val;
}

static int parse_gfp(struct pstate *ps, struct word w, uint32_t *out)
{
	int created;
	struct mmb_map_ent *e = mmb_map_get(&ps->gfps, w.s, w.n, &created);
	char err[200];
	gfp_t gfp;

	if (!created) {
		*out = e->val;
		return 0;
	}
	if (mm_gfp_parse(e->key, &gfp, err, sizeof(err))) {
		e->val = UINT32_MAX;
		return perr(ps, "bad GFP flags '" MMB_WFMT "': %s", MMB_WARG(w.s, w.n), err);
	}
	e->val = *out = gfp;
	return 0;
}

static const char *kind_text(int kind)
{
	switch (kind) {
	case HK_PAGES: return "pages (alloc_pages)";
	case HK_KMALLOC: return "a kmalloc object";
	case HK_CACHE: return "a cache object (cache_alloc)";
	case HK_VMALLOC: return "a vmalloc area";
	case HK_CMA: return "CMA pages (cma_alloc)";
	case HK_CONTIG: return "contiguous pages (contig_alloc)";
	}
	return "nothing";
}

/* The handle must not be live: it is about to be allocated. */
static int want_dead(struct pstate *ps, struct word w, uint32_t *slot)
{
	int created, fresh;
	struct mmb_map_ent *e = mmb_map_get(&ps->names, w.s, w.n, &created);

	if (e->val != UINT32_MAX)
		return perr(ps, "handle '" MMB_WFMT "' is already live (%s from line %u)",
			    MMB_WARG(w.s, w.n), kind_text(ps->hs[e->val].kind), ps->hs[e->val].line);
	if (!created)
		ps->dead_names--;
	ps->live_names++;
	*slot = e->val = mmb_slot_get(&ps->slots, ps->p, &fresh);
	if (*slot >= ps->hcap) {
		ps->hcap = ps->hcap ? ps->hcap * 2 : 1024;
		ps->hs = mmb_xrealloc(ps->hs, ps->hcap * sizeof(*ps->hs));
	}
	if (fresh)
		memset(&ps->hs[*slot], 0, sizeof(*ps->hs));
	ps->cur = e;
	return 0;
}

/* The handle must hold an object made by `kind`. */
static int want_live(struct pstate *ps, struct word w, int kind, const char *op, uint32_t *slot)
{
	struct mmb_map_ent *e = mmb_map_find(&ps->names, w.s, w.n);
	struct hstate *h;

	if (!e && ps->forgot)
		return perr(ps, "%s: handle '" MMB_WFMT "' is not live (never allocated, or freed "
			    "long before)", op, MMB_WARG(w.s, w.n));
	if (!e)
		return perr(ps, "%s: handle '" MMB_WFMT "' was never allocated", op, MMB_WARG(w.s, w.n));
	if (e->val == UINT32_MAX)
		return perr(ps, "%s: handle '" MMB_WFMT "' is not live (freed at line %u)", op,
			    MMB_WARG(w.s, w.n), e->aux);
	*slot = e->val;
	h = &ps->hs[*slot];
	if (h->kind != kind)
		return perr(ps, "%s: handle '" MMB_WFMT "' holds %s (line %u), not %s", op,
			    MMB_WARG(w.s, w.n), kind_text(h->kind), h->line, kind_text(kind));
	ps->cur = e;
	return 0;
}

static int keep_live_name(const struct mmb_map_ent *e)
{
	return e->val != UINT32_MAX;
}

static int emit(struct pstate *ps, struct mmb_op *op)
{
	if (ps->p->total >= mmb_parse_max_ops)
		return perr(ps, "workload too large (more than %zu operations)", mmb_parse_max_ops);
	op->cpu = (uint16_t)ps->cpu;
	op->line = ps->line;
	op->site = ps->site;
	ps->seen_op = 1;
	return mmb_prog_add(ps->p, op);
}

/* Records an operation on handle slot s (named by ps->cur), which then
 * holds `kind` (HK_*); HK_NONE frees the slot and the name. */
static int emit_h(struct pstate *ps, struct mmb_op *op, uint32_t s, int kind)
{
	op->handle = s;
	op->seq = ps->hs[s].nops++;
	ps->hs[s].kind = (uint8_t)kind;
	ps->hs[s].line = ps->line;
	if (kind == HK_NONE) {
		mmb_slot_put(&ps->slots, s);
		ps->cur->val = UINT32_MAX;
		ps->cur->aux = ps->line;
		ps->live_names--;
		if (++ps->dead_names > DEAD_NAMES_MIN && ps->dead_names > ps->live_names) {
			mmb_map_filter(&ps->names, keep_live_name);
			ps->dead_names = 0;
			ps->forgot = 1;
		}
	}
	return emit(ps, op);
}

/* ---- operations ------------------------------------------------------------ */

static int nargs(struct pstate *ps, struct word *w, int nw, int min, int max, const char *usage)
{
	if (nw - 1 < min || nw - 1 > max)
		return perr(ps, MMB_WFMT ": expected %s (got %d argument%s)", MMB_WARG(w[0].s, w[0].n),
			    usage, nw - 1, nw == 2 ? "" : "s");
	return 0;
}

static int get_size(struct pstate *ps, struct word w, const char *what, uint64_t *out)
{
	if (mmb_parse_size(w.s, w.n, out))
		return perr(ps, "bad %s '" MMB_WFMT "' (a number of bytes, optionally with K, M or G)",
			    what, MMB_WARG(w.s, w.n));
	if (*out > MMB_SIZE_MAX)
		return perr(ps, "%s %llu is larger than 2^63 bytes", what, (unsigned long long)*out);
	return 0;
}

static int get_gfp(struct pstate *ps, struct word *w, int nw, int idx, uint32_t *gfp)
{
	*gfp = GFP_KERNEL;
	return nw > idx ? parse_gfp(ps, w[idx], gfp) : 0;
}

static int op_alloc_pages(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_ALLOC_PAGES };
	unsigned long order;
	uint32_t s;

	if (nargs(ps, w, nw, 2, 3, "HANDLE ORDER [GFP]"))
		return -1;
	if (parse_uint(w[2], MM_MAX_ORDER_LIMIT, &order))
		return perr(ps, "bad order '" MMB_WFMT "' (0..%d)", MMB_WARG(w[2].s, w[2].n), MM_MAX_ORDER_LIMIT);
	if (get_gfp(ps, w, nw, 3, &op.flags) || want_dead(ps, w[1], &s))
		return -1;
	op.order = (uint8_t)order;
	ps->hs[s].order = (uint8_t)order;
	return emit_h(ps, &op, s, HK_PAGES);
}

static int op_free_pages(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_FREE_PAGES };
	unsigned long order;
	uint32_t s;

	if (nargs(ps, w, nw, 1, 2, "HANDLE [ORDER]") ||
	    want_live(ps, w[1], HK_PAGES, "free_pages", &s))
		return -1;
	order = ps->hs[s].order;
	if (nw > 2 && parse_uint(w[2], MM_MAX_ORDER_LIMIT, &order))
		return perr(ps, "bad order '" MMB_WFMT "' (0..%d)", MMB_WARG(w[2].s, w[2].n), MM_MAX_ORDER_LIMIT);
	op.order = (uint8_t)order;
	return emit_h(ps, &op, s, 0);
}

static int op_kmalloc(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_KMALLOC };
	uint32_t s;

	if (nargs(ps, w, nw, 2, 3, "HANDLE SIZE [GFP]") || get_size(ps, w[2], "size", &op.size) ||
	    get_gfp(ps, w, nw, 3, &op.flags) || want_dead(ps, w[1], &s))
		return -1;
	return emit_h(ps, &op, s, HK_KMALLOC);
}

static int op_krealloc(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_KREALLOC };
	uint32_t s;

	if (nargs(ps, w, nw, 2, 3, "HANDLE SIZE [GFP]") || get_size(ps, w[2], "size", &op.size) ||
	    get_gfp(ps, w, nw, 3, &op.flags) || want_live(ps, w[1], HK_KMALLOC, "krealloc", &s))
		return -1;
	return emit_h(ps, &op, s, HK_KMALLOC);
}

static int op_kfree(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_KFREE };
	uint32_t s;

	if (nargs(ps, w, nw, 1, 1, "HANDLE") || want_live(ps, w[1], HK_KMALLOC, "kfree", &s))
		return -1;
	return emit_h(ps, &op, s, 0);
}

static int op_cache_create(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_CACHE_CREATE };
	uint64_t align = 0;
	int i = 3;
	uint32_t c;
	char err[200];

	if (nargs(ps, w, nw, 2, 4, "CACHE SIZE [ALIGN] [FLAGS]") ||
	    get_size(ps, w[2], "object size", &op.size))
		return -1;
	if (op.size == 0 || op.size > (1u << 30))
		return perr(ps, "object size %llu out of range (1..1G)", (unsigned long long)op.size);
	if (nw > i && w[i].s[0] >= '0' && w[i].s[0] <= '9') {
		if (get_size(ps, w[i], "alignment", &align))
			return -1;
		if (align & (align - 1) || align > 1u << 20)
			return perr(ps, "alignment %llu is not a power of two up to 1M",
				    (unsigned long long)align);
		i++;
	}
	if (nw > i) {
		char *txt = mmb_xstrndup(w[i].s, w[i].n);
		slab_flags_t flags = 0;
		int r = mm_slab_flags_parse(txt, &flags, err, sizeof(err));

		op.flags = flags;

		free(txt);
		if (r)
			return perr(ps, "bad slab flags '" MMB_WFMT "': %s", MMB_WARG(w[i].s, w[i].n), err);
		i++;
	}
	if (i < nw)
		return perr(ps, "cache_create: unexpected '" MMB_WFMT "' (ALIGN comes before FLAGS)",
			    MMB_WARG(w[i].s, w[i].n));
	c = cache_slot(ps, w[1]);
	struct cstate *cs = &ps->cs[c];
	if (cs->live)
		return perr(ps, "cache '" MMB_WFMT "' already exists (created at line %u)", MMB_WARG(w[1].s, w[1].n), cs->line);
	op.handle = c;
	op.align = (uint32_t)align;
	op.cseq = cs->nops++;
	cs->created_at = cs->nops;
	cs->live = 1;
	cs->line = ps->line;
	ps->p->caches[c].size = op.size;
	cs->objs = 0;
	return emit(ps, &op);
}

static int want_cache(struct pstate *ps, struct word w, const char *op, uint32_t *c)
{
	int created;
	struct mmb_map_ent *e = mmb_map_get(&ps->cnames, w.s, w.n, &created);

	if (created) {
		e->val = UINT32_MAX;
		return perr(ps, "%s: no cache named '" MMB_WFMT "'", op, MMB_WARG(w.s, w.n));
	}
	if (e->val == UINT32_MAX)
		return perr(ps, "%s: no cache named '" MMB_WFMT "'", op, MMB_WARG(w.s, w.n));
	*c = e->val;
	if (!ps->cs[*c].live)
		return perr(ps, "%s: cache '" MMB_WFMT "' was destroyed at line %u", op, MMB_WARG(w.s, w.n),
			    ps->cs[*c].line);
	return 0;
}

static int op_cache_alloc(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_CACHE_ALLOC };
	uint32_t s, c;

	if (nargs(ps, w, nw, 2, 3, "HANDLE CACHE [GFP]") || get_gfp(ps, w, nw, 3, &op.flags) ||
	    want_cache(ps, w[2], "cache_alloc", &c) || want_dead(ps, w[1], &s))
		return -1;
	op.cache = c;
	op.size = ps->p->caches[c].size;
	op.cseq = ps->cs[c].created_at;
	ps->cs[c].nops++;
	ps->cs[c].objs++;
	ps->hs[s].cache = c;
	return emit_h(ps, &op, s, HK_CACHE);
}

static int op_cache_free(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_CACHE_FREE };
	uint32_t s, c;

	if (nargs(ps, w, nw, 1, 1, "HANDLE") ||
	    want_live(ps, w[1], HK_CACHE, "cache_free", &s))
		return -1;
	c = ps->hs[s].cache;
	op.cache = c;
	op.cseq = ps->cs[c].created_at;
	ps->cs[c].nops++;
	ps->cs[c].objs--;
	return emit_h(ps, &op, s, 0);
}

static int op_cache_destroy(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_CACHE_DESTROY };
	uint32_t c;

	if (nargs(ps, w, nw, 1, 1, "CACHE") || want_cache(ps, w[1], "cache_destroy", &c))
		return -1;
	if (ps->cs[c].objs)
		return perr(ps, "cache_destroy: cache '" MMB_WFMT "' still has %u live object%s",
			    MMB_WARG(w[1].s, w[1].n), ps->cs[c].objs, ps->cs[c].objs == 1 ? "" : "s");
	op.handle = c;
	op.cseq = ps->cs[c].nops++;
	ps->cs[c].live = 0;
	ps->cs[c].line = ps->line;
	return emit(ps, &op);
}

static int op_vmalloc(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_VMALLOC };
	uint32_t s;

	if (nargs(ps, w, nw, 2, 2, "HANDLE SIZE") || get_size(ps, w[2], "size", &op.size) ||
	    want_dead(ps, w[1], &s))
		return -1;
	return emit_h(ps, &op, s, HK_VMALLOC);
}

static int op_vfree(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_VFREE };
	uint32_t s;

	if (nargs(ps, w, nw, 1, 1, "HANDLE") || want_live(ps, w[1], HK_VMALLOC, "vfree", &s))
		return -1;
	return emit_h(ps, &op, s, 0);
}

static int op_cpu(struct pstate *ps, struct word *w, int nw)
{
	unsigned long cpu;

	if (nargs(ps, w, nw, 1, 1, "N"))
		return -1;
	if (parse_uint(w[1], MM_MAX_CPUS - 1, &cpu))
		return perr(ps, "bad CPU '" MMB_WFMT "' (0..%d)", MMB_WARG(w[1].s, w[1].n), MM_MAX_CPUS - 1);
	if ((int)cpu != ps->cpu) {
		struct mmb_op op = { .kind = OP_CPU };

		ps->cpu = (int)cpu;
		return emit(ps, &op);
	}
	return 0;
}

/* ---- contiguous memory (cma_alloc, cma_release, contig_alloc, contig_free) ----- */

/* A number of pages: 1 .. 2^32 - 1 */
static int get_pages(struct pstate *ps, struct word w, uint64_t *out)
{
	unsigned long n;

	if (parse_uint(w, UINT32_MAX, &n) || !n)
		return perr(ps, "bad number of pages '" MMB_WFMT "' (1..%u)", MMB_WARG(w.s, w.n),
			    UINT32_MAX);
	*out = n;
	return 0;
}

/* cma_alloc HANDLE AREA PAGES [ALIGN]: cma_alloc(area, pages, align order) */
static int op_cma_alloc(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_CMA_ALLOC };
	unsigned long align = 0;
	uint32_t s;

	if (nargs(ps, w, nw, 3, 4, "HANDLE AREA PAGES [ALIGN]") || get_pages(ps, w[3], &op.size))
		return -1;
	if (nw > 4 && parse_uint(w[4], 31, &align))
		return perr(ps, "bad alignment order '" MMB_WFMT "' (0..31)", MMB_WARG(w[4].s, w[4].n));
	if (want_dead(ps, w[1], &s))
		return -1;
	op.order = (uint8_t)align;
	op.cache = mmb_prog_area(ps->p, &ps->anames, w[2].s, w[2].n);
	ps->hs[s].cache = op.cache;
	return emit_h(ps, &op, s, HK_CMA);
}

/* contig_alloc HANDLE PAGES [GFP]: alloc_contig_pages(pages, gfp, this CPU's node) */
static int op_contig_alloc(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_CONTIG_ALLOC };
	uint32_t s;

	if (nargs(ps, w, nw, 2, 3, "HANDLE PAGES [GFP]") || get_pages(ps, w[2], &op.size) ||
	    get_gfp(ps, w, nw, 3, &op.flags) || want_dead(ps, w[1], &s))
		return -1;
	return emit_h(ps, &op, s, HK_CONTIG);
}

/* cma_release HANDLE / contig_free HANDLE: the whole allocation back */
static int op_contig_free(struct pstate *ps, struct word *w, int nw)
{
	int cma = weq(w[0], "cma_release");
	struct mmb_op op = { .kind = cma ? OP_CMA_RELEASE : OP_CONTIG_FREE };
	uint32_t s;

	if (nargs(ps, w, nw, 1, 1, "HANDLE") ||
	    want_live(ps, w[1], cma ? HK_CMA : HK_CONTIG, cma ? "cma_release" : "contig_free", &s))
		return -1;
	op.cache = ps->hs[s].cache;
	return emit_h(ps, &op, s, HK_NONE);
}

/* ---- processes (fault, unmap, pin, unpin) and compact ------------------------- */

/* The process slot named w; a fault may name a new one. */
static int proc_slot(struct pstate *ps, struct word w, int create, const char *op, uint32_t *slot)
{
	if (!create && !mmb_map_find(&ps->pnames, w.s, w.n))
		return perr(ps, "%s: process '" MMB_WFMT "' has not faulted a page yet", op,
			    MMB_WARG(w.s, w.n));
	*slot = mmb_prog_proc(ps->p, &ps->pnames, w.s, w.n);
	ps->pops = mmb_grow(ps->pops, &ps->pcap, *slot, sizeof(*ps->pops));
	return 0;
}

/* A user address: page aligned (aligned to its folio for a fault). */
static int get_uaddr(struct pstate *ps, struct word w, uint64_t align, uint64_t *out)
{
	if (mmb_parse_size(w.s, w.n, out))
		return perr(ps, "bad address '" MMB_WFMT "'", MMB_WARG(w.s, w.n));
	if (*out & (align - 1))
		return perr(ps, "address '" MMB_WFMT "' is not aligned to %llu bytes",
			    MMB_WARG(w.s, w.n), (unsigned long long)align);
	return 0;
}

static int emit_p(struct pstate *ps, struct mmb_op *op, uint32_t slot)
{
	op->handle = slot;
	op->cseq = ps->pops[slot]++;
	return emit(ps, op);
}

static int op_fault(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_FAULT };
	unsigned long order = 0;
	uint32_t s;

	if (nargs(ps, w, nw, 2, 3, "PROCESS ADDR [ORDER]"))
		return -1;
	if (nw > 3 && parse_uint(w[3], MM_MAX_ORDER_LIMIT, &order))
		return perr(ps, "bad order '" MMB_WFMT "' (0..%d)", MMB_WARG(w[3].s, w[3].n),
			    MM_MAX_ORDER_LIMIT);
	if (get_uaddr(ps, w[2], MM_PAGE_SIZE << order, &op.size) ||
	    proc_slot(ps, w[1], 1, "fault", &s))
		return -1;
	op.order = (uint8_t)order;
	return emit_p(ps, &op, s);
}

static int op_unmap(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_UNMAP };
	uint64_t len;
	uint32_t s;

	if (nargs(ps, w, nw, 3, 3, "PROCESS ADDR LEN") || get_uaddr(ps, w[2], MM_PAGE_SIZE, &op.size) ||
	    get_size(ps, w[3], "length", &len))
		return -1;
	if (!len || len % MM_PAGE_SIZE || len / MM_PAGE_SIZE > UINT32_MAX)
		return perr(ps, "unmap: length '" MMB_WFMT "' is not a non-zero number of pages",
			    MMB_WARG(w[3].s, w[3].n));
	if (proc_slot(ps, w[1], 0, "unmap", &s))
		return -1;
	op.align = (uint32_t)(len / MM_PAGE_SIZE);
	return emit_p(ps, &op, s);
}

static int op_pin(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = weq(w[0], "pin") ? OP_PIN : OP_UNPIN };
	uint32_t s;

	if (op.kind == OP_PIN ? nargs(ps, w, nw, 2, 3, "PROCESS ADDR [longterm]")
			      : nargs(ps, w, nw, 2, 2, "PROCESS ADDR"))
		return -1;
	if (nw > 3 && !weq(w[3], "longterm"))
		return perr(ps, "pin: expected 'longterm', not '" MMB_WFMT "'", MMB_WARG(w[3].s, w[3].n));
	op.flags = nw > 3 ? MM_FOLL_LONGTERM : 0;
	if (get_uaddr(ps, w[2], 1, &op.size) ||
	    proc_slot(ps, w[1], 0, op.kind == OP_PIN ? "pin" : "unpin", &s))
		return -1;
	return emit_p(ps, &op, s);
}

static int op_compact(struct pstate *ps, struct word *w, int nw)
{
	struct mmb_op op = { .kind = OP_COMPACT };
	unsigned long node;

	if (nargs(ps, w, nw, 0, 1, "[NODE]"))
		return -1;
	if (nw > 1) {
		if (parse_uint(w[1], MM_MAX_NODES - 1, &node))
			return perr(ps, "bad node '" MMB_WFMT "' (0..%d)", MMB_WARG(w[1].s, w[1].n),
				    MM_MAX_NODES - 1);
		op.size = node + 1;
	}
	return emit(ps, &op);
}

/* fault_inject NAME KNOB=VALUE...: one OP_FAULT_INJECT per knob (fault.c) */
static int op_fault_inject(struct pstate *ps, struct word *w, int nw)
{
	int facility = nw > 1 ? mmb_fault_facility(w[1].s, w[1].n) : -1;
	char err[160];

	if (nw < 3)
		return perr(ps, "fault_inject: expected NAME KNOB=VALUE... (e.g. fault_inject "
			    "failslab probability=100 times=3)");
	if (facility < 0)
		return perr(ps, "fault_inject: no facility '%.*s' (fail_page_alloc or failslab)",
			    (int)(w[1].n < 40 ? w[1].n : 40), w[1].s);
	for (int i = 2; i < nw; i++) {
		struct mmb_op op = { 0 };

		if (mmb_fault_knob(facility, w[i].s, w[i].n, &op, err, sizeof(err)))
			return perr(ps, "%s", err);
		if (emit(ps, &op))
			return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct pstate *, struct word *, int);
} optab[] = {
	{ "alloc_pages", op_alloc_pages }, { "free_pages", op_free_pages },
	{ "kmalloc", op_kmalloc }, { "krealloc", op_krealloc }, { "kfree", op_kfree },
	{ "cache_create", op_cache_create }, { "cache_alloc", op_cache_alloc },
	{ "cache_free", op_cache_free }, { "cache_destroy", op_cache_destroy },
	{ "vmalloc", op_vmalloc }, { "vfree", op_vfree }, { "cpu", op_cpu },
	{ "fault", op_fault }, { "unmap", op_unmap }, { "pin", op_pin }, { "unpin", op_pin },
	{ "compact", op_compact },
	{ "cma_alloc", op_cma_alloc }, { "cma_release", op_contig_free },
	{ "contig_alloc", op_contig_alloc }, { "contig_free", op_contig_free },
	{ "fault_inject", op_fault_inject },
};

/* ---- lines and blocks -------------------------------------------------------- */

static const char *line_end(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));

	return nl ? nl : end;
}

static int parse_block(struct pstate *ps, const char *s, const char *end, unsigned line0,
		       int depth);

/* Counts a unit of work (a line read or an iteration begun) against the cap. */
static int work(struct pstate *ps)
{
	if (!(ps->work & 0xffff))
		mmb_input_tick(ps->in);
	if (++ps->work > mmb_parse_max_lines)
		return perr(ps, "workload too large (more than %lu lines to read and iterations, "
			    "repeats included)", mmb_parse_max_lines);
	return 0;
}

/* `repeat N [VAR] {`: the count and the variable.  -1 after a message. */
static int repeat_head(struct pstate *ps, struct word *w, int nw, int depth, unsigned long *n,
		       struct word *var)
{
	var->s = "i";
	var->n = 1;
	if (nw < 3 || nw > 4 || !weq(w[nw - 1], "{"))
		return perr(ps, "repeat: expected 'repeat N [VAR] {'");
	if (parse_uint(w[1], 100000000ul, n))
		return perr(ps, "repeat: bad count '" MMB_WFMT "' (0..100000000)",
			    MMB_WARG(w[1].s, w[1].n));
	if (nw == 4) {
		*var = w[2];
		for (size_t i = 0; i < var->n; i++)
			if (!(isalnum((unsigned char)var->s[i]) || var->s[i] == '_'))
				return perr(ps, "repeat: bad variable name '" MMB_WFMT "'",
					    MMB_WARG(var->s, var->n));
	}
	if (depth >= MAX_DEPTH - 1)
		return perr(ps, "repeat: nested more than %d deep", MAX_DEPTH - 1);
	return 0;
}

/* Does the text hold an operation (anything but blank lines, comments,
 * repeat heads and closing braces)?  A body that does not yields the same
 * nothing every iteration, so it is read once. */
static int has_ops(const char *s, const char *end)
{
	while (s < end) {
		const char *e = line_end(s, end), *b;

		while (s < e && isspace((unsigned char)*s))
			s++;
		for (b = s; s < e && !isspace((unsigned char)*s) && *s != '#'; s++)
			;
		if (s > b && !((s - b == 6 && !memcmp(b, "repeat", 6)) || (s - b == 1 && *b == '}')))
			return 1;
		s = e < end ? e + 1 : e;
	}
	return 0;
}

/* Runs a repeat's body [body, close) (starting after line `start`) n times. */
static int run_repeat(struct pstate *ps, unsigned long n, struct word var, const char *body,
		      const char *close, unsigned start, int depth)
{
	unsigned long iters = n && !has_ops(body, close) ? 1 : n;
	int ret = 0;

	ps->vars[ps->nvars].name = var.s;
	ps->vars[ps->nvars].len = var.n;
	ps->nvars++;
	for (unsigned long i = 0; i < iters && !ret; i++) {
		ps->vars[ps->nvars - 1].val = i;
		ret = work(ps) || parse_block(ps, body, close, start, depth + 1) ? -1 : 0;
	}
	ps->nvars--;
	return ret;
}

/* The line closing a repeat (nest counts open blocks): 1, 0 if it is
 * another line, -1 after a message. */
static int closes(struct pstate *ps, struct word *lw, int lnw, int *nest)
{
	if (lnw && weq(lw[0], "repeat") && weq(lw[lnw - 1], "{"))
		++*nest;
	else if (lnw && weq(lw[0], "}") && --*nest == 0) {
		if (lnw > 1)
			return perr(ps, "unexpected '" MMB_WFMT "' after '}'", MMB_WARG(lw[1].s, lw[1].n));
		return 1;
	}
	return 0;
}

/* A nested `repeat N [VAR] {` at w inside a body: finds its body in the
 * text, runs it.  *next is advanced past the closing brace line, *lineno to
 * its number. */
static int do_repeat(struct pstate *ps, struct word *w, int nw, const char **next,
		     const char *end, unsigned *lineno, int depth)
{
	unsigned long n;
	struct word var;
	unsigned start = *lineno, ln = *lineno;
	int nest = 1, r = 0;
	const char *body = *next, *s = *next, *close = NULL;

	if (repeat_head(ps, w, nw, depth, &n, &var))
		return -1;
	while (s < end && !r) {
		const char *e = line_end(s, end);
		struct word lw[MAX_WORDS];
		int lnw;

		ps->line = ++ln;
		if (split(ps, s, e, lw, &lnw) || (r = closes(ps, lw, lnw, &nest)) < 0)
			return -1;
		if (r)
			close = s;
		s = e < end ? e + 1 : e;
	}
	ps->line = start;
	if (!close)
		return perr(ps, "repeat: no closing '}' for the block opened here");
	if (run_repeat(ps, n, var, body, close, start, depth))
		return -1;
	*next = s;
	*lineno = ln;
	return 0;
}

/* A top-level repeat: its body comes from the input, is kept, and run. */
static int top_repeat(struct pstate *ps, struct word *w, int nw)
{
	unsigned long n;
	struct word var;
	unsigned start = ps->line;
	int nest = 1, r = 0;
	char *line, *vname;
	size_t len;

	if (repeat_head(ps, w, nw, 0, &n, &var))
		return -1;
	vname = mmb_xstrndup(var.s, var.n);     /* the line buffer moves on */
	var.s = vname;
	ps->body_len = 0;
	while (!r && (r = mmb_input_line(ps->in, &line, &len)) > 0) {
		struct word lw[MAX_WORDS];
		int lnw;

		ps->line = (unsigned)mmb_input_lineno(ps->in);
		if (split(ps, line, line + len, lw, &lnw) || (r = closes(ps, lw, lnw, &nest)) < 0) {
			r = -1;
			break;
		}
		if (r)
			break;
		if (ps->body_len + len + 1 > REPEAT_BODY_MAX) {
			r = perr(ps, "repeat: body longer than %u bytes", REPEAT_BODY_MAX);
			break;
		}
		if (ps->body_len + len + 1 > ps->body_cap) {
			ps->body_cap = (ps->body_len + len + 1) * 2;
			ps->body = mmb_xrealloc(ps->body, ps->body_cap);
		}
		memcpy(ps->body + ps->body_len, line, len);
		ps->body_len += len;
		ps->body[ps->body_len++] = '\n';
	}
	if (r == 0) {
		ps->line = start;
		r = perr(ps, "repeat: no closing '}' for the block opened here");
	}
	if (r > 0 && !ps->body_len)          /* an empty body (no buffer yet) */
		r = run_repeat(ps, n, var, "", "", start, 0);
	else if (r > 0)
		r = run_repeat(ps, n, var, ps->body, ps->body + ps->body_len, start, 0);
	free(vname);
	return r;
}

static int parse_line(struct pstate *ps, struct word *w, int nw)
{
	size_t k;

	if (weq(w[0], "machine")) {
		if (ps->seen_op || ps->p->machine || ps->nvars)
			return perr(ps, "'machine' must come first, before any operation");
		if (nw < 2)
			return perr(ps, "machine: expected a machine config (e.g. cpus=2 NORMAL=256M)");
		size_t len = 0;
		for (int i = 1; i < nw; i++)
			len += w[i].n + 1;
		ps->p->machine = mmb_xrealloc(NULL, len + 1);
		ps->p->machine_line = ps->line;
		ps->p->machine[0] = '\0';
		for (int i = 1; i < nw; i++) {
			strncat(ps->p->machine, w[i].s, w[i].n);
			if (i + 1 < nw)
				strcat(ps->p->machine, " ");
		}
		return 0;
	}
	for (int i = 1; i < nw; i++)
		if (expand(ps, &w[i], i))
			return -1;
	ps->site = 0;
	if (nw > 1 && w[nw - 1].s[0] == '@') {          /* OP ... @SITE */
		if (w[nw - 1].n == 1)
			return perr(ps, "'@' without a call site name");
		ps->site = mmb_prog_site(ps->p, w[nw - 1].s + 1, w[nw - 1].n - 1);
		nw--;
	}
	for (k = 0; k < sizeof(optab) / sizeof(optab[0]); k++)
		if (weq(w[0], optab[k].name))
			return optab[k].fn(ps, w, nw);
	if (weq(w[0], "}"))
		return perr(ps, "'}' without a matching 'repeat N {'");
	return perr(ps, "unknown operation '" MMB_WFMT "'", MMB_WARG(w[0].s, w[0].n));
}

static int parse_block(struct pstate *ps, const char *s, const char *end, unsigned line0,
		       int depth)
{
	unsigned ln = line0;

	while (s < end) {
		const char *e = line_end(s, end);
		struct word w[MAX_WORDS];
		int nw;

		ps->line = ++ln;
		ps->p->lines++;
		if (work(ps) || split(ps, s, e, w, &nw))
			return -1;
		s = e < end ? e + 1 : e;
		if (!nw)
			continue;
		if (weq(w[0], "repeat")) {
			if (do_repeat(ps, w, nw, &s, end, &ln, depth))
				return -1;
			continue;
		}
		if (parse_line(ps, w, nw))
			return -1;
	}
	return 0;
}

int mmb_parse_workload(struct mmb_prog *p, struct mmb_input *in)
{
	struct pstate *ps = calloc(1, sizeof(*ps));
	char *line;
	size_t len;
	int r;

	if (!ps)
		mmb_oom(0);
	ps->p = p;
	ps->in = in;
	ps->file = mmb_input_name(in);
	mmb_map_init(&ps->names);
	mmb_map_init(&ps->cnames);
	mmb_map_init(&ps->gfps);
	mmb_map_init(&ps->pnames);
	mmb_map_init(&ps->anames);
	while ((r = mmb_input_line(in, &line, &len)) > 0) {
		struct word w[MAX_WORDS];
		int nw;

		ps->line = (unsigned)mmb_input_lineno(in);
		p->lines++;
		if (work(ps) || split(ps, line, line + len, w, &nw) ||
		    (nw && (weq(w[0], "repeat") ? top_repeat(ps, w, nw) : parse_line(ps, w, nw)))) {
			r = -1;
			break;
		}
	}
	mmb_map_free(&ps->names);
	mmb_map_free(&ps->cnames);
	mmb_map_free(&ps->gfps);
	mmb_map_free(&ps->pnames);
	mmb_map_free(&ps->anames);
	free(ps->pops);
	mmb_slots_free(&ps->slots);
	free(ps->hs);
	free(ps->cs);
	free(ps->body);
	free(ps);
	return r < 0 ? -1 : 0;
}

int mmb_check_machine(struct mmb_prog *p, const char *file, int nr_cpus, unsigned max_order)
{
	int bad = 0;

	for (size_t i = 0; i < p->nops && bad < 5; i++) {
		const struct mmb_op *op = &p->ops[i];

		if (op->cpu >= nr_cpus) {
			fprintf(stderr, "%s:%u: CPU %u does not exist (the machine has %d CPU%s)\n",
				file, op->line, op->cpu, nr_cpus, nr_cpus == 1 ? "" : "s");
			bad++;
			while (i + 1 < p->nops && p->ops[i + 1].cpu == op->cpu)
				i++;
		} else if ((op->kind == OP_ALLOC_PAGES || op->kind == OP_FREE_PAGES ||
			    op->kind == OP_FAULT) &&
			   op->order > max_order) {
			fprintf(stderr, "%s:%u: order %u is above the machine's max_page_order %u\n",
				file, op->line, op->order, max_order);
			bad++;
		}
	}
	return bad ? -1 : 0;
}
