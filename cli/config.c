/*
 * cli/config.c - the machine config text mmbench hands to mm_create(): a
 * base (--machine, else the workload's `machine` line, else the default
 * machine) with single keys merged in (--set KEY=VALUE, --seed N).
 *
 * Config text is words separated by blanks, each KEY=VALUE.  Merging keeps
 * the base's words in order, drops every one whose key a later word names,
 * and appends the overrides in order: a key appears once, its last value
 * wins, and everything the base said about other keys stays.  The library
 * judges the keys and values; this file only checks the KEY=VALUE shape
 * and finds a key's value (run.c asks whether the config says prefault=).
 */
#include <string.h>

#include "mmbench.h"
#include "workload.h"

#define CFG_BLANKS " \t\n"

/* Length of the key of word w (up to '='; the whole word if it has none). */
static size_t cfg_keylen(const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);

	return eq ? (size_t)(eq - w) : n;
}

/* Does any of sets[0..nsets) name the key of word w (n bytes)? */
static int cfg_overridden(const char *w, size_t n, const char *const *sets, int nsets)
{
	size_t k = cfg_keylen(w, n);

	for (int i = 0; i < nsets; i++)
		if (cfg_keylen(sets[i], strlen(sets[i])) == k && !strncmp(sets[i], w, k))
			return 1;
	return 0;
}

int mmb_config_word_ok(const char *w)
{
	size_t k = strcspn(w, "=" CFG_BLANKS);

	return k > 0 && w[k] == '=' && w[k + 1] && !w[k + 1 + strcspn(w + k + 1, CFG_BLANKS)];
}

const char *mmb_config_value(const char *config, const char *key)
{
	size_t k = strlen(key);

	for (const char *s = config; s && *s;) {
		size_t n;

		s += strspn(s, CFG_BLANKS);
		n = strcspn(s, CFG_BLANKS);
		if (n > k && cfg_keylen(s, n) == k && !strncmp(s, key, k))
			return s + k + 1;
		s += n;
	}
	return NULL;
}

char *mmb_config_merge(const char *base, const char *const *sets, int nsets)
{
	size_t len = base ? strlen(base) : 0;
	char *out, *o;

	for (int i = 0; i < nsets; i++)
		len += strlen(sets[i]) + 1;
	out = o = mmb_xrealloc(NULL, len + 1);
	for (const char *s = base; s && *s;) {
		size_t n;

		s += strspn(s, CFG_BLANKS);
		n = strcspn(s, CFG_BLANKS);
		if (n && !cfg_overridden(s, n, sets, nsets)) {
			memcpy(o, s, n);
			o += n;
			*o++ = ' ';
		}
		s += n;
	}
	for (int i = 0; i < nsets; i++) {
		size_t n = strlen(sets[i]);

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
