// SPDX-License-Identifier: GPL-2.0-only
/*
 * printk.c - the machine's kernel log ("dmesg"), error reporting and taint
 * (kernel/printk, kernel/panic.c).
 *
 * Every refused operation and every warning (page allocation failure, slab
 * corruption report, ...) becomes a line in a per-machine ring buffer of
 * MM_LOG_SIZE bytes, is handed to the report callback if one is set, and -
 * for refused operations - becomes the calling thread's last error
 * (mm_last_errno()/mm_last_error()).  The last error is kept thread-locally
 * (so concurrent CPUs do not overwrite each other's) and in the machine,
 * with whether fault injection forced it.
 *
 * The report callback runs outside every libmm lock, so it may call back
 * into libmm: a line logged while the thread holds a lock taken through
 * mm_mutex_lock() (zone->lock, the slab's list and cache locks) waits in a
 * thread-local queue until the thread's last such lock is released
 * (mm_mutex_unlock()); otherwise the callback runs at once, after log_lock
 * is dropped.  While a callback or a constructor runs, mm_in_callback()
 * tells mm_destroy() and kmem_cache_destroy() to refuse.
 *
 * Taint (add_taint()): the kernel's bit numbers in mm->tainted, the
 * kernel's letters in print_tainted().  panic_on_taint=MASK: a taint whose
 * bit is in MASK logs the kernel's "Kernel panic - not syncing" line and
 * marks the calling thread's current call as failed; the library's entry
 * points that can detect corruption ask mm_taint_panicked() before they
 * return, and fail with EFAULT.  Unlike the kernel, the mask stays armed
 * and the machine keeps running.
 *
 * Locking: mm->log_lock guards the ring, the callback and the machine's copy
 * of the last error.  It is the innermost lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define ERR_MSG_MAX 1024

static __thread struct {
	unsigned long mm_id;            /* 0: no error of this thread's kept */
	int err;
	bool injected;                  /* forced by fault injection */
	unsigned long panic_mm_id;      /* panic_on_taint hit in this call */
} tls_err;

/* The error's text, ERR_MSG_MAX bytes a thread, is on the heap (err_msg_key):
 * libmm's TLS block is static - its hot variables are initial-exec - and a
 * library dlopen()ed into Python shares a few hundred bytes of static TLS
 * with every other one loaded after it. */
static pthread_key_t err_msg_key;
static pthread_once_t err_msg_once = PTHREAD_ONCE_INIT;

static void err_msg_key_create(void)
{
	pthread_key_create(&err_msg_key, free);
}

void *mm_thread_calloc(pthread_key_t *key, pthread_once_t *once, void (*create)(void),
		       size_t size)
{
	void *p;

	pthread_once(once, create);
	p = pthread_getspecific(*key);
	if (!p && (p = calloc(1, size)) && pthread_setspecific(*key, p)) {
		free(p);
		p = NULL;
	}
	return p;
}

/* ---- report callbacks outside the locks ------------------------------------ */

__thread int mm_lock_depth __attribute__((tls_model("initial-exec")));
__thread struct report_line *mm_report_queue __attribute__((tls_model("initial-exec")));
static __thread unsigned long tls_callback_mm;  /* machine whose callback/ctor runs */

struct report_line {
	struct report_line *next;
	unsigned long mm_id;
	mm_report_fn fn;
	void *arg;
	char text[];
};

/* Run fn as a callback of machine m (mm_in_callback() true meanwhile). */
static void run_callback(unsigned long mm_id, mm_report_fn fn, void *arg, const char *text)
{
	unsigned long prev = tls_callback_mm;

	tls_callback_mm = mm_id;
	fn(arg, text);
	tls_callback_mm = prev;
}

void mm_run_ctor(struct mm *m, void (*ctor)(void *), void *obj)
{
	unsigned long prev = tls_callback_mm;

	tls_callback_mm = m->id;
	ctor(obj);
	tls_callback_mm = prev;
}

bool mm_in_callback(struct mm *m)
{
	return tls_callback_mm == m->id;
}

/* The thread dropped its last libmm lock: deliver the lines it queued,
 * oldest first. */
void mm_report_flush(void)
{
	while (mm_report_queue && !mm_lock_depth) {
		struct report_line *l = mm_report_queue;

		mm_report_queue = l->next;
		run_callback(l->mm_id, l->fn, l->arg, l->text);
		free(l);
	}
}

static void report(struct mm *m, mm_report_fn fn, void *arg, const char *line)
{
	size_t n = strlen(line) + 1;
	struct report_line *l, **tail = &mm_report_queue;

	if (!mm_lock_depth) {
		run_callback(m->id, fn, arg, line);
		return;
	}
	l = malloc(sizeof(*l) + n);
	if (!l)
		return;
	l->next = NULL;
	l->mm_id = m->id;
	l->fn = fn;
	l->arg = arg;
	memcpy(l->text, line, n);
	while (*tail)
		tail = &(*tail)->next;
	*tail = l;
}

/* ---- the log -------------------------------------------------------------------- */

void mm_log_init(struct mm *m)
{
	pthread_mutex_init(&m->log_lock, NULL);
	m->log = calloc(1, MM_LOG_SIZE);
	m->log_head = m->log_len = 0;
}

/* The machine goes, and with it the destroying thread's last error when it
 * is this machine's: its text is freed now, not at thread exit, so that a
 * program that destroyed its machines holds nothing of libmm's. */
void mm_log_free(struct mm *m)
{
	free(m->log);
	m->log = NULL;
	pthread_mutex_destroy(&m->log_lock);
	if (tls_err.mm_id == m->id) {
		tls_err.mm_id = 0;
		free(pthread_getspecific(err_msg_key));
		pthread_setspecific(err_msg_key, NULL);
	}
}

/* Append one line to the ring; log_lock held. */
static void log_append(struct mm *m, const char *line)
{
	size_t n = strlen(line), i;

	if (!m->log)
		return;
	for (i = 0; i <= n; i++) {
		char c = i < n ? line[i] : '\n';

		m->log[(m->log_head + m->log_len) % MM_LOG_SIZE] = c;
		if (m->log_len < MM_LOG_SIZE)
			m->log_len++;
		else
			m->log_head = (m->log_head + 1) % MM_LOG_SIZE;
	}
}

/* Without memory for the text the thread keeps no error of its own: the
 * machine's copy answers mm_last_errno()/mm_last_error(). */
static void set_tls_error(struct mm *m, int err, bool injected, const char *msg)
{
	char *buf = mm_thread_calloc(&err_msg_key, &err_msg_once, err_msg_key_create,
				     ERR_MSG_MAX);

	tls_err.mm_id = buf ? m->id : 0;
	tls_err.err = err;
	tls_err.injected = injected;
	if (buf)
		snprintf(buf, ERR_MSG_MAX, "%s", msg);
}

static void vlog(struct mm *m, int err, const char *fmt, va_list ap)
{
	char line[1024];
	mm_report_fn fn;
	void *arg;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (err)
		set_tls_error(m, err, false, line);
	mm_lock(&m->log_lock, LOCK_LOG);
	if (err) {
		m->last_errno = err;
		snprintf(m->last_error, sizeof(m->last_error), "%s", line);
	}
	log_append(m, line);
	fn = m->report_fn;
	arg = m->report_arg;
	mm_unlock(&m->log_lock);
	if (fn)
		report(m, fn, arg, line);
}

void mm_printk(struct mm *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(m, 0, fmt, ap);
	va_end(ap);
}

int mm_error(struct mm *m, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(m, err, fmt, ap);
	va_end(ap);
	return -err;
}

int mm_unbound_error(struct mm *m, const char *fmt, ...)
{
	char who[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(who, sizeof(who), fmt, ap);
	va_end(ap);
	return mm_error(m, EINVAL, "%s: this thread is not bound to a CPU of the machine "
			"(call mm_cpu_bind first)", who);
}

/* An error without a log line (out of memory is counted, not logged here). */
void mm_set_errno(struct mm *m, int err)
{
	set_tls_error(m, err, false, strerror(err));
}

/* A failure forced by fault injection: ENOMEM, flagged as injected. */
void mm_set_errno_injected(struct mm *m, const char *what)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: failure injected (%s)", what, strerror(ENOMEM));
	set_tls_error(m, ENOMEM, true, msg);
}

int mm_last_fault_injected(struct mm *m)
{
	return m && tls_err.mm_id == m->id && tls_err.injected;
}

void mm_bug(struct mm *m, const char *file, int line, const char *cond)
{
	if (m)
		mm_printk(m, "kernel BUG at %s:%d: %s", file, line, cond);
	fprintf(stderr, "libmm BUG at %s:%d: %s\n", file, line, cond);
	abort();
}

char *mm_log_text(struct mm *m)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb);
	sb_puts(&sb, "");
	mm_lock(&m->log_lock, LOCK_LOG);
	for (i = 0; i < m->log_len; i++) {
		char c[2] = { m->log[(m->log_head + i) % MM_LOG_SIZE], 0 };

		sb_puts(&sb, c);
	}
	mm_unlock(&m->log_lock);
	return sb_finish(&sb);
}

int mm_last_errno(struct mm *m)
{
	int err;

	if (!m)
		return EINVAL;
	if (tls_err.mm_id == m->id)
		return tls_err.err;
	mm_lock(&m->log_lock, LOCK_LOG);
	err = m->last_errno;
	mm_unlock(&m->log_lock);
	return err;
}

const char *mm_last_error(struct mm *m)
{
	const char *msg;

	if (!m)
		return "no machine";
	msg = tls_err.mm_id == m->id ? pthread_getspecific(err_msg_key) : NULL;
	return msg ? msg : m->last_error;       /* NULL: freed at thread exit */
}

void mm_set_report_callback(struct mm *m, mm_report_fn fn, void *arg)
{
	if (!m)
		return;
	mm_lock(&m->log_lock, LOCK_LOG);
	m->report_fn = fn;
	m->report_arg = arg;
	mm_unlock(&m->log_lock);
}

/* ---- taint (kernel/panic.c) --------------------------------------------------- */

/* taint_flags[]: the letter when set and when clear, by bit number. */
static const char taint_chars[MM_TAINT_FLAGS_COUNT][2] = {
	{ 'P', 'G' }, { 'F', ' ' }, { 'S', ' ' }, { 'R', ' ' }, { 'M', ' ' },
	{ 'B', ' ' }, { 'U', ' ' }, { 'D', ' ' }, { 'A', ' ' }, { 'W', ' ' },
	{ 'C', ' ' }, { 'I', ' ' }, { 'O', ' ' }, { 'E', ' ' }, { 'L', ' ' },
	{ 'K', ' ' }, { 'X', ' ' }, { 'T', ' ' }, { 'N', ' ' }, { 'J', ' ' },
};

unsigned long mm_tainted(struct mm *m)
{
	return m ? __atomic_load_n(&m->tainted, __ATOMIC_RELAXED) : 0;
}

/* print_tainted(): "Not tainted" or "Tainted: " and one letter per flag. */
const char *print_tainted(struct mm *m, char *buf, size_t len)
{
	unsigned long t = mm_tainted(m);
	size_t n;

	if (!t) {
		snprintf(buf, len, "Not tainted");
		return buf;
	}
	n = (size_t)snprintf(buf, len, "Tainted: ");
	for (int i = 0; i < MM_TAINT_FLAGS_COUNT && n + 1 < len; i++)
		buf[n++] = taint_chars[i][(t >> i) & 1 ? 0 : 1];
	buf[n < len ? n : len - 1] = '\0';
	return buf;
}

void add_taint(struct mm *m, unsigned flag)
{
	__atomic_fetch_or(&m->tainted, 1ul << flag, __ATOMIC_RELAXED);
	if (m->cfg.panic_on_taint & (1ul << flag)) {
		mm_printk(m, "Kernel panic - not syncing: panic_on_taint set ...");
		tls_err.panic_mm_id = m->id;
	}
}

bool mm_taint_panicked(struct mm *m)
{
	if (likely(tls_err.panic_mm_id != m->id))
		return false;
	tls_err.panic_mm_id = 0;
	return true;
}

/* A refused call (rc == -EFAULT: an invalid free, detected corruption)
 * taints the machine with flag; it fails anyway, so a panic_on_taint hit
 * needs nothing more. */
int mm_taint_refusal(struct mm *m, int rc, unsigned flag)
{
	if (rc == -EFAULT) {
		add_taint(m, flag);
		mm_taint_panicked(m);
	}
	return rc;
}
