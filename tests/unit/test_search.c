/*
 * test_search: words, folding, queries, ranking and snippets of the
 * search index; and how long a search over 10,000 posts takes (printed,
 * never asserted: timing belongs to no pass/fail).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "model/finish.h"
#include "model/search.h"
#include "model/site.h"
#include "text/words.h"
#include "text/wrap.h"

static struct post *
mkpost(struct site *s, const char *slug, const char *date,
    const char *title, const char *tags, const char *body)
{
	struct post *p = calloc(1, sizeof(*p));
	struct date local;
	const char *why;

	assert_non_null(p);
	assert_int_equal(date_parse(date, strlen(date), &p->meta.date, &why), 0);
	p->meta.title = strdup(title);
	p->meta.comments = -1;
	p->slug = strdup(slug);
	p->file = site_keep_text(s, slug, strlen(slug));
	p->body = site_keep_text(s, body, strlen(body));
	p->body_len = strlen(body);
	local = p->meta.date;
	local.has_offset = 0;
	p->when = date_epoch(&local);
	if (tags != NULL) {
		/* "a|b": two tags. */
		char *copy = strdup(tags), *save = NULL;

		p->meta.tags = calloc(8, sizeof(char *));
		for (char *t = strtok_r(copy, "|", &save); t;
		     t = strtok_r(NULL, "|", &save))
			p->meta.tags[p->meta.ntags++] = strdup(t);
		free(copy);
	}
	return p;
}

static void
no_dup(void *ctx, const char *file)
{
	(void)ctx;
	fail_msg("unexpected duplicate %s", file);
}

static void
expect_fold(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(words_fold(in, strlen(in), &b), 0);
	buf_putc(&b, '\0');
	if (strcmp(b.data, want) != 0)
		fail_msg("fold of \"%s\": \"%s\", want \"%s\"", in, b.data, want);
	buf_free(&b);
}

static void
test_words_and_folding(void **state)
{
	(void)state;
	expect_fold("Hello, World!", "hello world");
	expect_fold("  gemini://example.org/x  ", "gemini example org x");
	/* Case folding is Unicode's, not ASCII's. */
	expect_fold("ÉTÉ Été été", "ete ete ete");
	expect_fold("Straße STRASSE", "strasse strasse");
	expect_fold("ΣΊΣΥΦΟΣ", "σισυφοσ");
	expect_fold("İstanbul", "istanbul");
	/* Accents go, composed or not; compatibility forms unfold. */
	expect_fold("e\xcc\x81te\xcc\x81 naïve Ünïcödé", "ete naive unicode");
	expect_fold("ﬁne ＡＢＣ", "fine abc");
	/* Apostrophes, dots and hyphens cut words. */
	expect_fold("l'été can't 3.14 well-known", "l ete can t 3 14 well known");
	/* CJK: one character a word (UAX #29), punctuation dropped. */
	expect_fold("東京の夜。", "東 京 の 夜");
	/* Nothing but punctuation and emoji: no words. */
	expect_fold("— 🚀 !!!", "");
}

static void
test_query_decoding(void **state)
{
	struct search_query q;

	(void)state;
	assert_int_equal(search_query_parse("caf%C3%A9+noir", 14,
	    SEARCH_URL_ENCODED, &q), SEARCH_OK);
	assert_string_equal(q.text, "café noir");
	assert_int_equal(q.nterms, 2);
	assert_memory_equal(q.folded + q.term_off[0], "cafe", 4);
	assert_int_equal(q.term_len[0], 4);
	assert_memory_equal(q.folded + q.term_off[1], "noir", 4);
	/* %2B is a plus sign, and %20 a space, like "+". */
	assert_int_equal(search_query_parse("a%2Bb%20c", 9, SEARCH_URL_ENCODED,
	    &q), SEARCH_OK);
	assert_string_equal(q.text, "a+b c");
	assert_int_equal(q.nterms, 3);
	/* Gopher words are taken as typed. */
	assert_int_equal(search_query_parse("100% caf%C3%A9", 14, 0, &q),
	    SEARCH_OK);
	assert_string_equal(q.text, "100% caf%C3%A9");
	/* Lower-case hex too. */
	assert_int_equal(search_query_parse("%c3%a9t%c3%a9", 13,
	    SEARCH_URL_ENCODED, &q), SEARCH_OK);
	assert_string_equal(q.text, "été");
	/* The same word twice is one term. */
	assert_int_equal(search_query_parse("The+the+THE", 11,
	    SEARCH_URL_ENCODED, &q), SEARCH_OK);
	assert_int_equal(q.nterms, 1);
}

static void
test_query_refusals(void **state)
{
	struct search_query q;
	char big[512];
	static const char *bad[] = {"%", "%4", "%G1", "%00", "a%C3", "%FF",
	    "%C3%28"};

	(void)state;
	assert_int_equal(search_query_parse("", 0, SEARCH_URL_ENCODED, &q),
	    SEARCH_EMPTY);
	assert_int_equal(search_query_parse("+++", 3, SEARCH_URL_ENCODED, &q),
	    SEARCH_EMPTY);
	assert_int_equal(search_query_parse("%20%21", 6, SEARCH_URL_ENCODED,
	    &q), SEARCH_EMPTY);
	assert_int_equal(search_query_parse("— !", 5, 0, &q), SEARCH_EMPTY);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (search_query_parse(bad[i], strlen(bad[i]),
		    SEARCH_URL_ENCODED, &q) != SEARCH_BAD)
			fail_msg("\"%s\" was not refused", bad[i]);
	assert_int_equal(search_query_parse("a\0b", 3, 0, &q), SEARCH_BAD);
	/* 200 bytes once decoded pass, 201 do not. */
	memset(big, 'x', 200);
	assert_int_equal(search_query_parse(big, 200, 0, &q), SEARCH_OK);
	memset(big, 'x', 201);
	assert_int_equal(search_query_parse(big, 201, 0, &q), SEARCH_TOO_LONG);
	/* ...counted after decoding: 100 "%41" are 100 bytes. */
	for (int i = 0; i < 100; i++)
		memcpy(big + 3 * i, "%41", 3);
	assert_int_equal(search_query_parse(big, 300, SEARCH_URL_ENCODED, &q),
	    SEARCH_OK);
	/* Ten words pass, eleven do not, repeated or not. */
	assert_int_equal(search_query_parse("a b c d e f g h i j", 19, 0, &q),
	    SEARCH_OK);
	assert_int_equal(search_query_parse("a b c d e f g h i j k", 21, 0, &q),
	    SEARCH_TOO_LONG);
	assert_int_equal(search_query_parse("a a a a a a a a a a a", 21, 0, &q),
	    SEARCH_TOO_LONG);
}

/* The test site: posts whose titles, tags and bodies share words. */
static void
build(struct site *s)
{
	site_init(s);
	site_add_post(s, mkpost(s, "body-old", "2010-01-01", "Nothing here",
	    NULL, "The harbor lantern burns.\n"));
	site_add_post(s, mkpost(s, "body-new", "2011-01-01", "Still nothing",
	    NULL, "A lantern by the harbor.\n"));
	site_add_post(s, mkpost(s, "tagged", "2009-01-01", "A tagged one",
	    "Harbor|lantern", "Words.\n"));
	site_add_post(s, mkpost(s, "titled", "2008-01-01", "Harbor lantern",
	    NULL, "Old.\n"));
	site_add_post(s, mkpost(s, "half", "2012-01-01", "Harbor", NULL,
	    "No light in this one.\n"));
	site_add_post(s, mkpost(s, "accents", "2012-02-01", "Été à Paris",
	    "Café", "# Heading\n\n=> gemini://example.org/naïve Une "
	    "crème brûlée\n\nLe café était noir.\n"));
	site_add_post(s, mkpost(s, "empty", "2012-03-01", "Empty body lantern",
	    "harbor", ""));
	assert_int_equal(site_finish(s, no_dup, NULL), 0);
}

static void
run(const struct site *s, const char *query, struct search_result *r)
{
	struct search_query q;

	assert_int_equal(search_query_parse(query, strlen(query),
	    SEARCH_URL_ENCODED, &q), SEARCH_OK);
	search_run(s->search, &q, r);
}

static void
test_ranking(void **state)
{
	struct site s;
	struct search_result r;
	const char *want[] = {"titled", "empty", "tagged", "body-new",
	    "body-old"};

	(void)state;
	build(&s);
	/* Both words in the title, then title and tag, then both in tags,
	 * then both in the body, newest first; "half" lacks "lantern". */
	run(&s, "lantern+HARBOR", &r);
	assert_int_equal(r.total, 5);
	assert_int_equal(r.nhits, 5);
	for (size_t i = 0; i < 5; i++)
		if (strcmp(r.hits[i].post->slug, want[i]) != 0)
			fail_msg("hit %zu: %s, want %s", i, r.hits[i].post->slug,
			    want[i]);
	assert_int_equal(r.hits[0].title, 2);
	assert_int_equal(r.hits[1].title, 1);
	assert_int_equal(r.hits[1].tags, 1);
	assert_int_equal(r.hits[2].tags, 2);
	assert_int_equal(r.hits[3].body, 2);
	/* Every term is required. */
	run(&s, "lantern+harbor+nowhere", &r);
	assert_int_equal(r.total, 0);
	assert_int_equal(r.nhits, 0);
	run(&s, "harbor", &r);
	assert_int_equal(r.total, 6);
	/* A title match outranks any tag match; newest first among equals. */
	assert_string_equal(r.hits[0].post->slug, "half");
	assert_string_equal(r.hits[1].post->slug, "titled");
	site_free(&s);
}

static void
test_loose_matching(void **state)
{
	struct site s;
	struct search_result r;

	(void)state;
	build(&s);
	run(&s, "ete+paris", &r);
	assert_int_equal(r.total, 1);
	assert_string_equal(r.hits[0].post->slug, "accents");
	run(&s, "%C3%89T%C3%89", &r);
	assert_int_equal(r.total, 1);
	run(&s, "cafe", &r); /* tag and body */
	assert_int_equal(r.total, 1);
	assert_int_equal(r.hits[0].tags, 1);
	assert_int_equal(r.hits[0].body, 1);
	run(&s, "creme+brulee", &r); /* a link's label is body text */
	assert_int_equal(r.total, 1);
	run(&s, "naive", &r);        /* ...its URL is not */
	assert_int_equal(r.total, 0);
	run(&s, "gemini", &r);
	assert_int_equal(r.total, 0);
	site_free(&s);
}

static void
snippet(const struct site *s, const struct search_hit *h, size_t cols,
    char *out, size_t n)
{
	struct buf b;

	buf_init(&b);
	search_snippet(s->search, h, cols, &b);
	assert_false(b.failed);
	snprintf(out, n, "%.*s", (int)b.len, b.data ? b.data : "");
	buf_free(&b);
}

static void
test_snippets(void **state)
{
	struct site s;
	struct search_result r;
	char sn[512];

	(void)state;
	build(&s);
	/* The body, one line, markup and URLs gone. */
	run(&s, "brulee", &r);
	snippet(&s, &r.hits[0], 100, sn, sizeof(sn));
	assert_string_equal(sn, "Heading Une crème brûlée Le café était noir.");
	/* Only in the title: from the body's start. */
	run(&s, "paris", &r);
	snippet(&s, &r.hits[0], 100, sn, sizeof(sn));
	assert_string_equal(sn, "Heading Une crème brûlée Le café était noir.");
	/* No body, no snippet. */
	run(&s, "empty", &r);
	snippet(&s, &r.hits[0], 100, sn, sizeof(sn));
	assert_string_equal(sn, "");
	/* Cut to the width, with "…", between characters. */
	run(&s, "paris", &r);
	snippet(&s, &r.hits[0], 20, sn, sizeof(sn));
	assert_string_equal(sn, "Heading Une crème b…");
	assert_int_equal(wrap_width(sn, strlen(sn)), 20);
	site_free(&s);
}

/* A long body: the snippet starts near the match, at a word. */
static void
test_snippet_window(void **state)
{
	struct site s;
	struct search_result r;
	char body[4096], sn[1024];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "word%d ", i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "東京の夜 target ");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "後%d ", i);
	site_init(&s);
	site_add_post(&s, mkpost(&s, "long", "2020-01-01", "T", NULL, body));
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	run(&s, "target", &r);
	assert_int_equal(r.total, 1);
	snippet(&s, &r.hits[0], 100, sn, sizeof(sn));
	/* "…", a whole word, the match within the first third, "…" at the
	 * end, 100 columns at most, and valid UTF-8 throughout. */
	assert_memory_equal(sn, "…word", 7);
	assert_non_null(strstr(sn, "東京の夜 target"));
	assert_true(wrap_width(sn, (size_t)(strstr(sn, "target") - sn)) <= 40);
	assert_true(wrap_width(sn, strlen(sn)) <= 100);
	assert_memory_equal(sn + strlen(sn) - 3, "…", 3);
	site_free(&s);
}

/*
 * A first match past 64 KB of text (firsts are kept in 16 bits, the rest
 * in the index's table of big ones): the snippet still shows it.
 */
static void
test_snippet_far(void **state)
{
	static const int words[] = {12000, 30000};
	struct site s;
	struct search_result r;
	struct buf b[2];
	char sn[256];

	(void)state;
	site_init(&s);
	for (int k = 0; k < 2; k++) {
		buf_init(&b[k]);
		for (int i = 0; i < words[k]; i++)
			buf_printf(&b[k], "word%d ", i);
		buf_printf(&b[k], "target%d end\n", k);
		assert_true(b[k].len > 70000);
		site_add_post(&s, mkpost(&s, k ? "far2" : "far1",
		    k ? "2020-01-02" : "2020-01-01", "T", NULL, b[k].data));
	}
	site_add_post(&s, mkpost(&s, "near", "2020-01-03", "T", NULL,
	    "target0 target1 near\n"));
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	for (int k = 0; k < 2; k++) {
		char q[16], want[16];

		snprintf(q, sizeof(q), "target%d", k);
		snprintf(want, sizeof(want), "target%d end", k);
		run(&s, q, &r);
		assert_int_equal(r.total, 2);
		snippet(&s, &r.hits[1], 60, sn, sizeof(sn));
		assert_non_null(strstr(sn, want));
	}
	for (int k = 0; k < 2; k++)
		buf_free(&b[k]);
	site_free(&s);
}

/*
 * Snippets are made from as much of the text as 16 bytes a column
 * covers; a cluster longer than that (a letter and 19 accents, 39 bytes)
 * needs the rest, and gets it: the snippet still fills its columns and
 * ends in "…" (it would stop short, without "…", on the cut text).
 */
static void
test_snippet_heavy_clusters(void **state)
{
	struct site s;
	struct search_result r;
	struct buf heavy, body, want;
	char sn[2048];

	(void)state;
	buf_init(&heavy);
	buf_init(&body);
	buf_init(&want);
	buf_putc(&heavy, 'e');
	for (int k = 0; k < 19; k++) {
		buf_putc(&heavy, (char)0xcc);
		buf_putc(&heavy, (char)(0x80 + k)); /* U+0300 and on */
	}
	buf_putc(&heavy, '\0');
	for (int line = 0; line < 30; line++) {
		buf_puts(&body, heavy.data);
		buf_putc(&body, '\n');
	}
	buf_putc(&body, '\0');
	/* 20 columns, the terms only in the title: from the start, ten
	 * clusters with a space between, then "…". */
	for (int k = 0; k < 10; k++) {
		buf_puts(&want, heavy.data);
		buf_puts(&want, k < 9 ? " " : "…");
	}
	buf_putc(&want, '\0');
	site_init(&s);
	site_add_post(&s, mkpost(&s, "heavy", "2020-01-01", "Target", NULL,
	    body.data));
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	run(&s, "target", &r);
	assert_int_equal(r.total, 1);
	snippet(&s, &r.hits[0], 20, sn, sizeof(sn));
	assert_string_equal(sn, want.data);
	assert_int_equal(wrap_width(sn, strlen(sn)), 20);
	buf_free(&heavy);
	buf_free(&body);
	buf_free(&want);
	site_free(&s);
}

/*
 * The index keeps no text: it cuts snippets from each body where it was
 * when the index was built, which the loader makes the body as the post's
 * Gemini page writes it, without its leading blank lines. Those lines
 * must not change a snippet; and spoiling a body shows it is read in
 * place.
 */
static void
test_body_as_written(void **state)
{
	static const char *const bodies[] = {
		"\n\nThe harbor lantern burns bright.\n",
		"A lantern by the harbor, twice: harbor.",
		"\r\n\nHarbor.\n",
	};
	struct site s, w;
	struct search_result r, rw;
	char want[3][256], sn[256];

	(void)state;
	site_init(&s);
	site_init(&w);
	for (size_t i = 0; i < 3; i++) {
		const char *as_written = bodies[i] + strspn(bodies[i], "\r\n");
		char slug[2] = {(char)('a' + i), 0}, date[16];

		snprintf(date, sizeof(date), "201%zu-01-01", i);
		site_add_post(&s, mkpost(&s, slug, date, "T", NULL, bodies[i]));
		site_add_post(&w, mkpost(&w, slug, date, "T", NULL,
		    as_written));
	}
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	assert_int_equal(site_finish(&w, no_dup, NULL), 0);
	run(&s, "harbor", &r);
	run(&w, "harbor", &rw);
	assert_int_equal(r.nhits, 3);
	assert_int_equal(rw.nhits, 3);
	for (size_t i = 0; i < 3; i++) {
		snippet(&s, &r.hits[i], 20, want[i], sizeof(want[i]));
		snippet(&w, &rw.hits[i], 20, sn, sizeof(sn));
		assert_string_equal(sn, want[i]);
	}
	assert_string_equal(want[2], "The harbor lantern…");
	memset((char *)w.posts[2]->body, 'z', 3);
	snippet(&w, &rw.hits[2], 20, sn, sizeof(sn));
	assert_string_not_equal(sn, want[2]);
	site_free(&s);
	site_free(&w);
}

static void
test_no_posts(void **state)
{
	struct site s;
	struct search_result r;

	(void)state;
	site_init(&s);
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	run(&s, "anything", &r);
	assert_int_equal(r.total, 0);
	site_free(&s);
}

/* More matches than are shown: the best SEARCH_MAX_HITS, and the count. */
static void
test_many_hits(void **state)
{
	struct site s;
	struct search_result r;
	char slug[32], date[32];

	(void)state;
	site_init(&s);
	for (int i = 0; i < 120; i++) {
		snprintf(slug, sizeof(slug), "p%d", i);
		snprintf(date, sizeof(date), "2020-01-01 %02d:%02d", i / 60,
		    i % 60);
		site_add_post(&s, mkpost(&s, slug, date, i == 7 ? "Common" : "T",
		    NULL, "common words\n"));
	}
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	run(&s, "common", &r);
	assert_int_equal(r.total, 120);
	assert_int_equal(r.nhits, SEARCH_MAX_HITS);
	assert_string_equal(r.hits[0].post->slug, "p7"); /* in its title */
	assert_string_equal(r.hits[1].post->slug, "p119"); /* then newest */
	for (size_t i = 2; i < r.nhits; i++)
		assert_true(r.hits[i].order > r.hits[i - 1].order);
	site_free(&s);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * 10,000 posts of 20 to 200 words from a vocabulary like
 * tests/gen_tree.py's; each query answered many times, snippets
 * included, and the mean time printed.
 */
static void
test_timing_10000(void **state)
{
	static const char *words[] = {"garden", "engine", "river", "lantern",
	    "copper", "winter", "signal", "harbor", "paper", "orbit", "meadow",
	    "quiet", "static", "tunnel", "violet", "ember", "compass",
	    "archive", "kettle", "thunder", "mosaic", "pixel", "cobalt",
	    "harvest", "shadow", "glacier", "saffron", "relay", "Überraschung",
	    "café", "naïve", "東京の夜", "Москва", "Straße"};
	static const char *queries[] = {"garden", "lantern+harbor",
	    "caf%C3%A9+%D0%BC%D0%BE%D1%81%D0%BA%D0%B2%D0%B0",
	    "thunder+ember+violet", "nowhere", "w3000",
	    "garden+river+paper+orbit+quiet"};
	size_t nw = sizeof(words) / sizeof(words[0]);
	struct site s;
	struct buf body;
	unsigned seed = 12345;
	double t0, t1;
	char slug[32], date[32], title[96];

	(void)state;
	site_init(&s);
	buf_init(&body);
	for (int i = 0; i < 10000; i++) {
		int n;

		body.len = 0;
		seed = seed * 1103515245u + 12345u;
		n = 20 + (int)((seed >> 16) % 181);
		for (int k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf_puts(&body, words[(seed >> 16) % nw]);
			buf_putc(&body, k % 12 == 11 ? '\n' : ' ');
		}
		buf_putc(&body, '\0');
		snprintf(slug, sizeof(slug), "w%d", i);
		snprintf(date, sizeof(date), "%04d-%02d-%02d %02d:%02d",
		    2000 + i % 25, 1 + i % 12, 1 + i % 28, i % 24, i % 60);
		snprintf(title, sizeof(title), "%s %s w%d", words[i % nw],
		    words[(i / nw) % nw], i);
		site_add_post(&s, mkpost(&s, slug, date, title,
		    i % 3 ? words[(i * 7) % nw] : NULL, body.data));
	}
	buf_free(&body);
	t0 = now();
	assert_int_equal(site_finish(&s, no_dup, NULL), 0);
	t1 = now();
	print_message("search: 10,000 posts indexed (with tags, years) in "
	    "%.0f ms\n", (t1 - t0) * 1e3);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct search_query q;
		struct search_result r;
		const int rounds = 500;
		struct buf sn;

		buf_init(&sn);
		t0 = now();
		for (int k = 0; k < rounds; k++) {
			assert_int_equal(search_query_parse(queries[i],
			    strlen(queries[i]), SEARCH_URL_ENCODED, &q),
			    SEARCH_OK);
			search_run(s.search, &q, &r);
			sn.len = 0;
			for (size_t h = 0; h < r.nhits; h++)
				search_snippet(s.search, &r.hits[h],
				    SEARCH_SNIPPET_COLS, &sn);
		}
		t1 = now();
		buf_free(&sn);
		print_message("search: 10,000 posts, \"%s\": %zu match, "
		    "%.1f us per query with %zu snippets\n", queries[i],
		    r.total, (t1 - t0) * 1e6 / rounds, r.nhits);
	}
	site_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_and_folding),
		cmocka_unit_test(test_query_decoding),
		cmocka_unit_test(test_query_refusals),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_loose_matching),
		cmocka_unit_test(test_snippets),
		cmocka_unit_test(test_snippet_window),
		cmocka_unit_test(test_snippet_far),
		cmocka_unit_test(test_body_as_written),
		cmocka_unit_test(test_snippet_heavy_clusters),
		cmocka_unit_test(test_no_posts),
		cmocka_unit_test(test_many_hits),
		cmocka_unit_test(test_timing_10000),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
