// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctest.h - a tiny test harness for libmm's C tests: CHECK() records a
 * failure with file:line and goes on; ctest_done() prints the summary line
 * and gives the exit code.  Each test program is a standalone main().
 */
#ifndef LIBMM_CTEST_H
#define LIBMM_CTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmm/mm.h>

static int ctest_checks, ctest_failures;

#define CHECK(cond)                                                              \
	do {                                                                     \
		ctest_checks++;                                                  \
		if (!(cond)) {                                                   \
			ctest_failures++;                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
		}                                                                \
	} while (0)

#define CHECK_ERR(m, rc, errno_, substr)                                         \
	do {                                                                     \
		CHECK((rc) == -(errno_));                                        \
		CHECK(mm_last_errno(m) == (errno_));                             \
		CHECK(strstr(mm_last_error(m), (substr)) != NULL);               \
	} while (0)

/* mm_validate() must pass */
#define CHECK_VALID(m)                                                           \
	do {                                                                     \
		char verr_[1024];                                                \
		int vrc_ = mm_validate((m), verr_, sizeof(verr_));              \
		if (vrc_)                                                        \
			fprintf(stderr, "%s:%d: validate: %s\n", __FILE__,       \
				__LINE__, verr_);                                \
		CHECK(vrc_ == 0);                                                \
	} while (0)

static inline int ctest_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, ctest_checks, ctest_failures);
	return ctest_failures ? 1 : 0;
}

/* A machine from cfg with the calling thread bound to CPU 0; exits on a
 * bad config. */
static inline struct mm *ctest_machine(const char *cfg)
{
	char err[256];
	struct mm *m = mm_create(cfg, err, sizeof(err));

	if (!m) {
		fprintf(stderr, "mm_create(%s): %s\n", cfg, err);
		exit(2);
	}
	CHECK(mm_cpu_bind(m, 0) == 0);
	return m;
}

/* Reads and writes into free objects on purpose (ASan would stop them). */
#if defined(__SANITIZE_ADDRESS__)
#define NO_ASAN __attribute__((no_sanitize_address))
#else
#define NO_ASAN
#endif

static inline NO_ASAN void ctest_poke(void *p, size_t off, unsigned char v)
{
	((volatile unsigned char *)p)[off] = v;
}

static inline NO_ASAN unsigned char ctest_peek(const void *p, size_t off)
{
	return ((const volatile unsigned char *)p)[off];
}

/* A copy of buddyinfo text, to compare machine state before and after. */
static inline char *ctest_buddyinfo(struct mm *m)
{
	return mm_report_text(m, "buddyinfo");
}

#endif /* LIBMM_CTEST_H */
