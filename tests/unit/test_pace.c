/*
 * test_pace: the write deadline (a limit on time without progress, and a
 * minimum rate after a grace), and the deadlines under pressure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "proto/pace.h"

#define T 10000 /* the write timeout of these cases, ms */

/*
 * Each row: checks at the given times (ms since the answer began) with
 * the client's acknowledged bytes then, and the verdict of the last one;
 * GOING rows also say when the next check is due.
 */
struct step {
	long at;
	size_t acked;
};

static const struct {
	const char *name;
	struct step steps[8];
	size_t nsteps;
	enum pace_verdict want;
	long next; /* for PACE_GOING: the last check's next_ms */
} cases[] = {
	{"first check, nothing yet: a quarter of the timeout later",
	    {{2500, 0}}, 1, PACE_GOING, 2500},
	{"nothing acknowledged for the whole timeout: idle",
	    {{2500, 0}, {5000, 0}, {7500, 0}, {10000, 0}}, 4, PACE_IDLE, 0},
	{"the next check falls exactly on the deadline",
	    {{0, 100000}, {2500, 100000}, {5000, 100000}, {9000, 100000}}, 4,
	    PACE_GOING, 1000},
	{"nothing at all for the grace: slow before idle",
	    {{2500, 0}, {5000, 0}}, 2, PACE_SLOW, 0},
	{"a byte acknowledged is progress: the deadline moves",
	    {{2500, 100000}, {5000, 100000}, {7500, 100000}, {10000, 100000}},
	    4, PACE_GOING, 2500},
	{"... and is counted from the check that saw it",
	    {{2500, 100000}, {5000, 100000}, {7500, 100000}, {12500, 100000}},
	    4, PACE_IDLE, 0},
	{"an honest 50 KB/s reader, long after the grace",
	    {{2500, 125000}, {5000, 250000}, {60000, 3000000}}, 3,
	    PACE_GOING, 2500},
	{"under 1 KB/s after the grace: slow",
	    {{2500, 2000}, {5000, 4000}, {7500, 6000}}, 3, PACE_SLOW, 0},
	{"under 1 KB/s inside the grace: not yet",
	    {{2500, 1000}, {4900, 2000}}, 2, PACE_GOING, 2500},
	{"exactly 1 KB/s at the grace is enough",
	    {{2500, 2560}, {5000, 5120}}, 2, PACE_GOING, 2500},
	{"a trickle reader (a byte every few seconds) is cut by the rate",
	    {{2500, 3}, {5000, 5}, {7500, 8}}, 3, PACE_SLOW, 0},
	{"a big kernel buffer early does not hide a stall later",
	    {{2500, 300000}, {5000, 300000}, {7500, 300000},
	    {12500, 300000}}, 4, PACE_IDLE, 0},
};

static void
test_write_deadline(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pace p;
		enum pace_verdict v = PACE_GOING;
		long next = -1;

		pace_start(&p, 1000000);
		for (size_t k = 0; k < cases[i].nsteps; k++)
			v = pace_check(&p, 1000000 + cases[i].steps[k].at,
			    cases[i].steps[k].acked, T, &next);
		if (v != cases[i].want ||
		    (v == PACE_GOING && next != cases[i].next)) {
			print_error("%s: verdict %d next %ld, want %d next %ld\n",
			    cases[i].name, v, next, cases[i].want,
			    cases[i].next);
			fail();
		}
	}
}

/* A socket that takes bytes is progress too (conn_flush stamps it). */
static void
test_written_is_progress(void **state)
{
	struct pace p;
	long next;

	(void)state;
	pace_start(&p, 0);
	assert_int_equal(pace_check(&p, 3000, 1000000, T, &next), PACE_GOING);
	p.progress_ms = 9000; /* a write at 9 s; nothing more acknowledged */
	assert_int_equal(pace_check(&p, 10000, 1000000, T, &next), PACE_GOING);
	assert_int_equal(next, 2500);
	assert_int_equal(pace_check(&p, 18999, 1000000, T, &next), PACE_GOING);
	assert_int_equal(next, 1);
	assert_int_equal(pace_check(&p, 19000, 1000000, T, &next), PACE_IDLE);
}

static void
test_interval(void **state)
{
	(void)state;
	assert_int_equal(pace_interval(10000), 2500);
	assert_int_equal(pace_interval(1000), 250);
	/* A long timeout still has the rate looked at every 5 s. */
	assert_int_equal(pace_interval(60000), 5000);
	/* A tiny timeout is not a busy loop. */
	assert_int_equal(pace_interval(1), 50);
}

static void
test_pressure(void **state)
{
	static const struct {
		size_t open, max;
		int want;
	} rows[] = {
		{0, 1024, 0}, {768, 1024, 0}, {769, 1024, 1}, {1024, 1024, 1},
		{3, 4, 0}, {4, 4, 1}, {0, 0, 0}, {1, 0, 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (pace_pressure(rows[i].open, rows[i].max) != rows[i].want) {
			print_error("%zu of %zu: want %d\n", rows[i].open,
			    rows[i].max, rows[i].want);
			fail();
		}
}

static void
test_deadline(void **state)
{
	static const struct {
		int configured, pressure, waited, want;
	} rows[] = {
		{10000, 0, 0, 10000},    /* no pressure: as configured */
		{10000, 0, 1000, 10000}, /* ... whatever the kernel held */
		{10000, 1, 0, 2000},     /* pressure: 2 s */
		{10000, 1, 1000, 1000},  /* silent a second in the kernel: 1 */
		{10000, 1, 5000, 500},   /* never under half a second */
		{1000, 1, 0, 1000},      /* never longer than configured */
		{300, 1, 1000, 300},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = pace_deadline(rows[i].configured, rows[i].pressure,
		    rows[i].waited);

		if (got != rows[i].want) {
			print_error("row %zu: %d, want %d\n", i, got,
			    rows[i].want);
			fail();
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_deadline),
		cmocka_unit_test(test_written_is_progress),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_pressure),
		cmocka_unit_test(test_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
