// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/progress.c - what a person watching a long run sees on stderr: the
 * phase (parse, with the replay streaming behind it, or replay of a parsed
 * program), lines and operations so far, the rate, and when the end is
 * known (the input's size, or the number of operations) the percentage
 * and an ETA.  On a terminal one line is rewritten every 0.25 s and cleared
 * at the end; otherwise a line is printed every `every` seconds (so logs of
 * long runs show progress too, and short runs print nothing); --quiet
 * turns it off.  Callers tick it every 65536 lines or operations.
 */
#include <stdio.h>
#include <unistd.h>

#include "workload.h"

void mmb_progress_init(struct mmb_progress *pg, int on, double every)
{
	*pg = (struct mmb_progress){ .on = on, .tty = isatty(2), .every = every };
	if (pg->tty)
		pg->every = 0.25;
	else if (every <= 0)
		pg->on = 0;
	pg->t0 = pg->last = mmb_now();
}

/* A new phase: a terminal shows it at its first tick, a log after `every`. */
static void phase(struct mmb_progress *pg)
{
	pg->t0 = mmb_now();
	pg->last = pg->tty ? 0 : pg->t0;
}

void mmb_progress_parse(struct mmb_progress *pg, const struct mmb_input *in,
			const struct mmb_prog *p)
{
	pg->in = in;
	pg->prog = p;
	pg->expect = 0;
	phase(pg);
}

void mmb_progress_replay(struct mmb_progress *pg, size_t expect)
{
	pg->in = NULL;
	pg->expect = expect;
	pg->replayed = 0;
	phase(pg);
}

static void mega(char *buf, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(buf, n, "%.2f M", v / 1e6);
	else
		snprintf(buf, n, "%.0f", v);
}

void mmb_progress_tick(struct mmb_progress *pg)
{
	double now = mmb_now(), el = now - pg->t0, frac, count;
	char run[32] = "", a[32], rate[32], eta[48] = "";

	if (!pg->on || now - pg->last < pg->every || el <= 0)
		return;
	pg->last = now;
	if (pg->runs > 1)
		snprintf(run, sizeof(run), "run %d/%d, ", pg->run, pg->runs);
	if (pg->in) {
		count = (double)pg->prog->lines;
		frac = mmb_input_fraction(pg->in);
	} else {
		count = (double)pg->replayed;
		frac = pg->expect ? (double)pg->replayed / (double)pg->expect : -1;
	}
	mega(a, sizeof(a), count);
	mega(rate, sizeof(rate), count / el);
	if (frac > 0 && frac < 1)       /* (a parser expanding repeats has read it all) */
		snprintf(eta, sizeof(eta), " (%.0f%%, ETA %.0f s)", frac * 100, el * (1 - frac) / frac);
	fprintf(stderr, "%smmbench: %s%s %s%s%s, %s%s/s%s%s", pg->tty ? "\r" : "", run,
		pg->in ? "parse" : "replay", a, pg->in ? " lines" : " operations", eta,
		rate, pg->in ? " lines" : " ops",
		pg->in && pg->prog->total ? ", replayed as they come" : "", pg->tty ? "\033[K" : "\n");
	pg->shown = pg->tty;
}

void mmb_progress_done(struct mmb_progress *pg)
{
	if (pg->shown)
		fprintf(stderr, "\r\033[K");
	pg->shown = 0;
}
