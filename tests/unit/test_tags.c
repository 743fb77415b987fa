/* test_tags: tag keys, slugs, and the site's tags with their posts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/finish.h"
#include "model/site.h"
#include "model/tags.h"

static struct post *
mkpost(const char *slug, const char *date, const char **tags, size_t ntags)
{
	struct post *p = calloc(1, sizeof(*p));
	struct date local;
	const char *why;

	assert_non_null(p);
	assert_int_equal(date_parse(date, strlen(date), &p->meta.date, &why), 0);
	p->meta.title = strdup(slug);
	p->meta.comments = -1;
	p->slug = strdup(slug);
	p->file = slug;
	p->body = "";
	local = p->meta.date;
	local.has_offset = 0;
	p->when = date_epoch(&local);
	if (ntags > 0) {
		p->meta.tags = calloc(ntags, sizeof(char *));
		assert_non_null(p->meta.tags);
		for (size_t i = 0; i < ntags; i++)
			p->meta.tags[i] = strdup(tags[i]);
		p->meta.ntags = ntags;
	}
	return p;
}

static void
no_dup(void *ctx, const char *file)
{
	(void)ctx;
	fail_msg("unexpected duplicate %s", file);
}

static const struct {
	const char *tag, *slug;
} slug_cases[] = {
	{"North Korea", "north-korea"},
	{"internationalism", "internationalism"},
	{"  --Hello, World!--  ", "hello-world"},
	{"tab\there", "tab-here"},
	{"C++", "c"},
	{"Web 2.0", "web-2-0"},
	/* Latin letters lose their accents. */
	{"Überraschung", "uberraschung"},
	{"café au lait", "cafe-au-lait"},
	{"Straße", "strasse"},
	{"İstanbul", "istanbul"},
	{"e\xcc\x81te\xcc\x81", "ete"},   /* decomposed "été" */
	{"ﬁne", "fine"},
	{"Ⅻ", "xii"},
	/* Other scripts stay themselves, percent-encoded. */
	{"東京", "%E6%9D%B1%E4%BA%AC"},
	{"Москва", "%D0%BC%D0%BE%D1%81%D0%BA%D0%B2%D0%B0"},
	{"ΑΛΦΑ", "%CE%B1%CE%BB%CF%86%CE%B1"},
	{"東京 2024", "%E6%9D%B1%E4%BA%AC-2024"},
	/* Nothing to spell a path with. */
	{"🚀", "tag"},
	{"—", "tag"},
	{"", "tag"},
};

static void
test_slugs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(slug_cases) / sizeof(slug_cases[0]); i++) {
		char *s = tags_slug(slug_cases[i].tag);

		assert_non_null(s);
		if (strcmp(s, slug_cases[i].slug) != 0)
			fail_msg("slug of \"%s\": \"%s\", want \"%s\"",
			    slug_cases[i].tag, s, slug_cases[i].slug);
		free(s);
	}
}

/* A long slug is cut at 80 bytes, never inside a character's %XX. */
static void
test_slug_cut(void **state)
{
	char tag[400], *s;

	(void)state;
	memset(tag, 'a', 100);
	tag[100] = '\0';
	s = tags_slug(tag);
	assert_int_equal(strlen(s), TAGS_SLUG_MAX);
	free(s);
	/* 30 CJK characters: 9 bytes each once encoded, so 8 fit in 80. */
	tag[0] = '\0';
	for (int i = 0; i < 30; i++)
		strcat(tag, "東");
	s = tags_slug(tag);
	assert_int_equal(strlen(s), 72);
	assert_int_equal(strlen(s) % 9, 0);
	free(s);
	/* Never a "-" at the end after a cut. */
	memset(tag, 'b', 79);
	strcpy(tag + 79, " cc");
	s = tags_slug(tag);
	assert_int_equal(strlen(s), 79);
	assert_true(s[78] == 'b');
	free(s);
}

static void
test_slug_decode(void **state)
{
	char out[64];

	(void)state;
	tags_slug_decode("%E6%9D%B1%E4%BA%AC-2024", out, sizeof(out));
	assert_string_equal(out, "東京-2024");
	tags_slug_decode("plain", out, sizeof(out));
	assert_string_equal(out, "plain");
	tags_slug_decode("abcdef", out, 4);
	assert_string_equal(out, "abc");
}

static void
test_keys(void **state)
{
	const char *same[][2] = {
		{"Cuba", "CUBA"},
		{"North Korea", "north  korea"},
		{"North\tKorea", "NORTH KOREA"},
		{"Straße", "STRASSE"},
		{"\xc3\x89t\xc3\xa9", "E\xcc\x81te\xcc\x81"}, /* NFC, NFD */
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},
	};
	const char *other[][2] = {
		{"été", "ete"},
		{"Cuba", "Cubas"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char *a = tags_key(same[i][0]), *b = tags_key(same[i][1]);

		if (strcmp(a, b) != 0)
			fail_msg("\"%s\" and \"%s\" differ: \"%s\", \"%s\"",
			    same[i][0], same[i][1], a, b);
		free(a);
		free(b);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		char *a = tags_key(other[i][0]), *b = tags_key(other[i][1]);

		assert_string_not_equal(a, b);
		free(a);
		free(b);
	}
}

static const struct site_tag *
find(const struct site *s, const char *slug)
{
	for (size_t i = 0; i < s->ntags; i++)
		if (strcmp(s->tags[i].slug, slug) == 0)
			return &s->tags[i];
	fail_msg("no tag with slug %s", slug);
	return NULL;
}

/* Spellings merge; the oldest spelling names the tag; posts newest first. */
static void
test_merge_and_counts(void **state)
{
	const char *t1[] = {"Cuba", "North Korea"};
	const char *t2[] = {"cuba", "Vietnam"};
	const char *t3[] = {"CUBA", "cuba", "Ünïcödé"};
	const char *t4[] = {"north korea"};
	struct site s;
	const struct site_tag *t;

	(void)state;
	site_init(&s);
	/* Added out of order: the model sorts. */
	site_add_post(&s, mkpost("third", "2015-01-01", t3, 3));
	site_add_post(&s, mkpost("first", "2013-08-08", t1, 2));
	site_add_post(&s, mkpost("fourth", "2016-01-01", t4, 1));
	site_add_post(&s, mkpost("second", "2014-01-01", t2, 2));
	site_add_post(&s, mkpost("untagged", "2017-01-01", NULL, 0));
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	assert_int_equal(s.ntags, 4);
	/* Reading order: loosely folded names ("Ünïcödé" with the u's). */
	assert_string_equal(s.tags[0].slug, "cuba");
	assert_string_equal(s.tags[1].slug, "north-korea");
	assert_string_equal(s.tags[2].slug, "unicode");
	assert_string_equal(s.tags[3].slug, "vietnam");

	t = find(&s, "cuba");
	assert_string_equal(t->name, "Cuba"); /* as the oldest post wrote it */
	assert_int_equal(t->nposts, 3);       /* "third" counts once */
	assert_string_equal(t->posts[0]->slug, "third");
	assert_string_equal(t->posts[1]->slug, "second");
	assert_string_equal(t->posts[2]->slug, "first");
	t = find(&s, "north-korea");
	assert_string_equal(t->name, "North Korea");
	assert_int_equal(t->nposts, 2);
	assert_string_equal(t->posts[0]->slug, "fourth");
	t = find(&s, "unicode");
	assert_string_equal(t->name, "Ünïcödé");
	assert_string_equal(t->slug_utf8, "unicode");
	assert_int_equal(t->nposts, 1);

	/* Every post knows its tags' places. */
	for (size_t i = 0; i < s.nposts; i++) {
		const struct post *p = s.posts[i];

		for (size_t k = 0; k < p->meta.ntags; k++) {
			char *a = tags_key(p->meta.tags[k]);

			assert_string_equal(a, s.tags[p->tag_ids[k]].key);
			free(a);
		}
	}
	site_free(&s);
}

/* Two tags, one slug: the one used first keeps it. */
static void
test_slug_collisions(void **state)
{
	const char *t1[] = {"C"};
	const char *t2[] = {"C++", "c-2"};
	const char *t3[] = {"c#"};
	const char *t4[] = {"東京"};
	struct site s;

	(void)state;
	site_init(&s);
	site_add_post(&s, mkpost("newer", "2020-01-01", t2, 2));
	site_add_post(&s, mkpost("older", "2019-01-01", t1, 1));
	site_add_post(&s, mkpost("newest", "2021-01-01", t3, 1));
	site_add_post(&s, mkpost("cjk", "2021-02-01", t4, 1));
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	assert_int_equal(s.ntags, 5);
	assert_string_equal(find(&s, "c")->name, "C");
	/* "C++" is first seen after "C", and "c-2" is a tag of its own. */
	assert_string_equal(find(&s, "c-2")->name, "c-2");
	assert_string_equal(find(&s, "c-3")->name, "C++");
	assert_string_equal(find(&s, "c-4")->name, "c#");
	assert_string_equal(find(&s, "%E6%9D%B1%E4%BA%AC")->slug_utf8, "東京");
	site_free(&s);
}

/*
 * A run of one slug: each later tag takes the next free "-N", past those
 * another tag holds already ("x-3" here), in the order the tags were
 * first used.
 */
static void
test_slug_runs(void **state)
{
	const char *t1[] = {"x", "x!", "x?", "x-3"};
	const char *t2[] = {"x#", "x*"};
	struct site s;

	(void)state;
	site_init(&s);
	site_add_post(&s, mkpost("old", "2019-01-01", t1, 4));
	site_add_post(&s, mkpost("new", "2020-01-01", t2, 2));
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	assert_int_equal(s.ntags, 6);
	assert_string_equal(find(&s, "x")->name, "x");
	assert_string_equal(find(&s, "x-2")->name, "x!");
	assert_string_equal(find(&s, "x-3")->name, "x-3");
	assert_string_equal(find(&s, "x-4")->name, "x?");
	assert_string_equal(find(&s, "x-5")->name, "x#");
	assert_string_equal(find(&s, "x-6")->name, "x*");
	site_free(&s);
}

/*
 * Each post's tags once (ndistinct, post_tag_place): two spellings of one
 * tag are one, at the first; a post without such has no list (NULL).
 */
static void
test_distinct(void **state)
{
	const char *t1[] = {"Cuba", "Korea", "CUBA", "korea", "Laos", "cuba"};
	const char *t2[] = {"Cuba", "Laos"};
	struct site s;
	const struct post *p;

	(void)state;
	site_init(&s);
	site_add_post(&s, mkpost("dups", "2020-01-01", t1, 6));
	site_add_post(&s, mkpost("plain", "2019-01-01", t2, 2));
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	p = s.posts[0];
	assert_string_equal(p->slug, "dups");
	assert_int_equal(p->ndistinct, 3);
	assert_non_null(p->distinct);
	assert_int_equal(post_tag_place(p, 0), 0);
	assert_int_equal(post_tag_place(p, 1), 1);
	assert_int_equal(post_tag_place(p, 2), 4);
	p = s.posts[1];
	assert_int_equal(p->ndistinct, 2);
	assert_null(p->distinct);
	assert_int_equal(post_tag_place(p, 1), 1);
	site_free(&s);
}

static void
test_no_tags(void **state)
{
	struct site s;

	(void)state;
	site_init(&s);
	site_add_post(&s, mkpost("a", "2020-01-01", NULL, 0));
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	assert_int_equal(s.ntags, 0);
	assert_null(s.tags);
	site_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slugs),
		cmocka_unit_test(test_slug_cut),
		cmocka_unit_test(test_slug_decode),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_merge_and_counts),
		cmocka_unit_test(test_slug_collisions),
		cmocka_unit_test(test_slug_runs),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_no_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
