// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/workload.h - what mmbench's input reader, parser, trace importers,
 * replayer and report writer share: the operation stream.
 *
 * Data flows one way: input.c cuts the input (a file, stdin, compressed or
 * not) into lines; a producer - the workload language (parse.c) or a trace
 * importer (trace.c) - turns lines into operations appended to the
 * program's buffer (prog.c); when the buffer is full the program's sink
 * takes it (run.c: replay.c runs the chunk against a libmm machine or the
 * process's malloc) and the producer goes on.  Memory is the buffer plus
 * what is live (handles, caches, the parser's names), whatever the input's
 * length.  An input that fits in the first buffer is parsed completely
 * before anything runs (so a bad line anywhere means nothing runs, and
 * --runs replays the same parsed operations again).
 *
 * Handles and caches are small integers (slots).  A handle slot is freed
 * when its object is and reused by a later allocation, so there are as many
 * slots as objects were ever live at once.  Every operation on a handle
 * carries the slot's sequence number at that point of the stream (`seq`),
 * so that in --threads mode an operation waits until every earlier
 * operation on the same slot (on whatever CPU) has run: stream order per
 * slot, CPU order per CPU.
 */
#ifndef MMBENCH_WORKLOAD_H
#define MMBENCH_WORKLOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libmm/mm.h>

struct json_writer;                     /* libmm/src/json_writer.h */

#define MMB_LINE_MAX    (1u << 20)      /* longest input line, bytes */
#define MMB_SIZE_MAX    (1ull << 63)    /* largest size an operation may ask for */
#define MMB_WORD_SHOW   64              /* bytes of a bad word echoed in messages */

/* A word in a message: at most MMB_WORD_SHOW bytes of it, "..." when cut.
 * Use as printf("'" MMB_WFMT "'", MMB_WARG(ptr, len)). */
#define MMB_WFMT "%.*s%s"
#define MMB_WARG(s, n) (int)((n) > MMB_WORD_SHOW ? MMB_WORD_SHOW : (n)), (s), \
	((n) > MMB_WORD_SHOW ? "..." : "")

/* Operation kinds; the names (mmb_op_names) are the workload language's and
 * the keys of "ops" in the JSON. */
enum mmb_op_kind {
	OP_ALLOC_PAGES,
	OP_FREE_PAGES,
	OP_KMALLOC,
	OP_KREALLOC,
	OP_KFREE,
	OP_CACHE_CREATE,
	OP_CACHE_ALLOC,
	OP_CACHE_FREE,
	OP_CACHE_DESTROY,
	OP_VMALLOC,
	OP_VFREE,
	OP_CMA_ALLOC,           /* movable.c: cma_alloc into a handle */
	OP_CMA_RELEASE,
	OP_CONTIG_ALLOC,        /* alloc_contig_pages into a handle */
	OP_CONTIG_FREE,
	OP_FAULT,               /* movable.c: a process's page fault */
	OP_UNMAP,
	OP_PIN,
	OP_UNPIN,
	OP_COMPACT,             /* vm.compact_memory (all nodes or one) */
	OP_NR_KINDS,            /* kinds above are counted and timed */
	OP_CPU = OP_NR_KINDS,   /* switch the replaying thread to CPU `cpu` */
	OP_FAULT_INJECT,        /* set a fault injection knob (fault.c) */
};
extern const char *const mmb_op_names[OP_NR_KINDS];

/* One operation: 40 bytes, read in order by the replayer. */
struct mmb_op {
	uint8_t  kind;          /* enum mmb_op_kind */
	uint8_t  order;         /* alloc_pages / free_pages: the order */
	uint16_t cpu;           /* CPU that runs it */
	uint32_t handle;        /* handle slot; cache slot for cache_create/destroy;
	                           process slot for fault/unmap/pin/unpin */
	union {
		uint32_t cache; /* cache_alloc / cache_free: the cache slot;
		                   cma_alloc / cma_release: the area slot */
		uint32_t align; /* cache_create: alignment; unmap: pages */
	};
	uint32_t line;          /* source line (trace: event line) */
	uint64_t size;          /* bytes (kmalloc, krealloc, vmalloc, cache ops);
	                           pages (cma_alloc, contig_alloc);
	                           user address (fault, unmap, pin, unpin);
	                           compact: node + 1, 0 = every node */
	uint32_t flags;         /* gfp_t, or slab_flags_t for cache_create;
	                           pin: MM_FOLL_LONGTERM */
	uint32_t seq;           /* --threads: handle slot's sequence before this op */
	uint32_t cseq;          /* --threads: cache ops done before it may run;
	                           process ops: the process's ops before it */
	uint32_t site;          /* call site: mmb_prog_site() id, 0 = none */
};

/* Run-time state of a handle slot (16 bytes: four to a cache line; the
 * --threads sequence numbers live in an array of their own). */
struct mmb_handle {
	void *ptr;              /* object, struct page *, or NULL (not live / failed) */
	uint64_t size;          /* bytes it was asked for (live requested bytes) */
};

/* A cache slot: name and run-time state. */
struct mmb_cache {
	char *name;
	void *cache;            /* struct kmem_cache *, or the object size (malloc) */
	uint64_t size;          /* object size (cache_create) */
	_Atomic uint32_t done;  /* operations done on this slot (--threads) */
};

/* A process slot (fault/unmap/pin/unpin name one): name and run-time
 * state.  A process lives from its first operation to the machine's end,
 * so its slot, unlike a handle's, is never reused. */
struct mmb_proc {
	char *name;
	struct mm_process *proc;        /* NULL until its first operation */
	_Atomic uint32_t done;          /* operations done on this slot (--threads) */
};

/* A CMA area slot (cma_alloc / cma_release name one): its name, looked up
 * in the machine when the operation runs. */
struct mmb_area {
	char *name;
};

/* Importer statistics (traces); all zero for workload files. */
struct mmb_import {
	unsigned long events;           /* events (lines) turned into operations */
	unsigned long skipped_free;     /* frees of objects allocated before the trace */
	unsigned long null_free;        /* kfree(NULL) / ptr=(nil): no-ops */
	unsigned long batched_dup;      /* mm_page_free_batched repeats */
	unsigned long ignored;          /* other events / lines (rss_stat, = Start ...) */
	unsigned long failed_realloc;   /* mtrace `!` lines */
	unsigned long caches;           /* caches created on the fly */
	unsigned long user_pages;       /* user-page events replayed as faults */
};

struct mmb_prog;
/* Takes the buffered operations (p->ops[0..nops)); 0 to go on, -1 to stop
 * the producer (after a message). */
typedef int (*mmb_sink_fn)(struct mmb_prog *p, void *arg);

/* The program: the buffer of operations not yet taken, and the slot tables. */
struct mmb_prog {
	struct mmb_op *ops;             /* buffered operations, stream order */
	size_t nops, cap;               /* cap: the sink is called when full
	                                   (it may lower cap, within ops_max) */
	size_t ops_max;                 /* with a sink: ops is mmb_buffer_alloc()'s, this big */
	size_t total;                   /* operations produced so far */
	mmb_sink_fn sink;               /* NULL: the buffer grows instead */
	void *sink_arg;
	int stopped;                    /* the sink said stop */
	uint32_t nhandles;              /* handle slots so far */
	struct mmb_cache *caches;
	uint32_t ncaches, caches_cap;
	struct mmb_proc *procs;
	uint32_t nprocs, procs_cap;
	struct mmb_area *areas;
	uint32_t nareas, areas_cap;
	char *machine;                  /* the workload's machine line, or NULL */
	unsigned long machine_line;     /* its line number */
	const char *format;             /* "mmw", "mtrace", "perf" */
	int max_cpu;                    /* highest CPU named */
	unsigned long lines;            /* input lines read (repeat bodies per pass) */
	struct mmb_import import;
	struct mmb_map *sites;          /* call site names -> ids (1..), NULL: none yet */
	char **site_names;              /* [id - 1] */
	uint32_t nsites;
};

/* ---- input.c: lines from a file, stdin or memory ---------------------- */

struct mmb_input;
/* path "-" is stdin.  NULL (errno set) when it cannot be opened. */
struct mmb_input *mmb_input_open(const char *path);
/* text[len] must be writable too (it becomes the last line's '\0'). */
struct mmb_input *mmb_input_mem(const char *name, char *text, size_t len);
void mmb_input_close(struct mmb_input *in);
/* The next line, '\0'-terminated in place, without its '\n': 1; 0 at the
 * end; -1 after "FILE:LINE: message" (line too long, NUL byte, read error,
 * corrupt or truncated compressed data). */
int mmb_input_line(struct mmb_input *in, char **line, size_t *len);
int mmb_input_failed(const struct mmb_input *in);
unsigned long mmb_input_lineno(const struct mmb_input *in);
const char *mmb_input_name(const struct mmb_input *in);
const char *mmb_input_codec(const struct mmb_input *in);       /* "text", "xz", ... */
double mmb_input_fraction(const struct mmb_input *in);          /* read so far; -1 unknown */
/* tick(arg) is called every 65536 lines, and by mmb_input_tick() (a parser
 * expanding repeats). */
void mmb_input_set_tick(struct mmb_input *in, void (*tick)(void *), void *arg);
void mmb_input_tick(struct mmb_input *in);

/* ---- prog.c: building a program --------------------------------------- */

void mmb_prog_init(struct mmb_prog *p, const char *format);
void mmb_prog_free(struct mmb_prog *p);
/* Appends an operation (copied), handing the buffer to the sink when it is
 * full: 0, or -1 when the sink stopped the program. */
int mmb_prog_add(struct mmb_prog *p, const struct mmb_op *op);
/* Hands what is buffered to the sink (end of input): 0 or -1. */
int mmb_prog_flush(struct mmb_prog *p);
uint32_t mmb_prog_cache(struct mmb_prog *p, const char *name, size_t len);
/* The id (1..) of call site `name` (an op's `site`), made on first sight. */
uint32_t mmb_prog_site(struct mmb_prog *p, const char *name, size_t len);
/* Before a run on a fresh machine: no cache or process exists yet. */
void mmb_prog_rerun(struct mmb_prog *p);
struct mmb_map;
/* The process slot named name in the map names (a new slot when new). */
uint32_t mmb_prog_proc(struct mmb_prog *p, struct mmb_map *names, const char *name, size_t len);
/* The CMA area slot named name, the same way. */
uint32_t mmb_prog_area(struct mmb_prog *p, struct mmb_map *names, const char *name, size_t len);
/* arr of *cap elements of esz bytes grown (doubling) to hold index i, the
 * new elements zeroed. */
void *mmb_grow(void *arr, size_t *cap, size_t i, size_t esz);
/* An anonymous mapping for a big buffer (transparent huge pages asked for). */
void *mmb_buffer_alloc(size_t bytes);
void mmb_buffer_free(void *p, size_t bytes);
void *mmb_xrealloc(void *ptr, size_t size);   /* exits (status 3) when out of memory */
void mmb_oom(size_t size) __attribute__((noreturn));
char *mmb_xstrndup(const char *s, size_t n);

/* A string -> uint32 hash map (handle and cache names, GFP words). */
struct mmb_map {
	struct mmb_map_ent {
		uint64_t hash;
		char *key;
		uint32_t klen, val;
		uint32_t aux;   /* the user's (parse.c: line a dead handle was freed) */
	} *ents;
	size_t cap, used;
};
void mmb_map_init(struct mmb_map *mp);
void mmb_map_free(struct mmb_map *mp);
/* The entry for key (inserted with val = UINT32_MAX, aux 0 when absent). */
struct mmb_map_ent *mmb_map_get(struct mmb_map *mp, const char *key, size_t len, int *created);
/* The entry for key, or NULL. */
struct mmb_map_ent *mmb_map_find(struct mmb_map *mp, const char *key, size_t len);
/* Drops every entry for which keep() is false. */
void mmb_map_filter(struct mmb_map *mp, int (*keep)(const struct mmb_map_ent *e));

/* A uint64 -> uint32 map (addresses, PFNs) with deletion. */
struct mmb_imap {
	struct mmb_imap_ent { uint64_t key; uint32_t val; uint32_t state; } *ents;
	size_t cap, used;
};
void mmb_imap_init(struct mmb_imap *mp);
void mmb_imap_free(struct mmb_imap *mp);
uint32_t *mmb_imap_find(struct mmb_imap *mp, uint64_t key);
/* Brings key's slot into the cache ahead of a lookup. */
void mmb_imap_prefetch(const struct mmb_imap *mp, uint64_t key);
void mmb_imap_put(struct mmb_imap *mp, uint64_t key, uint32_t val);
int mmb_imap_del(struct mmb_imap *mp, uint64_t key, uint32_t *val);

/* A stack of free slot numbers (handle slots for reuse). */
struct mmb_slots {
	uint32_t *free;
	size_t n, cap;
};
/* A free slot, or a new one (p->nhandles++); *fresh says which. */
uint32_t mmb_slot_get(struct mmb_slots *s, struct mmb_prog *p, int *fresh);
void mmb_slot_put(struct mmb_slots *s, uint32_t slot);
void mmb_slots_free(struct mmb_slots *s);

/* ---- parse.c: the workload language ----------------------------------- */

/* Caps on the work of one workload (hostile input; the fuzzer lowers them). */
extern size_t mmb_parse_max_ops;
extern unsigned long mmb_parse_max_lines;
/* Reads the workload from `in` into p.  On error prints "FILE:LINE:
 * message" to stderr and returns -1. */
int mmb_parse_workload(struct mmb_prog *p, struct mmb_input *in);
/* Once the machine exists: checks operations against it (orders against
 * max_page_order, CPUs against the CPU count).  -1 after messages. */
int mmb_check_machine(struct mmb_prog *p, const char *file, int nr_cpus, unsigned max_order);
/* "4096", "4K", "2M", "1G", "0x1000": 0 and *out, -1 if malformed. */
int mmb_parse_size(const char *s, size_t len, uint64_t *out);

/* ---- trace.c: real traces --------------------------------------------- */

int mmb_import_mtrace(struct mmb_prog *p, struct mmb_input *in);
int mmb_import_perf(struct mmb_prog *p, struct mmb_input *in);

/* ---- movable.c: processes, pins and compaction in a replay -------------- */

/* Runs a fault/unmap/pin/unpin/compact operation, procs the program's
 * process table (0 done, -1 refused by the library). */
int mmb_exec_movable(struct mm *m, struct mmb_proc *procs, const struct mmb_op *op);
/* Runs a cma_alloc/cma_release/contig_alloc/contig_free operation on the
 * handle h (its ptr: the first page; size: bytes) with the program's area
 * table: 0 done, -1 failed (not enough contiguous memory, or refused). */
int mmb_exec_contig(struct mm *m, const struct mmb_area *areas, struct mmb_handle *h,
		    const struct mmb_op *op);
/* CMA counters for the summary and the timeline: per area, pages in use by
 * movable allocations (the area's pages neither free nor its own
 * allocations) and by cma_alloc. */
void mmb_summary_cma(struct mm *m, FILE *f);
struct mmb_cma_sample {
	unsigned long total, free, allocated;   /* pages, all areas */
	unsigned long movable;                  /* the rest: movable allocations
	                                           (and CMA pages on per-CPU lists) */
	unsigned long success, fail;            /* cma_alloc_success / _fail so far */
};
void mmb_cma_sample(struct mm *m, struct mmb_cma_sample *s);
/* Compaction counters for the summary and the timeline. */
#define MMB_NR_COMPACT 6
extern const char *const mmb_compact_names[MMB_NR_COMPACT];
/* migratetype names as the JSON and CSV spell them (report.c) */
extern const char *const mmb_mt_names[MM_MIGRATE_TYPES];
void mmb_summary_compaction(struct mm *m, FILE *f);

/* ---- fault.c: the fault_inject operation ------------------------------ */

/* The facility index of a name ("fail_page_alloc", "failslab"), or -1. */
int mmb_fault_facility(const char *s, size_t n);
/* "KNOB=VALUE" of facility into op (OP_FAULT_INJECT); -1 with err set. */
int mmb_fault_knob(int facility, const char *kv, size_t n, struct mmb_op *op, char *err,
		   size_t errlen);
int mmb_fault_apply(struct mm *m, const struct mmb_op *op);
const char *mmb_fault_text(const struct mmb_op *op, char *buf, size_t len);

/* ---- replay.c --------------------------------------------------------- */

#define MMB_HIST_SUB    16      /* sub-buckets per power of two */
#define MMB_HIST_BUCKETS (64 * MMB_HIST_SUB)

/* Per-kind latency and outcome counters. */
struct mmb_stat {
	unsigned long count, failed, skipped;
	unsigned long injected;                 /* failures fault injection forced
	                                           (not in failed) */
	uint64_t ticks;                         /* sum of timed ticks */
	unsigned long timed;                    /* operations timed */
	uint32_t hist[MMB_HIST_BUCKETS];        /* log-linear histogram of ticks */
};

/* What an operation came to. */
enum { MMB_RES_OK, MMB_RES_FAIL, MMB_RES_SKIP, MMB_RES_NONE, MMB_RES_INJECTED };

static inline unsigned mmb_hist_bucket(uint64_t v)
{
	unsigned msb;

	if (v < 32)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	return (msb - 3) * MMB_HIST_SUB + (unsigned)((v >> (msb - 4)) & (MMB_HIST_SUB - 1));
}

static inline __attribute__((always_inline))
void mmb_stat_account(struct mmb_stat *st, int res, uint64_t dt)
{
	st->count++;
	st->failed += res == MMB_RES_FAIL;
	st->injected += res == MMB_RES_INJECTED;
	st->skipped += res == MMB_RES_SKIP;
	st->ticks += dt;
	st->timed++;
	st->hist[mmb_hist_bucket(dt)]++;
}

/* ---- breakdown.c: results by order x GFP, by cache, failure reasons ----- */

enum { MMB_BD_WATERMARK, MMB_BD_NO_BLOCK, MMB_BD_INJECTED, MMB_BD_REFUSED, MMB_BD_REASONS };

struct mmb_bd_row;
struct mmb_bd_handle;
#define MMB_BD_FAST 256
struct mmb_bd_fast { uint64_t key; uint32_t row; };     /* key + 1, 0: empty */
struct mmb_breakdown {
	int on;                         /* the run is broken down (sequential libmm replay) */
	struct mmb_bd_row *rows;        /* page and slab rows, first-seen order */
	size_t nrows, cap;
	struct mmb_imap map;            /* row key (breakdown.c) -> row */
	struct mmb_bd_fast fast[MMB_BD_FAST];   /* recent keys in front of map */
	struct mmb_bd_handle *handles;  /* [handle slot]: its allocation's row and CPU */
	uint32_t nhandles;
	unsigned long fail[OP_NR_KINDS][MMB_BD_REASONS];
	unsigned long frees[OP_NR_KINDS], cross_cpu[OP_NR_KINDS];
};
void mmb_bd_init(struct mmb_breakdown *bd);
void mmb_bd_free(struct mmb_breakdown *bd);
/* Why an allocation that just failed (res) failed: MMB_BD_*. */
int mmb_bd_reason(struct mm *m, const struct mmb_op *op, int res);
/* A replayed span ops[0..n): res[i] = MMB_RES_* | reason << 4, dt[i]
 * ticks, cpu the CPU at its start (`cpu` ops move it). */
void mmb_bd_span(struct mmb_breakdown *bd, struct mm *m, const struct mmb_cache *caches,
		 const struct mmb_op *ops, size_t n, const uint8_t *res, const uint32_t *dt, int cpu);
void mmb_bd_json(const struct mmb_breakdown *bd, double ns_per_tick, struct json_writer *w);
void mmb_bd_summary(const struct mmb_breakdown *bd, double ns_per_tick, FILE *f);
/* The page rows (pages) or the slab rows as CSV (csv.c's files). */
void mmb_bd_csv(const struct mmb_breakdown *bd, double ns_per_tick, int pages, FILE *f);

struct mmb_zsample {                    /* one zone at one timeline point */
	int node, zone;
	unsigned long free;                     /* NR_FREE_PAGES */
	unsigned long min, low, high;           /* watermarks (boost included in none) */
	unsigned long free_mt[MM_MIGRATE_TYPES];  /* free pages per migratetype */
	unsigned long nr_free[MM_NR_ORDERS_MAX];  /* buddyinfo */
};

struct mmb_sample {                     /* one timeline point */
	size_t op;                      /* operations done */
	double t_s;                     /* seconds of replay before it */
	uint64_t live_bytes;            /* requested bytes live */
	unsigned long host_rss_kib;     /* the process's resident memory */
	unsigned long slab_pages;       /* libmm: nr_slab_reclaimable + _unreclaimable */
	unsigned long pcp_pages;        /* libmm: pages on per-CPU lists */
	unsigned long mixed_pageblocks; /* libmm: mm_mixed_pageblocks() */
	int nzones;
	struct mmb_zsample *z;
	unsigned long compact[MMB_NR_COMPACT]; /* mmb_compact_names counters */
	struct mmb_cma_sample cma;      /* CMA areas (all zero without) */
};

/* What the host did during the replay (getrusage, the library's prefault
 * accounting); timed-region faults = minflt (prefault's own excluded). */
struct mmb_host {
	unsigned long minflt, majflt;   /* inside the timed operations */
	unsigned long prefault_minflt;  /* taken by prefault=pageblock populating */
	unsigned long prefault_pageblocks;
	double prefault_s;              /* time populating (out of the timings) */
	double fault_ns;                /* measured cost of one first-touch fault */
	unsigned long rss_peak_kib;     /* the process's peak resident memory */
	unsigned long rss_start_kib;    /* its resident memory when the replay began */
	unsigned long rss_replay_peak_kib;      /* its peak during the replay */
};

enum mmb_backend { MMB_BACKEND_LIBMM, MMB_BACKEND_MALLOC };

struct mmb_replay;

struct mmb_run {
	/* inputs */
	struct mmb_prog *prog;
	struct mm *m;                   /* NULL with the malloc backend */
	enum mmb_backend backend;
	int threads;                    /* one thread per CPU */
	int timeline_points;            /* samples wanted (0 = none) */
	size_t expect_ops;              /* operations to come, 0 = unknown (stream) */
	void (*tick)(void *arg, size_t done);   /* progress, every 65536 ops */
	void *tick_arg;
	size_t tick_every;              /* mm_tick() every N operations (0 = never;
	                                   sequential replay) */
	/* outputs */
	struct mmb_stat stat[OP_NR_KINDS + 2];  /* [OP_CPU], [OP_FAULT_INJECT]: not reported */
	struct mmb_sample *timeline;
	size_t ntimeline, timeline_cap;
	double replay_s;                /* replay time, prefault and sampling out */
	double ns_per_tick;
	size_t done;                    /* operations replayed */
	uint64_t live_bytes, peak_live_bytes;   /* requested bytes live at the end, the most */
	struct mmb_host host;
	struct mmb_breakdown bd;        /* by order x GFP, by cache, failure reasons */
	struct mmb_replay *priv;        /* replay.c's own state */
};

/* Starts a replay of r->prog (stats zeroed, handle table empty). */
int mmb_replay_begin(struct mmb_run *r);
/* Replays the operations buffered in r->prog; 0, or -1 (a replay thread
 * could not bind its CPU). */
int mmb_replay_chunk(struct mmb_run *r);
/* Ends the replay: final timeline sample, threads joined, timings. */
int mmb_replay_end(struct mmb_run *r);
/* Latency quantile q (0..1) of a kind in ns; 0 if nothing was timed. */
double mmb_stat_quantile(const struct mmb_stat *st, double ns_per_tick, double q);
double mmb_stat_mean(const struct mmb_stat *st, double ns_per_tick);
void mmb_stat_add(struct mmb_stat *d, const struct mmb_stat *s);
void mmb_free_objects(struct mmb_run *r);       /* frees what the replay left live */
/* The object handle slot `slot` holds (NULL: none), until mmb_run_free(). */
void *mmb_replay_handle(const struct mmb_run *r, uint32_t slot);
void mmb_run_free(struct mmb_run *r);           /* timeline, tables */
double mmb_now(void);
/* A "KEY: N kB" line of a /proc file (meminfo, status): N, 0 if absent. */
unsigned long mmb_proc_kib(const char *path, const char *key);

/* ---- report.c ---------------------------------------------------------- */

/* Several runs of one input (--runs): each run's replay time and per-kind
 * latencies (the report's "ops" pool every measured run's operations). */
struct mmb_runs {
	int n;                          /* measured runs */
	int warmup;                     /* a warm-up run came first (not counted) */
	double *replay_s;               /* [n] */
	double (*p50)[OP_NR_KINDS], (*p99)[OP_NR_KINDS], (*mean)[OP_NR_KINDS];  /* [n][kind] */
};

struct mmb_report_info {
	const char *workload, *format, *machine_config, *malloc_name, *codec;
	const char *label;              /* --label, or NULL */
	long seed;
	double parse_s, elapsed_s;
	int validate_done;
	const char *validate_err;       /* NULL = clean */
	int streamed;                   /* the input did not fit one buffer */
	const struct mmb_runs *runs;
};
/* --csv DIR: ops.csv, timeline.csv, page_ops.csv, slab_ops.csv (csv.c). */
int mmb_write_csv(const struct mmb_run *r, const char *dir);
/* Writes the JSON to f (already open; the caller makes it appear whole). */
int mmb_write_json(const struct mmb_run *r, const struct mmb_report_info *ri, FILE *f);
void mmb_print_summary(const struct mmb_run *r, const struct mmb_report_info *ri, FILE *f);
/* fault.c: the injected failures in the summary and the JSON */
void mmb_fault_summary(const struct mmb_run *r, FILE *f);
void mmb_fault_json(const struct mmb_run *r, struct json_writer *w);

/* ---- progress.c ---------------------------------------------------------- */

/* Progress of a long run on stderr (see progress.c). */
struct mmb_progress {
	int on;                         /* 0: --quiet */
	int tty;                        /* stderr is a terminal: one line rewritten */
	double every;                   /* seconds between lines */
	double t0, last;                /* when the phase began, the last line */
	const struct mmb_input *in;     /* the input being read (parse phase) */
	const struct mmb_prog *prog;
	size_t replayed, expect;        /* replay phase: operations done, to do */
	int run, runs;                  /* run i of n (--runs, warm-up included) */
	int shown;                      /* a line is on the terminal */
};
void mmb_progress_init(struct mmb_progress *pg, int on, double every);
/* Parse phase (input being read; operations may be replayed as they come). */
void mmb_progress_parse(struct mmb_progress *pg, const struct mmb_input *in,
			const struct mmb_prog *p);
/* Replay phase of a parsed program of `expect` operations. */
void mmb_progress_replay(struct mmb_progress *pg, size_t expect);
void mmb_progress_tick(struct mmb_progress *pg);        /* rate-limited */
void mmb_progress_done(struct mmb_progress *pg);        /* clears the terminal line */

#endif /* MMBENCH_WORKLOAD_H */
