/* test_site: ordering, grouping, counts and duplicates of the site model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/finish.h"
#include "model/site.h"
#include "base/ytree.h"

static struct post *
mkpost(const char *slug, const char *date, const char *file)
{
	struct post *p = calloc(1, sizeof(*p));
	struct date local;
	const char *why;

	assert_non_null(p);
	assert_int_equal(date_parse(date, strlen(date), &p->meta.date, &why), 0);
	p->meta.title = strdup(slug);
	p->meta.comments = -1;
	p->slug = strdup(slug);
	p->file = file;
	local = p->meta.date;
	local.has_offset = 0;
	p->when = date_epoch(&local);
	return p;
}

static char dups[8][64];
static int ndups;

static void
on_dup(void *ctx, const char *file)
{
	(void)ctx;
	strncpy(dups[ndups++ % 8], file, 63);
}

static void
test_order_and_groups(void **state)
{
	struct site s;

	(void)state;
	site_init(&s);
	/* Added out of order, on purpose. */
	site_add_post(&s, mkpost("b", "2013-08-08 13:32", "f1"));
	site_add_post(&s, mkpost("a", "2014-01-02", "f2"));
	site_add_post(&s, mkpost("c", "2013-08-20", "f3"));
	site_add_post(&s, mkpost("d", "2013-03-01", "f4"));
	site_add_post(&s, mkpost("e", "2012-12-31T23:59:59Z", "f5"));
	/* Same instant as "b": ties are broken by slug. */
	site_add_post(&s, mkpost("aa", "2013-08-08 13:32", "f6"));
	ndups = 0;
	assert_int_equal(site_finish(&s, on_dup, NULL), 0);
	assert_int_equal(ndups, 0);
	assert_int_equal(s.nposts, 6);
	const char *want[] = {"a", "c", "aa", "b", "d", "e"};
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(s.posts[i]->slug, want[i]);
		assert_int_equal(s.posts[i]->order, i);
	}
	assert_int_equal(s.nyears, 3);
	assert_int_equal(s.years[0].year, 2014);
	assert_int_equal(s.years[0].nposts, 1);
	assert_int_equal(s.years[1].year, 2013);
	assert_int_equal(s.years[1].nposts, 4);
	assert_int_equal(s.years[1].nmonths, 2);
	assert_int_equal(s.years[1].months[0].month, 8);
	assert_int_equal(s.years[1].months[0].nposts, 3);
	assert_string_equal(s.years[1].months[0].posts[0]->slug, "c");
	assert_int_equal(s.years[1].months[1].month, 3);
	assert_int_equal(s.years[1].months[1].nposts, 1);
	assert_int_equal(s.years[2].year, 2012);
	assert_int_equal(s.years[2].months[0].month, 12);
	site_free(&s);
}

/* A post's year and month are its own local date, whatever the offset. */
static void
test_local_date_groups(void **state)
{
	struct site s;

	(void)state;
	site_init(&s);
	/* 2024-01-01T00:30+09:00 is 2023-12-31 in UTC: still January 2024. */
	site_add_post(&s, mkpost("tokyo", "2024-01-01T00:30:00+09:00", "f1"));
	site_add_post(&s, mkpost("utc", "2023-12-31T20:00:00Z", "f2"));
	assert_int_equal(site_finish(&s, on_dup, NULL), 0);
	assert_int_equal(s.nyears, 2);
	assert_int_equal(s.years[0].year, 2024);
	assert_int_equal(s.years[0].months[0].month, 1);
	assert_string_equal(s.years[0].months[0].posts[0]->slug, "tokyo");
	assert_int_equal(s.years[1].year, 2023);
	site_free(&s);
}

static void
test_duplicates(void **state)
{
	struct site s;

	(void)state;
	site_init(&s);
	site_add_post(&s, mkpost("same", "2013-08-08", "first"));
	site_add_post(&s, mkpost("same", "2013-08-30", "second"));
	site_add_post(&s, mkpost("same", "2013-09-01", "other-month"));
	ndups = 0;
	assert_int_equal(site_finish(&s, on_dup, NULL), 0);
	assert_int_equal(ndups, 1);
	assert_string_equal(dups[0], "second");
	assert_int_equal(s.nposts, 2);
	assert_int_equal(s.years[0].nposts, 2);
	site_free(&s);
}

/*
 * Bodies live in the site's texts: copies of what the loader read, kept
 * through a duplicate's removal (post_free must not free one: ASan builds
 * would call that an invalid free), gone at site_drop_texts (with the
 * file names; the loader has moved the bodies into their pages by then).
 */
static void
test_kept_texts(void **state)
{
	char text[] = "# Title\n\nBody.\n";
	struct site s;
	struct post *p, *q;

	(void)state;
	site_init(&s);
	p = mkpost("same", "2013-08-08", "first");
	q = mkpost("same", "2013-08-30", "second");
	p->body = site_keep_text(&s, text, sizeof(text) - 1);
	p->body_len = sizeof(text) - 1;
	q->body = site_keep_text(&s, NULL, 0);
	assert_non_null(p->body);
	assert_non_null(q->body);
	assert_string_equal(q->body, "");
	memset(text, 'x', sizeof(text) - 1);
	assert_string_equal(p->body, "# Title\n\nBody.\n");
	site_add_post(&s, p);
	site_add_post(&s, q);
	ndups = 0;
	assert_int_equal(site_finish(&s, on_dup, NULL), 0);
	assert_int_equal(ndups, 1);
	assert_int_equal(s.nposts, 1);
	assert_memory_equal(s.posts[0]->body, "# Title\n\nBody.\n",
	    s.posts[0]->body_len);
	/* The loader moves the bodies out first (content.c); the file
	 * names go with the texts. */
	s.posts[0]->body = text;
	site_drop_texts(&s);
	assert_null(s.posts[0]->file);
	assert_ptr_equal(s.posts[0]->body, text);
	assert_null(s.texts.blocks);
	site_free(&s);
}

static void
test_empty(void **state)
{
	struct site s;

	(void)state;
	site_init(&s);
	assert_int_equal(site_finish(&s, on_dup, NULL), 0);
	assert_int_equal(s.nposts, 0);
	assert_int_equal(s.nyears, 0);
	site_free(&s);
}

static const struct {
	const char *yaml;
	int ok;
	unsigned line, col;
	const char *msg;
} info_cases[] = {
	{"title: T\n", 1, 0, 0, NULL},
	{"title: T\nlang: de\nhome_posts: 5\nlinks:\n  - {label: a, url: u}\n",
	    1, 0, 0, NULL},
	{"subtitle: S\n", 0, 1, 1, "site.yaml: missing title"},
	{"- a\n", 0, 1, 1, "site.yaml must be a mapping"},
	{"title: [T]\n", 0, 1, 8, "expected a string"},
	{"title: T\nhome_posts: 0\n", 0, 2, 13,
	    "home_posts must be a number from 1"},
	{"title: T\nlinks: x\n", 0, 2, 8,
	    "links must be a list of {label, url}"},
	{"title: T\nlinks:\n  - {label: a}\n", 0, 3, 5,
	    "a link needs a url and a label"},
	/* One emoji: a flag and a ZWJ family are one each. */
	{"title: T\nfavicon: \"\xf0\x9f\x9a\x80\"\n", 1, 0, 0, NULL},
	{"title: T\nfavicon: \"\xf0\x9f\x87\xb0\xf0\x9f\x87\xb5\"\n", 1, 0, 0,
	    NULL},
	{"title: T\nfavicon: \"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9"
	    "\xe2\x80\x8d\xf0\x9f\x91\xa7\"\n", 1, 0, 0, NULL},
	{"title: T\nfavicon: \"\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80\"\n", 0, 2, 10,
	    "favicon must be one emoji"},
	{"title: T\nfavicon: \" \"\n", 0, 2, 10, "favicon must be one emoji"},
	{"title: T\nfavicon: [x]\n", 0, 2, 10, "expected a string"},
};

static void
test_site_info(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(info_cases) / sizeof(info_cases[0]); i++) {
		struct site_info info;
		struct yerror err;
		const char *y = info_cases[i].yaml;
		int rc = site_info_parse(y, strlen(y), &info, &err);

		if (info_cases[i].ok) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err.msg);
			assert_string_equal(info.title, "T");
			assert_non_null(info.lang);
			free(info.title);
			free(info.subtitle);
			free(info.author);
			free(info.lang);
			free(info.favicon);
			for (size_t k = 0; k < info.nlinks; k++) {
				free(info.links[k].label);
				free(info.links[k].url);
			}
			free(info.links);
			continue;
		}
		if (rc != -1)
			fail_msg("case %zu accepted", i);
		if (strcmp(err.msg, info_cases[i].msg) != 0 ||
		    err.line != info_cases[i].line ||
		    err.col != info_cases[i].col)
			fail_msg("case %zu: got %u:%u: %s, want %u:%u: %s", i,
			    err.line, err.col, err.msg, info_cases[i].line,
			    info_cases[i].col, info_cases[i].msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_groups),
		cmocka_unit_test(test_local_date_groups),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_kept_texts),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_site_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
