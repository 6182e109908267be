/*
 * cli/workload.h - what mmbench's parser, trace importers, replayer and
 * report writer share: the program (an array of operations plus the handle
 * and cache tables they name), built once before the replay so that parsing
 * is timed apart from it.
 *
 * Three producers build a program through prog.c: the workload language
 * (parse.c), glibc mtrace files and `perf script` text of the kmem:
 * tracepoints (trace.c).  The replayer (replay.c) runs it against a libmm
 * machine or the process's malloc; report.c writes the summary and JSON.
 *
 * Handles and caches are small integers (slots).  A handle slot is reused
 * after its object is freed; every operation on a handle carries the slot's
 * sequence number at that point of the file (`seq`), so that in --threads
 * mode an operation waits until every earlier operation on the same handle
 * (on whatever CPU) has run: file order per handle, CPU order per CPU.
 */
#ifndef MMBENCH_WORKLOAD_H
#define MMBENCH_WORKLOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <libmm/mm.h>

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
	uint32_t handle;        /* handle slot; cache slot for cache_create/destroy */
	uint32_t cache;         /* cache_alloc / cache_free: the cache slot */
	uint32_t line;          /* source line (trace: event line) */
	uint64_t size;          /* bytes (kmalloc, krealloc, vmalloc, cache_create) */
	uint32_t flags;         /* gfp_t, or slab_flags_t for cache_create */
	uint32_t seq;           /* --threads: handle slot's sequence before this op */
	uint32_t cseq;          /* --threads: cache ops done before it may run */
	uint32_t align;         /* cache_create: alignment */
};

/* Run-time state of a handle: the object, and the sequence of operations
 * done on the slot (--threads only). */
struct mmb_handle {
	void *ptr;              /* object, struct page *, or NULL (not live / failed) */
	_Atomic uint32_t seq;   /* operations done on this slot */
	uint32_t pad;
};

/* A cache slot: name and run-time state. */
struct mmb_cache {
	char *name;
	void *cache;            /* struct kmem_cache *, or the object size (malloc) */
	uint64_t size;          /* object size (cache_create) */
	_Atomic uint32_t done;  /* operations done on this slot (--threads) */
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
};

/* The program: operations in file order plus the slot tables. */
struct mmb_prog {
	struct mmb_op *ops;
	size_t nops, cap;
	struct mmb_handle *handles;     /* nhandles slots, zeroed before the replay */
	uint32_t nhandles;
	struct mmb_cache *caches;
	uint32_t ncaches, caches_cap;
	char *machine;                  /* the workload's machine line, or NULL */
	unsigned machine_line;          /* its line number */
	const char *format;             /* "mmw", "mtrace", "perf" */
	int max_cpu;                    /* highest CPU named */
	unsigned long lines;            /* input lines read */
	struct mmb_import import;
};

/* ---- prog.c: building a program --------------------------------------- */

void mmb_prog_init(struct mmb_prog *p, const char *format);
void mmb_prog_free(struct mmb_prog *p);
/* Appends an operation (copied); returns it.  Aborts on out of memory. */
struct mmb_op *mmb_prog_add(struct mmb_prog *p, const struct mmb_op *op);
/* Allocates the run-time handle table (nhandles slots, zeroed). */
void mmb_prog_ready(struct mmb_prog *p);
uint32_t mmb_prog_cache(struct mmb_prog *p, const char *name, size_t len);
void *mmb_xrealloc(void *ptr, size_t size);
char *mmb_xstrndup(const char *s, size_t n);

/* A string -> uint32 hash map (handle and cache names, trace addresses). */
struct mmb_map {
	struct mmb_map_ent { uint64_t hash; char *key; uint32_t klen, val; } *ents;
	size_t cap, used;
};
void mmb_map_init(struct mmb_map *mp);
void mmb_map_free(struct mmb_map *mp);
/* The entry for key (inserted with val = UINT32_MAX when absent). */
struct mmb_map_ent *mmb_map_get(struct mmb_map *mp, const char *key, size_t len, int *created);

/* A uint64 -> uint32 map (addresses, PFNs) with deletion. */
struct mmb_imap {
	struct mmb_imap_ent { uint64_t key; uint32_t val; uint32_t state; } *ents;
	size_t cap, used, tomb;
};
void mmb_imap_init(struct mmb_imap *mp);
void mmb_imap_free(struct mmb_imap *mp);
uint32_t *mmb_imap_find(struct mmb_imap *mp, uint64_t key);
void mmb_imap_put(struct mmb_imap *mp, uint64_t key, uint32_t val);
int mmb_imap_del(struct mmb_imap *mp, uint64_t key, uint32_t *val);

/* ---- parse.c: the workload language ----------------------------------- */

/* Parses text (len bytes, NUL-terminated) named `file` into p.  On error
 * prints "FILE:LINE: message" to stderr (up to a few) and returns -1. */
int mmb_parse_workload(struct mmb_prog *p, const char *file, const char *text, size_t len);
/* After the machine exists: checks what depends on it (orders against
 * max_page_order, CPUs against the CPU count).  -1 after messages. */
int mmb_check_machine(struct mmb_prog *p, const char *file, int nr_cpus, unsigned max_order);
/* "4096", "4K", "2M", "1G", "0x1000": 0 and *out, -1 if malformed. */
int mmb_parse_size(const char *s, size_t len, uint64_t *out);

/* ---- trace.c: real traces --------------------------------------------- */

int mmb_import_mtrace(struct mmb_prog *p, const char *file, const char *text, size_t len);
int mmb_import_perf(struct mmb_prog *p, const char *file, const char *text, size_t len);

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

struct mmb_zsample {                    /* one zone at one timeline point */
	int node, zone;
	unsigned long free;                     /* NR_FREE_PAGES */
	unsigned long nr_free[MM_NR_ORDERS_MAX];  /* buddyinfo */
};

struct mmb_sample {                     /* one timeline point */
	size_t op;                      /* operations done */
	double t_s;                     /* seconds since the replay began */
	int nzones;
	struct mmb_zsample *z;
};

enum mmb_backend { MMB_BACKEND_LIBMM, MMB_BACKEND_MALLOC };

struct mmb_run {
	/* inputs */
	struct mmb_prog *prog;
	struct mm *m;                   /* NULL with the malloc backend */
	enum mmb_backend backend;
	int threads;                    /* one thread per CPU */
	int progress;                   /* progress line on stderr */
	int timeline_points;            /* samples wanted (0 = none) */
	size_t tick_every;              /* mm_tick() every N operations (0 = never) */
	size_t tick_left;               /* operations before the next tick */
	/* outputs */
	struct mmb_stat stat[OP_NR_KINDS + 2];  /* [OP_CPU], [OP_FAULT_INJECT]: not reported */
	struct mmb_sample *timeline;
	size_t ntimeline, timeline_cap;
	double replay_s;
	double ns_per_tick;
	unsigned long runtime_errors;   /* refused frees etc. (the library's log says why) */
};

int mmb_replay(struct mmb_run *r);
/* Latency quantile q (0..1) of a kind in ns; 0 if nothing was timed. */
double mmb_stat_quantile(const struct mmb_run *r, int kind, double q);
void mmb_free_objects(struct mmb_run *r);       /* frees what the replay left live */
void mmb_run_free(struct mmb_run *r);           /* the timeline */
/* The kernel's unusable free space index (x1000) of order `order`. */
int mmb_unusable_index(const unsigned long *nr_free, int max_order, int order);
double mmb_now(void);

/* ---- report.c ---------------------------------------------------------- */

struct mmb_report_info {
	const char *workload, *format, *machine_config, *malloc_name;
	long seed;
	double parse_s, elapsed_s;
	int validate_done;
	const char *validate_err;       /* NULL = clean */
};
int mmb_write_json(const struct mmb_run *r, const struct mmb_report_info *ri, const char *path);
void mmb_print_summary(const struct mmb_run *r, const struct mmb_report_info *ri, FILE *f);
/* fault.c: the injected failures in the summary and the JSON */
void mmb_fault_summary(const struct mmb_run *r, FILE *f);
void mmb_fault_json(const struct mmb_run *r, FILE *f);

#endif /* MMBENCH_WORKLOAD_H */
