// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_json_writer.c - the JSON writer's rules (json_writer.h), text for
 * text: commas and ": " from the nesting state, the two layouts and their
 * indents, the newline after a whole document, string escapes, integers at
 * their limits, doubles in the caller's format with NaN and infinities as
 * null, members written apart and spliced, the FILE writer (flushed in
 * 64 KiB pieces) giving the same text as the strbuf writer, and every
 * broken rule refused (nothing written, jw_finish() fails).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_writer.h"
#include "ctest.h"

/* The text of a strbuf writer, and whether jw_finish() passed. */
static struct strbuf out;
static struct json_writer w;

static void start(void)
{
	free(out.buf);
	sb_init(&out);
	sb_puts(&out, "");
	jw_init(&w, &out);
}

#define CHECK_TEXT(finish_rc, text)                                              \
	do {                                                                     \
		int rc_ = jw_finish(&w);                                         \
		CHECK(rc_ == (finish_rc));                                       \
		CHECK(out.buf && !strcmp(out.buf, (text)));                      \
		if (out.buf && strcmp(out.buf, (text)))                          \
			fprintf(stderr, "  got:  [%s]\n  want: [%s]\n", out.buf, (text)); \
	} while (0)

static void test_inline(void)
{
	start();
	jw_object(&w, NULL, JW_INLINE);
	jw_int(&w, "a", 1);
	jw_array(&w, "b", JW_INLINE);
	jw_int(&w, NULL, 1);
	jw_int(&w, NULL, -2);
	jw_string(&w, NULL, "x");
	jw_end(&w);
	jw_object(&w, "c", JW_INLINE);
	jw_end(&w);
	jw_array(&w, "d", JW_INLINE);
	jw_end(&w);
	jw_bool(&w, "t", true);
	jw_bool(&w, "f", false);
	jw_null(&w, "n");
	jw_string(&w, "s", NULL);
	jw_raw(&w, "r", "[1,2]");
	jw_end(&w);
	CHECK_TEXT(0, "{\"a\": 1, \"b\": [1, -2, \"x\"], \"c\": {}, \"d\": [], \"t\": true, "
		   "\"f\": false, \"n\": null, \"s\": null, \"r\": [1,2]}\n");
}

/* JW_LINES: a line per member, two spaces per open JW_LINES container
 * (JW_INLINE ones do not indent), closing bracket on its own line. */
static void test_lines(void)
{
	start();
	jw_object(&w, NULL, JW_LINES);
	jw_string(&w, "schema", "x/1");
	jw_array(&w, "zones", JW_LINES);
	for (int i = 0; i < 2; i++) {
		jw_object(&w, NULL, JW_INLINE);
		jw_int(&w, "node", i);
		jw_end(&w);
	}
	jw_end(&w);
	jw_object(&w, "runs", JW_INLINE);
	jw_int(&w, "count", 3);
	jw_object(&w, "ops", JW_LINES);
	jw_int(&w, "alloc", 1);
	jw_int(&w, "free", 2);
	jw_end(&w);
	jw_end(&w);
	jw_array(&w, "empty", JW_LINES);
	jw_end(&w);
	jw_uint(&w, "tainted", 0);
	jw_end(&w);
	CHECK_TEXT(0, "{\n"
		   "  \"schema\": \"x/1\",\n"
		   "  \"zones\": [\n"
		   "    {\"node\": 0},\n"
		   "    {\"node\": 1}\n"
		   "  ],\n"
		   "  \"runs\": {\"count\": 3, \"ops\": {\n"
		   "    \"alloc\": 1,\n"
		   "    \"free\": 2\n"
		   "  }},\n"
		   "  \"empty\": [\n"
		   "  ],\n"
		   "  \"tainted\": 0\n"
		   "}\n");
}

static void test_scalars(void)
{
	start();
	jw_array(&w, NULL, JW_INLINE);
	jw_int(&w, NULL, LLONG_MIN);
	jw_uint(&w, NULL, ULLONG_MAX);
	jw_uint(&w, NULL, 0);
	jw_double(&w, NULL, "%.3f", 0.5);
	jw_double(&w, NULL, "%.1f", -2.25);
	jw_double(&w, NULL, "%.6g", 1e-7);
	jw_double(&w, NULL, "%.3f", NAN);
	jw_double(&w, NULL, "%.3f", INFINITY);
	jw_double(&w, NULL, "%.3f", -INFINITY);
	jw_end(&w);
	CHECK_TEXT(0, "[-9223372036854775808, 18446744073709551615, 0, 0.500, -2.2, 1e-07, "
		   "null, null, null]\n");
}

/* Quote, backslash, \n and \t short; other control bytes \u00XX; bytes
 * from 0x20 up (UTF-8 included) as they are; keys the same. */
static void test_escapes(void)
{
	start();
	jw_object(&w, NULL, JW_INLINE);
	jw_string(&w, "s", "q\"b\\s/n\nt\tr\rc\x01\x1f\x7f \xc3\xa9");
	jw_string(&w, "k\"\n", "");
	jw_end(&w);
	CHECK_TEXT(0, "{\"s\": \"q\\\"b\\\\s/n\\nt\\tr\\u000dc\\u0001\\u001f\x7f \xc3\xa9\", "
		   "\"k\\\"\\n\": \"\"}\n");
}

/* A broken rule writes nothing and fails jw_finish(); so does a document
 * left open. */
static void test_misuse(void)
{
	char deep[JW_MAX_DEPTH * 2 + 2];

	start();                                        /* a key inside an array */
	jw_array(&w, NULL, JW_INLINE);
	jw_int(&w, "k", 1);
	jw_int(&w, NULL, 2);
	jw_end(&w);
	CHECK_TEXT(-1, "[");

	start();                                        /* no key inside an object */
	jw_object(&w, NULL, JW_INLINE);
	jw_int(&w, NULL, 1);
	CHECK_TEXT(-1, "{");

	start();                                        /* a key at the top */
	jw_int(&w, "k", 1);
	CHECK_TEXT(-1, "");

	start();                                        /* two top-level values */
	jw_int(&w, NULL, 1);
	jw_int(&w, NULL, 2);
	CHECK_TEXT(-1, "1");

	start();                                        /* jw_end with nothing open */
	jw_end(&w);
	CHECK_TEXT(-1, "");

	start();                                        /* nothing written */
	CHECK_TEXT(-1, "");

	start();                                        /* left open */
	jw_object(&w, NULL, JW_LINES);
	jw_int(&w, "a", 1);
	CHECK_TEXT(-1, "{\n  \"a\": 1");

	start();                                        /* too deep */
	for (int i = 0; i <= JW_MAX_DEPTH; i++)
		jw_array(&w, NULL, JW_INLINE);
	for (int i = 0; i <= JW_MAX_DEPTH; i++)
		jw_end(&w);
	memset(deep, '[', JW_MAX_DEPTH);
	deep[JW_MAX_DEPTH] = '\0';
	CHECK_TEXT(-1, deep);

	start();                                        /* members spliced inline */
	jw_object(&w, NULL, JW_INLINE);
	jw_raw_members(&w, "\"a\": 1");
	jw_end(&w);
	CHECK_TEXT(-1, "{");
}

/* Members written apart (a library report) and spliced into another
 * writer's top-level JW_LINES object (mmbench's result) after its own. */
static void test_members(void)
{
	struct strbuf mem;
	struct json_writer mw;

	sb_init(&mem);
	sb_puts(&mem, "");
	jw_init_members(&mw, &mem);
	jw_string(&mw, "report_schema", "r/1");
	jw_array(&mw, "zones", JW_LINES);
	jw_int(&mw, NULL, 1);
	jw_end(&mw);
	jw_int(&mw, "tainted", 0);
	CHECK(jw_finish(&mw) == 0);
	CHECK(!strcmp(mem.buf, "\"report_schema\": \"r/1\",\n  \"zones\": [\n    1\n  ],\n"
		      "  \"tainted\": 0"));
	jw_end(&mw);                                    /* the bare level stays open */
	CHECK(jw_finish(&mw) == -1);

	start();
	jw_object(&w, NULL, JW_LINES);
	jw_string(&w, "schema", "m/1");
	jw_raw_members(&w, mem.buf);
	jw_end(&w);
	CHECK_TEXT(0, "{\n  \"schema\": \"m/1\",\n  \"report_schema\": \"r/1\",\n  \"zones\": [\n"
		   "    1\n  ],\n  \"tainted\": 0\n}\n");

	start();                /* as the only members, a newline ending them dropped */
	jw_object(&w, NULL, JW_LINES);
	jw_raw_members(&w, "\"a\": 1\n");
	jw_end(&w);
	CHECK_TEXT(0, "{\n  \"a\": 1\n}\n");

	start();                                        /* one level down: refused */
	jw_object(&w, NULL, JW_LINES);
	jw_object(&w, "x", JW_LINES);
	jw_raw_members(&w, "\"a\": 1");
	CHECK_TEXT(-1, "{\n  \"x\": {");
	free(mem.buf);
}

/* A document of ~1 MiB: the FILE writer's text is the strbuf writer's. */
static void big_document(struct json_writer *jw)
{
	jw_object(jw, NULL, JW_LINES);
	jw_array(jw, "timeline", JW_LINES);
	for (int i = 0; i < 20000; i++) {
		jw_object(jw, NULL, JW_INLINE);
		jw_int(jw, "op", i);
		jw_double(jw, "t_s", "%.6f", i / 7.0);
		jw_string(jw, "zone", "NORMAL");
		jw_end(jw);
	}
	jw_end(jw);
	jw_end(jw);
}

static void test_file(void)
{
	FILE *f = tmpfile();
	struct json_writer fw;
	char *text;
	long len;

	CHECK(f != NULL);
	if (!f)
		return;
	jw_init_file(&fw, f);
	big_document(&fw);
	CHECK(fw.sb->len < (64u << 10) + 256);          /* flushed as it went */
	CHECK(jw_finish(&fw) == 0);
	start();
	big_document(&w);
	CHECK(jw_finish(&w) == 0);
	len = ftell(f);
	CHECK(len > (1l << 20) && (size_t)len == out.len);
	text = malloc((size_t)len + 1);
	rewind(f);
	CHECK(text && fread(text, 1, (size_t)len, f) == (size_t)len);
	CHECK(text && !memcmp(text, out.buf, (size_t)len));
	free(text);
	fclose(f);
}

int main(void)
{
	sb_init(&out);
	test_inline();
	test_lines();
	test_scalars();
	test_escapes();
	test_misuse();
	test_members();
	test_file();
	free(out.buf);
	return ctest_done("test_json_writer");
}
