// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/fuzz/standalone.c - a libFuzzer-compatible driver without libFuzzer:
 * runs LLVMFuzzerTestOneInput on every file named (directories: every file
 * in them; no argument: cli/fuzz/corpus) and then on N random mutations of
 * them (byte flips, insertions of workload-language words, truncation,
 * splicing, line duplication), N = $MMB_FUZZ_RUNS (default MMB_FUZZ_RUNS:
 * 30000, fewer for the replay target; no argument: MMB_FUZZ_CORPUS, or an
 * even sample of MMB_FUZZ_MAX_FILES of it).
 * Deterministic (fixed seed), so a failure reproduces.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

struct input { unsigned char *data; size_t size; };
static struct input *inputs;
static size_t ninputs;

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct input in = { 0 };
	long n;

	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	in.data = malloc(n > 0 ? (size_t)n : 1);
	in.size = n > 0 && fread(in.data, 1, (size_t)n, f) == (size_t)n ? (size_t)n : 0;
	fclose(f);
	inputs = realloc(inputs, (ninputs + 1) * sizeof(*inputs));
	inputs[ninputs++] = in;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or a directory's files in name order - every one, or with
 * max_files an even sample of that many (the same ones every run). */
static void add_path(const char *path, size_t max_files)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char buf[4096], **names = NULL;
	size_t n = 0, step;

	if (stat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	step = max_files && n > max_files ? (n + max_files - 1) / max_files : 1;
	for (size_t i = 0; i < n; i++) {
		if (i % step == 0) {
			snprintf(buf, sizeof(buf), "%s/%s", path, names[i]);
			add_file(buf);
		}
		free(names[i]);
	}
	free(names);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const words[] = {
	"repeat 3 {\n", "}\n", "$i", "${i}", "kmalloc ", "kfree ", "alloc_pages ", "free_pages ",
	"cache_create ", "cache_alloc ", "cache_free ", "cache_destroy ", "vmalloc ", "vfree ",
	"krealloc ", "cpu 1\n", "machine cpus=2\n", " 4K", " 0x", " 99999999999999999999",
	"|__GFP_ZERO", " GFP_ATOMIC", "# c\n", "\n", " kmem:kmalloc: ptr=0x10 bytes_req=8 ",
	" kmem:kfree: ptr=(nil)", "[001] ", "@ x + 0x10 0x8\n", "< 0x10\n", "> 0x20 0x9\n",
	"- 0x10\n", "repeat 100000000 {\n", "{", "$", "\t", "\r",
	"fault a ", "unmap a ", "pin a ", " longterm", "unpin a ", "compact\n",
	" kmem:mm_page_alloc: pfn=0x100 order=0 gfp_flags=GFP_HIGHUSER_MOVABLE ",
	" kmem:mm_page_free: pfn=0x100 order=0 ",
};

static size_t mutate(unsigned char *buf, size_t size, size_t cap)
{
	int n = 1 + (int)(next() % 4);

	while (n--) {
		size_t pos = size ? next() % (size + 1) : 0;

		switch (next() % 6) {
		case 0:
			if (size)
				buf[pos % size] ^= (unsigned char)(1u << (next() % 8));
			break;
		case 1: {
			const char *w = words[next() % (sizeof(words) / sizeof(words[0]))];
			size_t wl = strlen(w);

			if (size + wl <= cap) {
				memmove(buf + pos + wl, buf + pos, size - pos);
				memcpy(buf + pos, w, wl);
				size += wl;
			}
			break;
		}
		case 2:
			size = pos;
			break;
		case 3:
			if (size)
				buf[pos % size] = (unsigned char)next();
			break;
		case 4: {       /* splice another input in */
			const struct input *o = &inputs[next() % ninputs];
			size_t take = o->size ? next() % (o->size + 1) : 0;

			if (pos + take <= cap) {
				memcpy(buf + pos, o->data, take);
				if (pos + take > size)
					size = pos + take;
			}
			break;
		}
		default: {      /* duplicate a chunk */
			size_t len = size ? next() % 64 : 0, from = size ? next() % size : 0;

			if (from + len > size)
				len = size - from;
			if (size + len <= cap) {
				memmove(buf + pos + len, buf + pos, size - pos);
				memmove(buf + pos, buf + from + (from >= pos ? len : 0), len);
				size += len;
			}
		}
		}
	}
	return size;
}

#ifndef MMB_FUZZ_CORPUS
#define MMB_FUZZ_CORPUS "cli/fuzz/corpus"
#endif
#ifndef MMB_FUZZ_RUNS
#define MMB_FUZZ_RUNS 30000
#endif
#ifndef MMB_FUZZ_MAX_FILES
#define MMB_FUZZ_MAX_FILES 0            /* 0: the whole default corpus */
#endif

int main(int argc, char **argv)
{
	const char *runs_env = getenv("MMB_FUZZ_RUNS");
	long runs = runs_env ? atol(runs_env) : MMB_FUZZ_RUNS;
	size_t cap = 1 << 16;
	unsigned char *buf = malloc(cap);

	if (!getenv("MMB_FUZZ_VERBOSE") && !freopen("/dev/null", "w", stderr))
		return 1;
	for (int i = 1; i < argc; i++)
		add_path(argv[i], 0);
	if (argc < 2)
		add_path(MMB_FUZZ_CORPUS, MMB_FUZZ_MAX_FILES);
	if (!ninputs) {
		printf("standalone: no inputs\n");
		return 1;
	}
	for (size_t i = 0; i < ninputs; i++)
		LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].size);
	for (long r = 0; r < runs; r++) {
		const struct input *in = &inputs[next() % ninputs];
		size_t size = in->size < cap ? in->size : cap;

		memcpy(buf, in->data, size);
		size = mutate(buf, size, cap);
		LLVMFuzzerTestOneInput(buf, size);
	}
	printf("fuzz corpus: %zu inputs and %ld mutations parsed without a crash\n", ninputs, runs);
	for (size_t i = 0; i < ninputs; i++)
		free(inputs[i].data);
	free(inputs);
	free(buf);
	return 0;
}
