/*
 * printk.c - the machine's kernel log ("dmesg") and error reporting.
 *
 * Every refused operation and every warning (page allocation failure, slab
 * corruption report, ...) becomes a line in a per-machine ring buffer of
 * MM_LOG_SIZE bytes, is handed to the report callback if one is set, and -
 * for refused operations - becomes the calling thread's last error
 * (mm_last_errno()/mm_last_error()).  The last error is kept thread-locally
 * (so concurrent CPUs do not overwrite each other's) and in the machine.
 *
 * Locking: mm->log_lock guards the ring, the callback and the machine's copy
 * of the last error.  It is the innermost lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static __thread struct {
	unsigned long mm_id;
	int err;
	char msg[1024];
} tls_err;

void mm_log_init(struct mm *m)
{
	pthread_mutex_init(&m->log_lock, NULL);
	m->log = calloc(1, MM_LOG_SIZE);
	m->log_head = m->log_len = 0;
}

void mm_log_free(struct mm *m)
{
	free(m->log);
	m->log = NULL;
	pthread_mutex_destroy(&m->log_lock);
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

static void vlog(struct mm *m, int err, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (err) {
		tls_err.mm_id = m->id;
		tls_err.err = err;
		snprintf(tls_err.msg, sizeof(tls_err.msg), "%s", line);
	}
	pthread_mutex_lock(&m->log_lock);
	if (err) {
		m->last_errno = err;
		snprintf(m->last_error, sizeof(m->last_error), "%s", line);
	}
	log_append(m, line);
	if (m->report_fn)
		m->report_fn(m->report_arg, line);
	pthread_mutex_unlock(&m->log_lock);
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

/* An error without a log line (out of memory is counted, not logged here). */
void mm_set_errno(struct mm *m, int err)
{
	tls_err.mm_id = m->id;
	tls_err.err = err;
	snprintf(tls_err.msg, sizeof(tls_err.msg), "%s", strerror(err));
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
	pthread_mutex_lock(&m->log_lock);
	for (i = 0; i < m->log_len; i++) {
		char c[2] = { m->log[(m->log_head + i) % MM_LOG_SIZE], 0 };

		sb_puts(&sb, c);
	}
	pthread_mutex_unlock(&m->log_lock);
	return sb_finish(&sb);
}

int mm_last_errno(struct mm *m)
{
	int err;

	if (!m)
		return EINVAL;
	if (tls_err.mm_id == m->id)
		return tls_err.err;
	pthread_mutex_lock(&m->log_lock);
	err = m->last_errno;
	pthread_mutex_unlock(&m->log_lock);
	return err;
}

const char *mm_last_error(struct mm *m)
{
	if (!m)
		return "no machine";
	if (tls_err.mm_id == m->id)
		return tls_err.msg;
	return m->last_error;
}

void mm_set_report_callback(struct mm *m, mm_report_fn fn, void *arg)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->log_lock);
	m->report_fn = fn;
	m->report_arg = arg;
	pthread_mutex_unlock(&m->log_lock);
}
