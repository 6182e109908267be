// SPDX-License-Identifier: GPL-2.0-only
/*
 * json_writer.h - the one JSON writer of libmm and mmbench (json_writer.c).
 *
 * Streaming: values are appended as they are given, nothing is built in
 * memory but the text.  The writer keeps the nesting state (open objects
 * and arrays, whether each has members yet), so commas, the ": " after a
 * key and the line breaks come from that state, never from peeking at the
 * text written so far.
 *
 * Layout, chosen per container when it is opened:
 *   JW_INLINE  {"a": 1, "b": [1, 2]}          - members after ", "
 *   JW_LINES   {                               - each member on a line of
 *                "a": 1,                         its own, indented two
 *                "b": [1, 2]                     spaces per open JW_LINES
 *              }                                 container; the closing
 *                                                bracket on its own line
 * (An empty JW_LINES container is "{\n}" indented the same way; a caller
 * that wants "[]" for nothing opens it JW_INLINE.)  The top-level
 * container, once closed, ends with a newline: the text is a whole file.
 *
 * Every value function takes the member's key: non-NULL inside an object,
 * NULL inside an array and for the top-level value.  Breaking a rule (a key
 * missing or extra, jw_end without a container, nesting deeper than
 * JW_MAX_DEPTH, a second top-level value) writes nothing and makes
 * jw_finish() fail.  Doubles are written with the caller's printf format
 * ("%.3f", "%.6g"); NaN and infinities, which JSON cannot carry, as null.
 *
 * Users: the library's reports (stats.c and the per-layer members it calls)
 * write into a struct strbuf; mmbench (cli/) writes to a FILE, which the
 * writer fills 64 KiB at a time.  The header needs only strbuf.h, so the
 * CLI - linked statically against libmm.a, with libmm/src on its include
 * path like every build of this tree - shares it without seeing the rest
 * of the library's internals.  The symbols are hidden from libmm.so.
 *
 * Why our own writer and not Debian's libjansson or json-c: both build a
 * tree of values first (an allocation per number: the report has thousands,
 * a timeline tens of thousands) and print doubles with "%.17g" - jansson
 * can lower the precision but keeps %g, json-c's per-value text needs a
 * string made by the caller - while the reports' fixed formats ("%.3f"
 * indices, "%.1f" ns, "%.6f" seconds) and their layout (zones one per
 * line, each zone's members on that line) are part of what users diff and
 * scripts read.  Neither can mix inline and one-per-line containers in one
 * document.  libmm only writes JSON (mmbench diff reads its own results
 * with cli/json.c), so a dependency would buy a parser nobody here needs
 * and add a shared library to libmm.so's users.  This writer is ~250
 * lines, allocates nothing but its text, and formats each number once
 * (mm_report_json() ran 1.6x faster than with the sb_printf calls it
 * replaced).
 */
#ifndef LIBMM_JSON_WRITER_H
#define LIBMM_JSON_WRITER_H

#include <stdbool.h>
#include <stdio.h>
#include "strbuf.h"

#define JW_MAX_DEPTH 16

enum jw_layout { JW_INLINE, JW_LINES };

struct jw_level {
	unsigned char object;           /* an object (keys), else an array */
	unsigned char layout;           /* enum jw_layout */
	unsigned char bare;             /* jw_init_members(): no brackets */
	unsigned long members;          /* written so far */
};

struct json_writer {
	struct strbuf *sb;              /* the text; &own when writing to a FILE */
	struct strbuf own;
	FILE *file;                     /* NULL: sb is the caller's */
	int depth;                      /* open containers: level[0..depth) */
	int lines;                      /* open JW_LINES containers (indent / 2) */
	bool top_done;                  /* the top-level value is written */
	bool error;                     /* a rule above was broken */
	struct jw_level level[JW_MAX_DEPTH];
};

/* A writer appending to sb (which the caller has sb_init()ed). */
void jw_init(struct json_writer *w, struct strbuf *sb);
/* A writer to f, flushed 64 KiB at a time and by jw_finish(). */
void jw_init_file(struct json_writer *w, FILE *f);
/* A writer of an object's members without its braces, laid out as the
 * members of a top-level JW_LINES object: "\"a\": 1,\n  \"b\": 2".  A
 * JW_LINES object elsewhere takes them whole with jw_raw_members(). */
void jw_init_members(struct json_writer *w, struct strbuf *sb);
/* 0 when every container is closed and every rule kept (and, for a FILE,
 * the text is written); -1 otherwise. */
int jw_finish(struct json_writer *w);

void jw_object(struct json_writer *w, const char *key, enum jw_layout layout);
void jw_array(struct json_writer *w, const char *key, enum jw_layout layout);
void jw_end(struct json_writer *w);                     /* closes the innermost */

void jw_string(struct json_writer *w, const char *key, const char *s);      /* NULL: null */
void jw_int(struct json_writer *w, const char *key, long long v);
void jw_uint(struct json_writer *w, const char *key, unsigned long long v);
void jw_double(struct json_writer *w, const char *key, const char *fmt, double v);
void jw_bool(struct json_writer *w, const char *key, bool v);
void jw_null(struct json_writer *w, const char *key);
/* A value written elsewhere as JSON text, copied as it is. */
void jw_raw(struct json_writer *w, const char *key, const char *json);
/* Members written elsewhere by jw_init_members(), appended to the
 * innermost container (a JW_LINES object one level below the top).  A
 * newline ending them (mm_report_json_members() has one) is left out: the
 * container's layout places the line breaks. */
void jw_raw_members(struct json_writer *w, const char *members);

#endif /* LIBMM_JSON_WRITER_H */
