/* test_route: the path -> response table, its aliases, the Gopher+ form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "render/render_gopher.h"
#include "render/route.h"

static struct response
owned(const char *text)
{
	struct response r = {0};

	r.data = strdup(text);
	r.len = strlen(text);
	return r;
}

/* A response over RESPONSE_MAX (32-bit lengths) is refused, not cut. */
static void
test_response_take(void **state)
{
	struct routes t;
	struct response r = {0};
	const struct response *got;
	struct buf b;

	(void)state;
	routes_init(&t);
	buf_init(&b);
	buf_puts(&b, "ok");
	response_take(&r, &b);
	assert_null(b.data); /* taken */
	assert_int_equal(routes_add(&t, "/a", 2, &r), 0);
	assert_non_null(got = routes_get(&t, "/a", 2));
	assert_int_equal(got->len, 2);
	assert_memory_equal(got->data, "ok", 2);
	/* An empty buffer is an empty response, not a refused one. */
	response_take(&r, &b);
	assert_int_equal(routes_add(&t, "/empty", 6, &r), 0);
	assert_non_null(got = routes_get(&t, "/empty", 6));
	assert_int_equal(got->len, 0);
	/* Too long: what the length says is never read, only freed. */
	buf_puts(&b, "big");
	b.len = (size_t)RESPONSE_MAX + 1;
	response_take(&r, &b);
	assert_null(b.data);
	assert_null(r.data);
	assert_int_equal(r.len, 0);
	assert_int_equal(routes_add(&t, "/b", 2, &r), -1);
	assert_null(routes_get(&t, "/b", 2));
	routes_free(&t);
}

static void
test_add_get_grow(void **state)
{
	struct routes t;
	char path[32], want[32];

	routes_init(&t);
	/* Enough to grow the table several times. */
	for (int i = 0; i < 1000; i++) {
		struct response r;

		snprintf(path, sizeof(path), "/p/%d", i);
		snprintf(want, sizeof(want), "body %d", i);
		r = owned(want);
		assert_int_equal(routes_add(&t, path, strlen(path), &r), 0);
	}
	for (int i = 0; i < 1000; i++) {
		const struct response *r;

		snprintf(path, sizeof(path), "/p/%d", i);
		snprintf(want, sizeof(want), "body %d", i);
		r = routes_get(&t, path, strlen(path));
		assert_non_null(r);
		assert_int_equal(r->len, strlen(want));
		assert_memory_equal(r->data, want, r->len);
	}
	assert_null(routes_get(&t, "/p/1000", 7));
	assert_null(routes_get(&t, "/p/1", 2)); /* a prefix is not a path */
	/* Sealed (the array shrunk to its entries): all still there, in
	 * the order they were added. */
	routes_seal(&t);
	assert_int_equal(t.n, 1000);
	assert_int_equal(t.vcap, 1000);
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "/p/%d", i);
		assert_string_equal(t.v[i].path, path);
		assert_ptr_equal(routes_get(&t, path, strlen(path)),
		    &t.v[i].resp);
	}
	routes_free(&t);
}

static void
test_first_stays(void **state)
{
	struct routes t;
	struct response a = owned("first"), b = owned("second");

	routes_init(&t);
	assert_int_equal(routes_add(&t, "/x", 2, &a), 0);
	assert_int_equal(routes_add(&t, "/x", 2, &b), 1);
	assert_string_equal(routes_get(&t, "/x", 2)->data, "first");
	routes_free(&t);
}

/* An alias shares the bytes: same pointer, freed once (ASan checks). */
static void
test_alias_shares(void **state)
{
	struct routes t;
	struct response a = owned("menu\r\n.\r\n");
	const struct response *in, *al;

	a.menu = 1;
	routes_init(&t);
	assert_int_equal(routes_add(&t, "/2013/", 6, &a), 0);
	in = routes_get(&t, "/2013/", 6);
	assert_int_equal(routes_alias(&t, "/2013", 5, in), 0);
	/* Grow past the alias, so the table moves under both. */
	for (int i = 0; i < 200; i++) {
		char path[16];
		struct response r = owned("x");

		snprintf(path, sizeof(path), "/f%d", i);
		assert_int_equal(routes_add(&t, path, strlen(path), &r), 0);
	}
	in = routes_get(&t, "/2013/", 6);
	al = routes_get(&t, "/2013", 5);
	assert_non_null(al);
	assert_ptr_equal(al->data, in->data);
	assert_int_equal(al->len, in->len);
	assert_true(al->menu);
	assert_true(al->shared);
	assert_false(in->shared);
	/* An alias over a taken path leaves the taken one alone. */
	assert_int_equal(routes_alias(&t, "/f0", 3, in), 1);
	assert_string_equal(routes_get(&t, "/f0", 3)->data, "x");
	routes_free(&t);
}

static void
test_gopher_plus(void **state)
{
	const char menu[] = "iHello\t\tlocalhost\t70\r\n"
			    "0A post\t/2013/08/a.txt\tlocalhost\t70\r\n.\r\n";
	struct buf b;

	buf_init(&b);
	render_gopher_plus(&b, menu, sizeof(menu) - 1);
	buf_putc(&b, '\0');
	assert_false(b.failed);
	assert_string_equal(b.data,
	    "+-1\r\n"
	    "+INFO: iHello\t\tlocalhost\t70\r\n"
	    "+INFO: 0A post\t/2013/08/a.txt\tlocalhost\t70\r\n"
	    ".\r\n");
	buf_free(&b);
	/* Nothing but the end: an empty listing, still well formed. */
	buf_init(&b);
	render_gopher_plus(&b, ".\r\n", 3);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "+-1\r\n.\r\n");
	buf_free(&b);
}

/*
 * A big response is kept where it was made (pool_adopt), not copied
 * into the table: the load never holds a big page twice. A small one is
 * copied into the pool's blocks.
 */
static void
test_big_kept(void **state)
{
	struct routes t;
	struct response big = {0}, small = owned("small");
	const struct response *got;
	char *data;

	(void)state;
	routes_init(&t);
	big.len = POOL_ADOPT_MIN;
	data = big.data = malloc(big.len + 1);
	assert_non_null(data);
	memset(data, 'b', big.len);
	data[big.len] = '\0';
	assert_int_equal(routes_add(&t, "/big", 4, &big), 0);
	assert_null(big.data);
	assert_int_equal(routes_add(&t, "/small", 6, &small), 0);
	got = routes_get(&t, "/big", 4);
	assert_non_null(got);
	assert_ptr_equal(got->data, data);
	assert_int_equal(got->len, POOL_ADOPT_MIN);
	assert_int_equal(got->data[POOL_ADOPT_MIN - 1], 'b');
	got = routes_get(&t, "/small", 6);
	assert_string_equal(got->data, "small");
	routes_free(&t); /* frees the big one too (LeakSanitizer checks) */
}

struct seen {
	char paths[8][16];
	size_t n, stop_at;
};

static int
see(void *ctx, const struct route *r)
{
	struct seen *s = ctx;

	snprintf(s->paths[s->n++], sizeof(s->paths[0]), "%s", r->path);
	return s->n == s->stop_at ? -1 : 0;
}

/* Every entry, the alias and the empty selector too, in byte order. */
static void
test_each_sorted(void **state)
{
	static const char *const added[] = {"/b", "/a/", "/", "/a", "/B"};
	static const char *const want[] = {"", "/", "/B", "/a", "/a/", "/b"};
	struct seen s = {.stop_at = 0};
	struct routes t;
	const struct response *in;

	routes_init(&t);
	for (size_t i = 0; i < 5; i++) {
		struct response r = owned("x");

		assert_int_equal(routes_add(&t, added[i], strlen(added[i]), &r),
		    0);
	}
	in = routes_get(&t, "/", 1);
	assert_int_equal(routes_alias(&t, "", 0, in), 0);
	assert_int_equal(routes_each_sorted(&t, see, &s), 0);
	assert_int_equal(s.n, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(s.paths[i], want[i]);
	/* fn's -1 stops the walk and is the answer. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(routes_each_sorted(&t, see, &s), -1);
	assert_int_equal(s.n, 2);
	routes_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_response_take),
		cmocka_unit_test(test_add_get_grow),
		cmocka_unit_test(test_first_stays),
		cmocka_unit_test(test_alias_shares),
		cmocka_unit_test(test_gopher_plus),
		cmocka_unit_test(test_big_kept),
		cmocka_unit_test(test_each_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
