// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/config.c - the machine config text mmbench hands to mm_create(): a
 * base (--machine, else the workload's `machine` line, else the default
 * machine) with single keys merged in (--set KEY=VALUE, --seed N).
 *
 * Config text is KEY=VALUE words, split as the library splits them: at
 * blanks, and at a comma followed by another KEY=VALUE ("cpus=2,NORMAL=64M";
 * "fail_page_alloc=1,100,0,3" is one word).  Merging keeps the base's words
 * in order, drops every one whose key a later word names (vmalloc= and
 * vmalloc_size= are one key, as in the library), and appends the overrides
 * in order, blank-separated: a key appears once (the library refuses a key
 * given twice), its last value wins, and everything the base said about
 * other keys stays.  The library judges the keys and values; this file only
 * checks the KEY=VALUE shape and finds a key's value (run.c asks whether the
 * config says prefault=).
 */
#include <string.h>

#include "mmbench.h"
#include "workload.h"

#define CFG_BLANKS " \t\n"

/* The next word of config text at *s (its length in *n), NULL at the end;
 * *s moves past it. */
static const char *cfg_word(const char **s, size_t *n)
{
	const char *w = *s + strspn(*s, CFG_BLANKS), *c;
	size_t len = strcspn(w, CFG_BLANKS);

	*s = w + len;
	if (!len)
		return NULL;
	for (c = memchr(w, ',', len); c; c = memchr(c + 1, ',', len - (size_t)(c + 1 - w))) {
		const char *after = c + 1, *next;
		size_t rest = len - (size_t)(after - w);

		next = memchr(after, ',', rest);
		if (memchr(after, '=', next ? (size_t)(next - after) : rest)) {
			*s = after;             /* a new KEY=VALUE after the comma */
			len = (size_t)(c - w);
			break;
		}
	}
	*n = len;
	return w;
}

/* The key of word w (n bytes), as the library counts keys: its length in
 * *k (up to '='; the whole word if it has none), vmalloc= as vmalloc_size=. */
static const char *cfg_key(const char *w, size_t n, size_t *k)
{
	const char *eq = memchr(w, '=', n);

	*k = eq ? (size_t)(eq - w) : n;
	if (*k == 7 && !strncmp(w, "vmalloc", 7)) {
		*k = 12;
		return "vmalloc_size";
	}
	return w;
}

/* Does any of sets[0..nsets) name the key of word w (n bytes)? */
static int cfg_overridden(const char *w, size_t n, const char *const *sets, int nsets)
{
	size_t k, ks;
	const char *key = cfg_key(w, n, &k);

	for (int i = 0; i < nsets; i++) {
		const char *set = cfg_key(sets[i], strlen(sets[i]), &ks);

		if (ks == k && !strncmp(set, key, k))
			return 1;
	}
	return 0;
}

int mmb_config_word_ok(const char *w)
{
	size_t k = strcspn(w, "=" CFG_BLANKS), n;
	const char *s = w;

	if (!(k > 0 && w[k] == '=' && w[k + 1] && !w[k + 1 + strcspn(w + k + 1, CFG_BLANKS)]))
		return 0;
	cfg_word(&s, &n);
	return !*s;                     /* one word, not "cpus=2,NORMAL=64M" */
}

const char *mmb_config_value(const char *config, const char *key, size_t *len)
{
	size_t k = strlen(key), n;
	const char *w;

	for (const char *s = config; s && (w = cfg_word(&s, &n));)
		if (n > k && w[k] == '=' && !strncmp(w, key, k)) {
			*len = n - k - 1;
			return w + k + 1;
		}
	return NULL;
}

char *mmb_config_merge(const char *base, const char *const *sets, int nsets)
{
	size_t len = base ? strlen(base) + 1 : 0, n;
	const char *w;
	char *out, *o;

	for (int i = 0; i < nsets; i++)
		len += strlen(sets[i]) + 1;
	out = o = mmb_xrealloc(NULL, len + 1);
	for (const char *s = base; s && (w = cfg_word(&s, &n));) {
		if (cfg_overridden(w, n, sets, nsets))
			continue;
		memcpy(o, w, n);
		o += n;
		*o++ = ' ';
	}
	for (int i = 0; i < nsets; i++) {
		n = strlen(sets[i]);
		if (cfg_overridden(sets[i], n, sets + i + 1, nsets - i - 1))
			continue;
		memcpy(o, sets[i], n);
		o += n;
		*o++ = ' ';
	}
	if (o > out)
		o--;
	*o = '\0';
	return out;
}
