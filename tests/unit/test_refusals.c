/*
 * test_refusals: a flood of refused connections is one line a second,
 * and the counts in the lines add up to the connections refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/refusals.h"

static void
test_first_alone(void **state)
{
	struct refusals r = {0};
	char line[300];
	int again;

	(void)state;
	/* The first is the caller's to log; then a quiet second ends it. */
	assert_int_equal(refusals_add(&r, REFUSED_FULL, 5000), 1);
	assert_int_equal(refusals_flush(&r, 6000, line, sizeof(line), &again),
	    0);
	assert_int_equal(again, 0);
	/* And the next refusal is a first again. */
	assert_int_equal(refusals_add(&r, REFUSED_ADDRESS, 9000), 1);
}

static void
test_flood(void **state)
{
	struct refusals r = {0};
	char line[300];
	size_t lines = 0, firsts = 0, counted = 0;
	int again = 1;
	long t = 1000;

	(void)state;
	/* 10,000 refusals over 5 s: 2,000 a second, flushed each second. */
	for (int s = 0; s < 5; s++) {
		for (int i = 0; i < 2000; i++) {
			if (refusals_add(&r, i % 5 ? REFUSED_FULL
			    : REFUSED_ADDRESS, t + i / 2))
				firsts++;
		}
		t += 1000;
		if (refusals_flush(&r, t, line, sizeof(line), &again)) {
			size_t full = 0, addr = 0, total = 0;
			const char *p;

			lines++;
			sscanf(line, "refused %zu", &total);
			if ((p = strstr(line, ": ")) != NULL)
				sscanf(p + 2, "%zu over the connection cap",
				    &full);
			if ((p = strstr(line, ", ")) != NULL)
				sscanf(p + 2, "%zu too many connections from "
				    "this address", &addr);
			assert_int_equal(full + addr, total);
			counted += total;
		}
		assert_int_equal(again, 1);
	}
	assert_int_equal(firsts, 1);
	assert_int_equal(lines, 5);
	assert_int_equal(firsts + counted, 10000);
	/* The flood is over: one empty flush closes the second. */
	assert_int_equal(refusals_flush(&r, t + 1000, line, sizeof(line),
	    &again), 0);
	assert_int_equal(again, 0);
}

static void
test_line(void **state)
{
	struct refusals r = {0};
	char line[300];
	int again;

	(void)state;
	refusals_add(&r, REFUSED_FULL, 1000);
	refusals_add(&r, REFUSED_FULL, 1100);
	refusals_add(&r, REFUSED_FULL, 1200);
	refusals_add(&r, REFUSED_ADDRESS, 1300);
	refusals_evicted(&r, 1400);
	refusals_evicted(&r, 1500);
	assert_int_equal(refusals_flush(&r, 2000, line, sizeof(line), &again),
	    1);
	assert_string_equal(line, "refused 3 connections in 1.0 s: 2 over "
	    "the connection cap, 1 too many connections from this address; "
	    "closed 2 idle connections to make room");
	/* Evictions alone, and a second that starts with one. */
	assert_int_equal(refusals_evicted(&r, 2500), 0);
	assert_int_equal(refusals_flush(&r, 3000, line, sizeof(line), &again),
	    1);
	assert_string_equal(line, "refused 0 connections in 1.0 s; closed 1 "
	    "idle connection to make room");
	assert_int_equal(refusals_flush(&r, 4000, line, sizeof(line), &again),
	    0);
	assert_int_equal(refusals_evicted(&r, 4500), 1);
	/* A line cut short by a small buffer is still a string. */
	refusals_add(&r, REFUSED_FULL, 4600);
	refusals_add(&r, REFUSED_ADDRESS, 4700);
	assert_int_equal(refusals_flush(&r, 5500, line, 20, &again), 1);
	assert_int_equal(strlen(line), 19);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_alone),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
