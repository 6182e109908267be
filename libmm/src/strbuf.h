// SPDX-License-Identifier: GPL-2.0-only
/*
 * strbuf.h - growable strings for reports (strbuf.c).  A header of its own
 * so that the JSON writer (json_writer.h), which mmbench shares, needs
 * nothing else of the library's internals.
 */
#ifndef LIBMM_STRBUF_H
#define LIBMM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom;               /* an allocation failed: sb_finish() returns NULL */
};
void sb_init(struct strbuf *sb);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_puts(struct strbuf *sb, const char *s);
void sb_putn(struct strbuf *sb, const char *s, size_t n);
char *sb_finish(struct strbuf *sb);   /* caller frees; NULL on OOM */

#endif /* LIBMM_STRBUF_H */
