/* test_path: absolute names, directory parts and containment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/path.h"

static void
test_absolute(void **state)
{
	static const struct {
		const char *cwd, *path, *want;
	} t[] = {
		{"/", "rel.log", "/rel.log"},
		{"/srv", "rel.log", "/srv/rel.log"},
		{"/srv/", "rel.log", "/srv/rel.log"},
		{"/srv", "./rel.log", "/srv/rel.log"},
		{"/srv", ".//./log/x", "/srv/log/x"},
		{"/srv", "log/x.log", "/srv/log/x.log"},
		{"/srv", "/var/log/x.log", "/var/log/x.log"},
		{"/srv", "../x.log", "/srv/../x.log"}, /* kept: symlinks */
		{"/srv", ".hidden", "/srv/.hidden"},
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(path_absolute(t[i].cwd, t[i].path, out,
		    sizeof(out)), 0);
		assert_string_equal(out, t[i].want);
	}
	/* Too long for the buffer: refused, never cut. */
	assert_int_equal(path_absolute("/srv", "a-long-name", out, 12), -1);
	assert_int_equal(path_absolute("/srv", "a-long-nam", out, 16), 0);
	assert_int_equal(path_absolute("/srv", "a-long-name", out, 16), -1);
}

static void
test_dir(void **state)
{
	static const struct {
		const char *path, *want;
	} t[] = {
		{"/var/log/x.log", "/var/log"},
		{"/x.log", "/"},
		{"/", "/"},
		{"/var/log/", "/var"},
		{"/var//log//x.log", "/var//log"},
		{"//x", "/"},
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(path_dir(t[i].path, out, sizeof(out)), 0);
		assert_string_equal(out, t[i].want);
	}
	assert_int_equal(path_dir("rel.log", out, sizeof(out)), -1);
	assert_int_equal(path_dir("/var/log/x", out, 8), -1);
	assert_int_equal(path_dir("/var/log/x", out, 9), 0);
}

static void
test_under(void **state)
{
	static const struct {
		const char *dir, *path;
		int want;
	} t[] = {
		{"/", "/etc/passwd", 1},
		{"/", "/", 1},
		{"/var/lib", "/var/lib", 1},
		{"/var/lib", "/var/lib/capsuled/certs", 1},
		{"/var/lib/", "/var/lib/capsuled", 1},
		{"/var/lib", "/var/library", 0},
		{"/var/lib", "/var", 0},
		{"/var/log/capsuled", "/var/lib/capsuled/capsule", 0},
		{"/tmp/x", "/tmp/xy/site", 0},
		{"/tmp/x", "/tmp/x/site", 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(path_under(t[i].dir, t[i].path), t[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_under),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
