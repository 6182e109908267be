// SPDX-License-Identifier: GPL-2.0-only
/*
 * json_writer.c - the JSON writer (the rules and the reasons for a writer
 * of our own are in json_writer.h).
 *
 * State: level[0..depth) are the open containers, innermost last; each
 * knows its kind, layout and how many members it has, which is all a
 * member's separator needs (", " or ",\n" plus indent).  A broken rule
 * sets w->error and writes nothing, so the text stays well-formed up to the
 * mistake and jw_finish() reports it.  No locking: one owner per writer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_writer.h"

#define JW_FLUSH_BYTES (64u << 10)

static void jw_setup(struct json_writer *w, struct strbuf *sb, FILE *f)
{
	memset(w, 0, sizeof(*w));
	sb_init(&w->own);
	w->sb = sb ? sb : &w->own;
	w->file = f;
}

void jw_init(struct json_writer *w, struct strbuf *sb)
{
	jw_setup(w, sb, NULL);
}

void jw_init_file(struct json_writer *w, FILE *f)
{
	jw_setup(w, NULL, f);
}

void jw_init_members(struct json_writer *w, struct strbuf *sb)
{
	jw_setup(w, sb, NULL);
	w->level[0] = (struct jw_level){ .object = 1, .layout = JW_LINES, .bare = 1 };
	w->depth = 1;
	w->lines = 1;
	w->top_done = true;
}

static void jw_flush(struct json_writer *w)
{
	if (!w->file || !w->sb->len)
		return;
	if (fwrite(w->sb->buf, 1, w->sb->len, w->file) != w->sb->len)
		w->error = true;
	w->sb->len = 0;
}

int jw_finish(struct json_writer *w)
{
	bool bad = w->error || !w->top_done || w->depth > (w->level[0].bare ? 1 : 0) ||
		   w->sb->oom;

	if (w->file) {
		jw_flush(w);
		free(w->own.buf);
		sb_init(&w->own);
		bad |= w->error || ferror(w->file);
	}
	return bad ? -1 : 0;
}

static void jw_indent(struct json_writer *w, int lines)
{
	static const char spaces[] = "                                ";

	sb_puts(w->sb, "\n");
	sb_putn(w->sb, spaces, (size_t)(2 * lines) < sizeof(spaces) - 1
		? (size_t)(2 * lines) : sizeof(spaces) - 1);
}

static void jw_escaped(struct strbuf *sb, const char *s)
{
	const char *run = s;

	sb_puts(sb, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_putn(sb, run, (size_t)(s - run));
		run = s + 1;
		if (c == '"' || c == '\\')
			sb_printf(sb, "\\%c", c);
		else if (c == '\n')
			sb_puts(sb, "\\n");
		else if (c == '\t')
			sb_puts(sb, "\\t");
		else
			sb_printf(sb, "\\u%04x", c);
	}
	sb_putn(sb, run, (size_t)(s - run));
	sb_puts(sb, "\"");
}

/* A new member of l: the comma after the one before, the line break and
 * indent of a JW_LINES container (not before the first member of a bare
 * one, whose caller places it). */
static void jw_separate(struct json_writer *w, struct jw_level *l)
{
	if (l->members)
		sb_puts(w->sb, l->layout == JW_LINES ? "," : ", ");
	if (l->layout == JW_LINES && !(l->bare && !l->members))
		jw_indent(w, w->lines);
	l->members++;
}

/* Everything before a value: the separator, the line break and indent of
 * a JW_LINES container, the key.  false (nothing written) on a broken
 * rule. */
static bool jw_member(struct json_writer *w, const char *key)
{
	struct jw_level *l;

	if (w->error)
		return false;
	if (!w->depth) {
		if (key || w->top_done) {
			w->error = true;
			return false;
		}
		w->top_done = true;
		return true;
	}
	l = &w->level[w->depth - 1];
	if (!l->object != !key) {
		w->error = true;
		return false;
	}
	jw_separate(w, l);
	if (key) {
		jw_escaped(w->sb, key);
		sb_puts(w->sb, ": ");
	}
	if (w->file && w->sb->len >= JW_FLUSH_BYTES)
		jw_flush(w);
	return true;
}

static void jw_open(struct json_writer *w, const char *key, enum jw_layout layout, bool object)
{
	if (w->depth == JW_MAX_DEPTH) {
		w->error = true;
		return;
	}
	if (!jw_member(w, key))
		return;
	sb_puts(w->sb, object ? "{" : "[");
	w->level[w->depth++] = (struct jw_level){ .object = object, .layout = layout };
	if (layout == JW_LINES)
		w->lines++;
}

void jw_object(struct json_writer *w, const char *key, enum jw_layout layout)
{
	jw_open(w, key, layout, true);
}

void jw_array(struct json_writer *w, const char *key, enum jw_layout layout)
{
	jw_open(w, key, layout, false);
}

void jw_end(struct json_writer *w)
{
	struct jw_level *l;

	if (w->error)
		return;
	if (!w->depth || w->level[w->depth - 1].bare) {
		w->error = true;
		return;
	}
	l = &w->level[--w->depth];
	if (l->layout == JW_LINES)
		jw_indent(w, --w->lines);
	sb_puts(w->sb, l->object ? "}" : "]");
	if (!w->depth)
		sb_puts(w->sb, "\n");          /* a whole document ends its line */
}

void jw_string(struct json_writer *w, const char *key, const char *s)
{
	if (!jw_member(w, key))
		return;
	if (s)
		jw_escaped(w->sb, s);
	else
		sb_puts(w->sb, "null");
}

/* A number formatted once into a local buffer (sb_printf formats twice). */
#define JW_NUMBER(w, fmt, v)                                                    \
	do {                                                                    \
		char num_[64];                                                  \
		int n_ = snprintf(num_, sizeof(num_), (fmt), (v));              \
		if (n_ >= 0 && (size_t)n_ < sizeof(num_))                       \
			sb_putn((w)->sb, num_, (size_t)n_);                     \
		else                                                            \
			sb_printf((w)->sb, (fmt), (v));                         \
	} while (0)

void jw_int(struct json_writer *w, const char *key, long long v)
{
	if (jw_member(w, key))
		JW_NUMBER(w, "%lld", v);
}

void jw_uint(struct json_writer *w, const char *key, unsigned long long v)
{
	if (jw_member(w, key))
		JW_NUMBER(w, "%llu", v);
}

void jw_double(struct json_writer *w, const char *key, const char *fmt, double v)
{
	if (!jw_member(w, key))
		return;
	if (isfinite(v))
		JW_NUMBER(w, fmt, v);
	else
		sb_puts(w->sb, "null");
}

void jw_bool(struct json_writer *w, const char *key, bool v)
{
	if (jw_member(w, key))
		sb_puts(w->sb, v ? "true" : "false");
}

void jw_null(struct json_writer *w, const char *key)
{
	if (jw_member(w, key))
		sb_puts(w->sb, "null");
}

void jw_raw(struct json_writer *w, const char *key, const char *json)
{
	if (jw_member(w, key))
		sb_puts(w->sb, json);
}

void jw_raw_members(struct json_writer *w, const char *members)
{
	struct jw_level *l = w->depth ? &w->level[w->depth - 1] : NULL;
	size_t n;

	if (w->error || !*members)
		return;
	if (!l || !l->object || l->layout != JW_LINES || w->lines != 1) {
		w->error = true;
		return;
	}
	jw_separate(w, l);
	n = strlen(members);
	sb_putn(w->sb, members, n - (members[n - 1] == '\n'));
}
