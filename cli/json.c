// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/json.c - reads a JSON document into a tree (json.h), for `mmbench
 * diff`.  Recursive descent over the text, nesting capped at 64; strings
 * keep their escapes decoded (\uXXXX to UTF-8, surrogate pairs joined).
 * Memory: one allocation per array/object/string, freed by mmb_json_free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "workload.h"

#define JSON_DEPTH 64

struct jp {
	const char *s, *end;
	const char *err;                /* first error, NULL while fine */
	size_t err_at;
	const char *start;
};

static int jp_fail(struct jp *p, const char *what)
{
	if (!p->err) {
		p->err = what;
		p->err_at = (size_t)(p->s - p->start);
	}
	return -1;
}

static void jp_ws(struct jp *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r'))
		p->s++;
}

static int jp_hex4(struct jp *p, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++, p->s++) {
		char c = p->s < p->end ? *p->s : 0;

		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= (unsigned)(c - '0');
		else if ((c | 32) >= 'a' && (c | 32) <= 'f')
			*out |= (unsigned)((c | 32) - 'a' + 10);
		else
			return jp_fail(p, "bad \\u escape");
	}
	return 0;
}

static size_t utf8_put(char *w, unsigned cp)
{
	if (cp < 0x80) {
		w[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		w[0] = (char)(0xc0 | cp >> 6);
		w[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		w[0] = (char)(0xe0 | cp >> 12);
		w[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		w[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	w[0] = (char)(0xf0 | cp >> 18);
	w[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	w[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	w[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string (p->s at its opening quote): a new '\0'-terminated copy. */
static char *jp_string(struct jp *p)
{
	const char *b = ++p->s;
	char *out, *w;

	while (p->s < p->end && *p->s != '"')
		p->s += *p->s == '\\' ? 2 : 1;
	if (p->s >= p->end) {
		jp_fail(p, "unterminated string");
		return NULL;
	}
	w = out = mmb_xrealloc(NULL, (size_t)(p->s - b) + 1);
	p->s = b;
	while (*p->s != '"') {
		unsigned cp, lo;
		char c = *p->s++;

		if (c != '\\') {
			*w++ = c;
			continue;
		}
		switch (c = *p->s++) {
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case 'r': *w++ = '\r'; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'u':
			if (jp_hex4(p, &cp))
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00 && p->end - p->s >= 6 && p->s[0] == '\\' &&
			    p->s[1] == 'u') {
				p->s += 2;
				if (jp_hex4(p, &lo))
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			w += utf8_put(w, cp);
			break;
		case '"': case '\\': case '/':
			*w++ = c;
			break;
		default:
			jp_fail(p, "bad escape");
			goto bad;
		}
	}
	p->s++;
	*w = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static int jp_value(struct jp *p, struct mmb_json *j, int depth);

static int jp_push(struct mmb_json *j, size_t *cap)
{
	if (j->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		j->v = mmb_xrealloc(j->v, *cap * sizeof(*j->v));
		if (j->type == MJ_OBJ)
			j->keys = mmb_xrealloc(j->keys, *cap * sizeof(*j->keys));
	}
	memset(&j->v[j->n], 0, sizeof(j->v[0]));
	return 0;
}

/* An array or object; p->s at its bracket. */
static int jp_container(struct jp *p, struct mmb_json *j, int depth)
{
	char close = *p->s == '[' ? ']' : '}';
	size_t cap = 0;

	j->type = close == ']' ? MJ_ARR : MJ_OBJ;
	p->s++;
	jp_ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		return 0;
	}
	for (;;) {
		jp_push(j, &cap);
		if (j->type == MJ_OBJ) {
			jp_ws(p);
			if (p->s >= p->end || *p->s != '"')
				return jp_fail(p, "expected a member name");
			if (!(j->keys[j->n] = jp_string(p)))
				return -1;
			jp_ws(p);
			if (p->s >= p->end || *p->s++ != ':') {
				j->n++;
				return jp_fail(p, "expected ':'");
			}
		}
		j->n++;
		if (jp_value(p, &j->v[j->n - 1], depth + 1))
			return -1;
		jp_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == close) {
			p->s++;
			return 0;
		}
		return jp_fail(p, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
	}
}

static int jp_word(struct jp *p, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(p->end - p->s) < n || memcmp(p->s, w, n))
		return jp_fail(p, "unexpected word");
	p->s += n;
	return 0;
}

static int jp_value(struct jp *p, struct mmb_json *j, int depth)
{
	char *e;

	if (depth > JSON_DEPTH)
		return jp_fail(p, "nested too deep");
	jp_ws(p);
	if (p->s >= p->end)
		return jp_fail(p, "unexpected end");
	switch (*p->s) {
	case '{': case '[':
		return jp_container(p, j, depth);
	case '"':
		j->type = MJ_STR;
		return (j->str = jp_string(p)) ? 0 : -1;
	case 't':
		j->type = MJ_BOOL;
		j->num = 1;
		return jp_word(p, "true");
	case 'f':
		j->type = MJ_BOOL;
		return jp_word(p, "false");
	case 'n':
		j->type = MJ_NULL;
		return jp_word(p, "null");
	}
	j->num = strtod(p->s, &e);
	if (e == p->s || e > p->end)
		return jp_fail(p, "unexpected character");
	j->type = MJ_NUM;
	p->s = e;
	return 0;
}

static void json_release(struct mmb_json *j)
{
	for (size_t i = 0; i < j->n; i++) {
		json_release(&j->v[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->v);
	free(j->keys);
	free(j->str);
}

void mmb_json_free(struct mmb_json *j)
{
	if (!j)
		return;
	json_release(j);
	free(j);
}

struct mmb_json *mmb_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct jp p = { .s = text, .end = text + len, .start = text };
	struct mmb_json *j = mmb_xrealloc(NULL, sizeof(*j));

	memset(j, 0, sizeof(*j));
	if (!jp_value(&p, j, 0)) {
		jp_ws(&p);
		if (p.s != p.end)
			jp_fail(&p, "trailing text");
	}
	if (p.err) {
		snprintf(err, errlen, "%s at offset %zu", p.err, p.err_at);
		mmb_json_free(j);
		return NULL;
	}
	return j;
}

const struct mmb_json *mmb_json_get(const struct mmb_json *j, const char *key)
{
	if (!j || j->type != MJ_OBJ)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->keys[i], key))
			return &j->v[i];
	return NULL;
}

double mmb_json_num(const struct mmb_json *j, double dflt)
{
	return j && (j->type == MJ_NUM || j->type == MJ_BOOL) ? j->num : dflt;
}

const char *mmb_json_str(const struct mmb_json *j, const char *dflt)
{
	return j && j->type == MJ_STR ? j->str : dflt;
}
