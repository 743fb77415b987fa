/*
 * test_evict: which pre-request connection a full server closes to make
 * room: the silent ones first, oldest first; a waiting one only once it
 * has been idle EVICT_MIN_IDLE_MS; never one whose request has begun.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/evict.h"

static void
test_order(void **state)
{
	struct evict_list l = {0};
	struct evict_item a = {0}, b = {0}, c = {0}, d = {0};

	(void)state;
	assert_null(evict_pick(&l, 100000));
	evict_add(&l, &a, EVICT_WAITING, 1000);
	evict_add(&l, &b, EVICT_WAITING, 1500);
	/* a has been idle 999 ms: a handshake that moves is kept. */
	assert_null(evict_pick(&l, 1999));
	assert_ptr_equal(evict_pick(&l, 2000), &a);
	/* A silent one (a second in the kernel already) goes first. */
	evict_add(&l, &c, EVICT_SILENT, 2000);
	evict_add(&l, &d, EVICT_SILENT, 2001);
	assert_ptr_equal(evict_pick(&l, 2001), &c);
	evict_remove(&l, &c);
	assert_ptr_equal(evict_pick(&l, 2001), &d);
	evict_remove(&l, &d);
	assert_ptr_equal(evict_pick(&l, 2600), &a);
	/* a sends a byte: now b is the oldest idle one. */
	evict_touch(&l, &a, 2600);
	assert_ptr_equal(evict_pick(&l, 2600), &b);
	/* b's request begins: off the list for good (a touch is a no-op). */
	evict_remove(&l, &b);
	evict_touch(&l, &b, 2700);
	assert_int_equal(evict_count(&l), 1);
	assert_null(evict_pick(&l, 3599));
	assert_ptr_equal(evict_pick(&l, 3600), &a);
	evict_remove(&l, &a);
	evict_remove(&l, &a); /* twice is harmless */
	assert_int_equal(evict_count(&l), 0);
	assert_null(evict_pick(&l, 100000));
}

/* A silent one that speaks joins the waiting ones, as the newest. */
static void
test_silent_speaks(void **state)
{
	struct evict_list l = {0};
	struct evict_item s = {0}, w = {0};

	(void)state;
	evict_add(&l, &w, EVICT_WAITING, 0);
	evict_add(&l, &s, EVICT_SILENT, 500);
	assert_ptr_equal(evict_pick(&l, 600), &s);
	evict_touch(&l, &s, 700);
	assert_int_equal(s.queue, EVICT_WAITING);
	assert_null(evict_pick(&l, 900));      /* w idle 900 ms */
	assert_ptr_equal(evict_pick(&l, 1000), &w);
	evict_remove(&l, &w);
	assert_ptr_equal(evict_pick(&l, 1700), &s);
}

/* Many: removed from the middle, the ends and in any order. */
static void
test_many(void **state)
{
	struct evict_list l = {0};
	struct evict_item it[100];

	(void)state;
	for (int i = 0; i < 100; i++) {
		it[i] = (struct evict_item){0};
		evict_add(&l, &it[i], i % 2 ? EVICT_SILENT : EVICT_WAITING, i);
	}
	assert_int_equal(evict_count(&l), 100);
	for (int i = 1; i < 100; i += 2) {
		assert_ptr_equal(evict_pick(&l, 0), &it[i]);
		evict_remove(&l, &it[i]);
	}
	for (int i = 50; i < 100; i += 2)
		evict_remove(&l, &it[i]);
	for (int i = 0; i < 50; i += 2) {
		assert_ptr_equal(evict_pick(&l, 5000), &it[i]);
		evict_remove(&l, &it[i]);
	}
	assert_int_equal(evict_count(&l), 0);
	assert_null(l.head[0]);
	assert_null(l.tail[0]);
	assert_null(l.head[1]);
	assert_null(l.tail[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_silent_speaks),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
