// SPDX-License-Identifier: GPL-2.0-only
/*
 * workloads/traces/mtrace_shim.c - LD_PRELOAD shim for capture.sh: turns
 * glibc's malloc tracing on before main() (mtrace() reads MALLOC_TRACE) and
 * off at exit.  Since glibc 2.34 mtrace() lives in libc_malloc_debug.so,
 * which capture.sh preloads first.  Child processes are not traced (they
 * would truncate the file): the shim removes MALLOC_TRACE and LD_PRELOAD
 * from the environment once tracing has started.
 */
#include <mcheck.h>
#include <stdlib.h>

__attribute__((constructor)) static void shim_start(void)
{
	if (!getenv("MALLOC_TRACE"))
		return;
	mtrace();
	unsetenv("MALLOC_TRACE");
	unsetenv("LD_PRELOAD");
}

__attribute__((destructor)) static void shim_stop(void)
{
	muntrace();
}
