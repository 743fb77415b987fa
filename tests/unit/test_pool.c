/* test_pool: copies packed into blocks, kept intact, freed whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/pool.h"
#include "base/sanitized.h"

/* Byte k of copy i: every copy can be checked after all the others. */
static char
byte_of(size_t i, size_t k)
{
	return (char)('a' + (i * 7 + k) % 26);
}

static void
test_copies_stay(void **state)
{
	/* Small and large, past a block (1 MiB) and a quarter of one. */
	static const size_t sizes[] = {0, 1, 7, 100, 4095, 4096, 70000,
	    300000, 1100000, 3};
	enum { N = 3000 };
	struct pool p;
	char *copy[N], *src;
	size_t len[N];

	(void)state;
	src = malloc(1200000);
	assert_non_null(src);
	pool_init(&p);
	for (size_t i = 0; i < N; i++) {
		len[i] = sizes[i % 10] + i % 5;
		for (size_t k = 0; k < len[i]; k++)
			src[k] = byte_of(i, k);
		copy[i] = pool_copy(&p, src, len[i]);
		assert_non_null(copy[i]);
	}
	for (size_t i = 0; i < N; i++) {
		for (size_t k = 0; k < len[i]; k++)
			if (copy[i][k] != byte_of(i, k))
				fail_msg("copy %zu, byte %zu changed", i, k);
		assert_int_equal(copy[i][len[i]], '\0');
	}
	pool_free(&p);
	assert_null(p.blocks);
	pool_free(&p); /* twice is harmless */
	free(src);
}

/*
 * Copies are packed one after another while they fit, and a large one
 * that does not fit gets a block of its own without ending the one
 * being filled (not in sanitizer builds: each copy is its own malloc).
 */
static void
test_packing(void **state)
{
	struct pool p;
	char *a, *big, *big2, *b, *big_src;

	(void)state;
#ifdef SANITIZED
	skip();
#endif
	big_src = calloc(1, 600000);
	assert_non_null(big_src);
	pool_init(&p);
	a = pool_copy(&p, "hello", 5);
	big = pool_copy(&p, big_src, 600000);
	big2 = pool_copy(&p, big_src, 600000);
	b = pool_copy(&p, "world", 5);
	assert_non_null(a);
	assert_non_null(big2);
	assert_ptr_equal(big, a + 6);
	assert_ptr_equal(b, big + 600001);
	assert_string_equal(a, "hello");
	assert_string_equal(b, "world");
	pool_free(&p);
	free(big_src);
}

/* A buffer taken over stays where it is, beside the copies; freed with
 * the pool (LeakSanitizer would say otherwise). */
static void
test_adopt(void **state)
{
	struct pool p;
	char *mine = strdup("taken over"), *a, *got;

	(void)state;
	assert_non_null(mine);
	pool_init(&p);
	a = pool_copy(&p, "copy", 4);
	got = pool_adopt(&p, mine);
	assert_ptr_equal(got, mine);
	assert_string_equal(a, "copy");
	assert_string_equal(got, "taken over");
	pool_free(&p);
	assert_null(p.blocks);
	assert_null(p.chunks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_stay),
		cmocka_unit_test(test_packing),
		cmocka_unit_test(test_adopt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
