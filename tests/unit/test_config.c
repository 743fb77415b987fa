/* test_config: the config file, the shared setter, and --dump-config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/config.h"

/* Each bad file and the one problem it must report. */
static const struct {
	const char *yaml;
	const char *want;
} bad[] = {
	{"nope: 1\n", "t.yaml:1:1: unknown key \"nope\""},
	{"gemini_port: 70000\n",
	    "t.yaml:1:14: gemini_port: must be a whole number from 0 to 65535, "
	    "or off"},
	{"gemini_port: 1.5\n",
	    "t.yaml:1:14: gemini_port: must be a whole number from 0 to 65535, "
	    "or off"},
	{"timeout: -1\n",
	    "t.yaml:1:10: timeout: must be seconds, from 0.001 to "
	    "3600"},
	{"chroot: maybe\n", "t.yaml:1:9: chroot: must be true or false"},
	{"log_format: json\n",
	    "t.yaml:1:13: log_format: must be capsuled or common"},
	{"host: [a, b]\n", "t.yaml:1:7: host: expected a single value"},
	{"- a\n", "t.yaml:1:1: the config must be a mapping of keys to values"},
	{"host: \"x\n", "t.yaml:2:1: YAML: found unexpected end of stream"},
	{"gopher_width: 10\n",
	    "t.yaml:1:15: gopher_width: must be a whole number from 20 to 400"},
	{"rate: lots\n", "t.yaml:1:7: rate: must be a number from 0 to 1e+06"},
	{"max_content_bytes: 1025G\n",
	    "t.yaml:1:20: max_content_bytes: must be a whole number of bytes "
	    "(K, M or G after it: 256M), at most 1024G; 0: no limit"},
	{"max_content_bytes: -1\n",
	    "t.yaml:1:20: max_content_bytes: must be a whole number of bytes "
	    "(K, M or G after it: 256M), at most 1024G; 0: no limit"},
	{"max_content_bytes: 12MB\n",
	    "t.yaml:1:20: max_content_bytes: must be a whole number of bytes "
	    "(K, M or G after it: 256M), at most 1024G; 0: no limit"},
	{"max_content_bytes: 1e300K\n", /* past long long: no cast (UBSan) */
	    "t.yaml:1:20: max_content_bytes: must be a whole number of bytes "
	    "(K, M or G after it: 256M), at most 1024G; 0: no limit"},
	{"max_content_bytes: 0.5\n",
	    "t.yaml:1:20: max_content_bytes: must be a whole number of bytes "
	    "(K, M or G after it: 256M), at most 1024G; 0: no limit"},
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config c;
		struct diags d;

		config_defaults(&c);
		diags_init(&d);
		if (config_parse(&c, bad[i].yaml, strlen(bad[i].yaml), "t.yaml",
			&d) != -1 || d.n != 1)
			fail_msg("case %zu: %zu problems", i, d.n);
		if (strcmp(d.lines[0], bad[i].want) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, d.lines[0],
			    bad[i].want);
		diags_free(&d);
		config_free(&c);
	}
}

static void
test_good(void **state)
{
	const char *y = "root: /srv/capsule\nhost: example.org\n"
			"aliases: old.example.org\n"
			"listen: [0.0.0.0, \"::\"]\ngemini_port: 1965\n"
			"gopher_port: off\ntimeout: 2.5\nwrite_timeout: 7\n"
			"user: capsuled\nchroot: yes\nlog_format: common\n"
			"gopher_host: ~\n";
	struct config c;
	struct diags d;

	(void)state;
	config_defaults(&c);
	diags_init(&d);
	assert_int_equal(config_parse(&c, y, strlen(y), "t.yaml", &d), 0);
	assert_string_equal(c.root, "/srv/capsule");
	assert_int_equal(c.aliases.n, 1);
	assert_int_equal(c.listen.n, 2);
	assert_string_equal(c.listen.v[1], "::");
	assert_int_equal(c.gopher_port, -1);
	assert_int_equal(c.handshake_ms, 2500);
	assert_int_equal(c.write_ms, 7000);
	assert_int_equal(c.chroot, 1);
	assert_int_equal(c.log_format, LOG_FORMAT_COMMON);
	assert_null(c.gopher_host);
	assert_int_equal(c.max_content_bytes, CONFIG_MAX_CONTENT_DEFAULT);
	assert_int_equal(c.max_content_bytes, 256 * 1024 * 1024);
	config_free(&c);
	diags_free(&d);
}

/* Sizes: bytes, or K, M, G (binary); 0 is no limit. */
static void
test_bytes(void **state)
{
	static const struct {
		const char *in;
		size_t want;
	} rows[] = {
		{"0", 0}, {"1000", 1000}, {"64K", 65536}, {"256M", 268435456},
		{"1G", 1073741824}, {"1.5K", 1536}, {"1024G", 1099511627776},
	};
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config c;

		config_defaults(&c);
		if (config_set(&c, "max_content_bytes", rows[i].in, err,
			sizeof(err)) != 0)
			fail_msg("%s: %s", rows[i].in, err);
		if (c.max_content_bytes != rows[i].want)
			fail_msg("%s: %zu, want %zu", rows[i].in,
			    c.max_content_bytes, rows[i].want);
		config_free(&c);
	}
}

/* What --dump-config prints reads back as the same configuration. */
static void
test_dump_round_trip(void **state)
{
	struct config a, b;
	struct diags d;
	char *one = NULL, *two = NULL, err[80];
	size_t n1 = 0, n2 = 0;
	FILE *f;

	(void)state;
	config_defaults(&a);
	config_set(&a, "host", "h\"ost\\", err, sizeof(err));
	config_set(&a, "listen", "10.0.0.1", err, sizeof(err));
	config_set(&a, "rate", "2.5", err, sizeof(err));
	config_set(&a, "gemini_port", "off", err, sizeof(err));
	config_set(&a, "max_content_bytes", "3M", err, sizeof(err));
	f = open_memstream(&one, &n1);
	config_dump(&a, f);
	fclose(f);
	config_defaults(&b);
	diags_init(&d);
	assert_int_equal(config_parse(&b, one, n1, "dump", &d), 0);
	f = open_memstream(&two, &n2);
	config_dump(&b, f);
	fclose(f);
	assert_string_equal(one, two);
	free(one);
	free(two);
	config_free(&a);
	config_free(&b);
	diags_free(&d);
}

/* A copy owns every string: it outlives the original, and dumps alike. */
static void
test_copy(void **state)
{
	struct config a, b;
	char *one = NULL, *two = NULL, err[80];
	size_t n1 = 0, n2 = 0;
	FILE *f;

	(void)state;
	config_defaults(&a);
	config_set(&a, "aliases", "old.example", err, sizeof(err));
	config_set(&a, "aliases", "older.example", err, sizeof(err));
	config_set(&a, "gopher_host", "gopher.example", err, sizeof(err));
	config_set(&a, "workers", "3", err, sizeof(err));
	f = open_memstream(&one, &n1);
	config_dump(&a, f);
	fclose(f);
	assert_int_equal(config_copy(&b, &a), 0);
	assert_ptr_not_equal(b.host, a.host);
	assert_ptr_not_equal(b.aliases.v[1], a.aliases.v[1]);
	config_free(&a); /* the copy must not need it any more */
	f = open_memstream(&two, &n2);
	config_dump(&b, f);
	fclose(f);
	assert_string_equal(one, two);
	assert_int_equal(b.workers, 3);
	free(one);
	free(two);
	config_free(&b);
}

/*
 * Each key a reload may or may not change: the file asks for a new value;
 * kept says whether the running one stays (and is named as changing at
 * the next start), chrooted whether the server runs in a chroot.
 */
static const struct {
	const char *key, *running, *file;
	int chrooted;
	int kept;       /* the running value stays */
	int named;      /* ... and changed() is told of it */
} reload_rows[] = {
	{"listen", "127.0.0.1", "::1", 0, 1, 1},
	{"proxy_listen", "127.0.0.2", "127.0.0.3", 0, 1, 1},
	{"gemini_port", "1965", "1966", 0, 1, 1},
	{"gopher_port", "70", "7070", 0, 1, 1},
	{"user", "capsuled", "nobody", 0, 1, 1},
	{"group", "capsuled", "nogroup", 0, 1, 1},
	{"log", "/var/log/a.log", "/var/log/b.log", 0, 1, 1},
	{"workers", "2", "4", 0, 1, 1},
	{"root", "/srv/a", "/srv/b", 1, 1, 0}, /* "/" in the chroot */
	{"root", "/srv/a", "/srv/b", 0, 0, 0}, /* a new tree on reload */
	{"host", "a.example", "b.example", 0, 0, 0},
	{"gopher_width", "67", "72", 0, 0, 0},
	{"max_connections", "100", "200", 0, 0, 0},
	{"rate", "10", "5", 0, 0, 0},
	{"log_format", "capsuled", "common", 0, 0, 0},
	{"gemini_port", "1965", "1965", 0, 1, 0}, /* the same: no word */
};

static void
count_named(void *ctx, const char *key)
{
	const char **seen = ctx;

	*seen = key;
}

static void
test_reload_keeps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(reload_rows) / sizeof(reload_rows[0]);
	    i++) {
		struct config run, file;
		const char *seen = NULL;
		char err[80], *a = NULL, *want = NULL;
		size_t na = 0, nw = 0, named;
		FILE *f;

		config_defaults(&run);
		config_defaults(&file);
		assert_int_equal(config_set(&run, reload_rows[i].key,
		    reload_rows[i].running, err, sizeof(err)), 0);
		assert_int_equal(config_set(&file, reload_rows[i].key,
		    reload_rows[i].file, err, sizeof(err)), 0);
		run.chroot = file.chroot = reload_rows[i].chrooted;
		/* What the reread one must hold afterwards. */
		f = open_memstream(&want, &nw);
		config_dump(reload_rows[i].kept ? &run : &file, f);
		fclose(f);
		named = config_keep_started(&run, &file, count_named, &seen);
		f = open_memstream(&a, &na);
		config_dump(&file, f);
		fclose(f);
		if (strcmp(a, want) != 0)
			fail_msg("row %zu (%s): the reread config is\n%s\nnot\n%s",
			    i, reload_rows[i].key, a, want);
		assert_int_equal(named, (size_t)reload_rows[i].named);
		if (reload_rows[i].named)
			assert_string_equal(seen, reload_rows[i].key);
		else
			assert_null(seen);
		free(a);
		free(want);
		config_free(&run);
		config_free(&file);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_reload_keeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
