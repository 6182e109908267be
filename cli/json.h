// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/json.h - a small JSON reader for `mmbench diff` (json.c): the whole
 * document as a tree of values, objects keeping their members in file
 * order.  Numbers are doubles (mmbench writes nothing a double cannot hold
 * exactly enough for a difference).
 */
#ifndef MMBENCH_JSON_H
#define MMBENCH_JSON_H

#include <stddef.h>

enum mmb_json_type { MJ_NULL, MJ_BOOL, MJ_NUM, MJ_STR, MJ_ARR, MJ_OBJ };

struct mmb_json {
	enum mmb_json_type type;
	double num;                     /* MJ_NUM, MJ_BOOL (0 or 1) */
	char *str;                      /* MJ_STR */
	size_t n;                       /* MJ_ARR, MJ_OBJ: elements / members */
	struct mmb_json *v;             /* [n] elements / member values */
	char **keys;                    /* MJ_OBJ: [n] member names */
};

/* Parses text[0..len); NULL with "what at offset N" in err when it is not
 * JSON (or nests deeper than 64). */
struct mmb_json *mmb_json_parse(const char *text, size_t len, char *err, size_t errlen);
void mmb_json_free(struct mmb_json *j);
/* Member `key` of an object, NULL when j is not an object or lacks it. */
const struct mmb_json *mmb_json_get(const struct mmb_json *j, const char *key);
/* The number at j, or dflt when j is NULL or not a number / bool. */
double mmb_json_num(const struct mmb_json *j, double dflt);
/* The string at j, or dflt. */
const char *mmb_json_str(const struct mmb_json *j, const char *dflt);

#endif /* MMBENCH_JSON_H */
