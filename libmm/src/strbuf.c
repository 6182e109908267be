// SPDX-License-Identifier: GPL-2.0-only
/*
 * strbuf.c - a growable string for building reports.  Allocation failure
 * is sticky (sb->oom) and sb_finish() then returns NULL, so report code
 * needs no error checks of its own.  No locking: one owner per strbuf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strbuf.h"

void sb_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

static bool sb_reserve(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;
	char *nb;

	if (sb->oom)
		return false;
	if (want <= sb->cap)
		return true;
	if (want < 2 * sb->cap)
		want = 2 * sb->cap;
	if (want < 256)
		want = 256;
	nb = realloc(sb->buf, want);
	if (!nb) {
		sb->oom = true;
		return false;
	}
	sb->buf = nb;
	sb->cap = want;
	return true;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_putn(struct strbuf *sb, const char *s, size_t n)
{
	if (!sb_reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}

char *sb_finish(struct strbuf *sb)
{
	if (!sb_reserve(sb, 0)) {
		free(sb->buf);
		sb->buf = NULL;
		return NULL;
	}
	sb->buf[sb->len] = '\0';
	return sb->buf;
}
