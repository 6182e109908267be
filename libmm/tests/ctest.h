/*
 * ctest.h - a tiny test harness for libmm's C tests: CHECK() records a
 * failure with file:line and goes on; ctest_done() prints the summary line
 * and gives the exit code.  Each test program is a standalone main().
 */
#ifndef LIBMM_CTEST_H
#define LIBMM_CTEST_H

#include <stdio.h>
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

/* A copy of buddyinfo text, to compare machine state before and after. */
static inline char *ctest_buddyinfo(struct mm *m)
{
	return mm_report_text(m, "buddyinfo");
}

#endif /* LIBMM_CTEST_H */
