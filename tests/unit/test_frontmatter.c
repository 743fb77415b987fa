/*
 * test_frontmatter: the "---" block of posts and pages, read into
 * post_meta, and every way it can be wrong, with the file position each
 * error must point at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "text/caps.h"
#include "text/frontmatter.h"

/* A literal and its length, so that inputs may hold a NUL. */
#define IN(s) s, sizeof(s) - 1

/*
 * Parses a copy of exactly len bytes with nothing after it, so that
 * AddressSanitizer catches any read past the end.
 */
static int
parse(const char *s, size_t len, int flags, struct post_meta *meta,
    size_t *body_off, unsigned *body_line, struct fm_error *err)
{
	char *copy;
	int rc;

	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	rc = frontmatter_parse(copy, len, flags, meta, body_off, body_line,
	    err);
	free(copy);
	return rc;
}

static void
assert_meta_empty(const struct post_meta *meta)
{
	struct post_meta zero;

	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(meta, &zero, sizeof(zero));
}

static const char full[] =
    "---\n"
    "title: Proletarian Internationalism of North Korea\n"
    "date: 2013-08-08T13:32:00+02:00\n"
    "updated: 2014-03-09 10:00\n"
    "author: Fekerfanta\n"
    "lang: en\n"
    "summary: \"Three doctors, and what they were doing in Nigeria.\"\n"
    "slug: proletarian-internationalism\n"
    "source: http://fekerfanta.blogspot.com/2013/08/proletarian.html\n"
    "tags: [North Korea, Cuba, internationalism, cuba]\n"
    "draft: false\n"
    "comments: 12\n"
    "layout: post          # unknown keys are ignored,\n"
    "extra: {a: [1, 2]}    # whatever their type\n"
    "---\n"
    "# Proletarian Internationalism\n";

static void
test_full(void **state)
{
	struct post_meta meta;
	struct fm_error err;
	size_t off;
	unsigned line;

	assert_int_equal(parse(IN(full), FM_NEED_DATE, &meta, &off, &line,
	    &err), 0);
	assert_string_equal(meta.title,
	    "Proletarian Internationalism of North Korea");
	assert_true(meta.has_date);
	assert_int_equal(meta.date.year, 2013);
	assert_int_equal(meta.date.month, 8);
	assert_int_equal(meta.date.day, 8);
	assert_int_equal(meta.date.offset_min, 120);
	assert_true(date_epoch(&meta.date) == 1375961520);
	assert_true(meta.has_updated);
	assert_int_equal(meta.updated.year, 2014);
	assert_int_equal(meta.updated.hour, 10);
	assert_string_equal(meta.author, "Fekerfanta");
	assert_string_equal(meta.lang, "en");
	assert_string_equal(meta.summary,
	    "Three doctors, and what they were doing in Nigeria.");
	assert_string_equal(meta.slug, "proletarian-internationalism");
	assert_string_equal(meta.source,
	    "http://fekerfanta.blogspot.com/2013/08/proletarian.html");
	assert_int_equal(meta.ntags, 3);
	assert_string_equal(meta.tags[0], "North Korea");
	assert_string_equal(meta.tags[1], "Cuba");
	assert_string_equal(meta.tags[2], "internationalism");
	assert_int_equal(meta.draft, 0);
	assert_int_equal(meta.comments, 12);
	assert_int_equal(line, 16);
	assert_string_equal(full + off, "# Proletarian Internationalism\n");
	post_meta_free(&meta);
	assert_meta_empty(&meta);
}

/* A page: only a title, everything else absent, no date needed. */
static void
test_page_minimal(void **state)
{
	static const char page[] = "---\ntitle: About\n---\nHello\n";
	struct post_meta meta;
	struct fm_error err;
	size_t off;
	unsigned line;

	assert_int_equal(parse(IN(page), 0, &meta, &off, &line, &err), 0);
	assert_string_equal(meta.title, "About");
	assert_false(meta.has_date);
	assert_false(meta.has_updated);
	assert_null(meta.author);
	assert_null(meta.lang);
	assert_null(meta.summary);
	assert_null(meta.slug);
	assert_null(meta.source);
	assert_null(meta.tags);
	assert_int_equal(meta.ntags, 0);
	assert_int_equal(meta.draft, 0);
	assert_int_equal(meta.comments, -1);
	assert_int_equal(off, 21);
	assert_int_equal(line, 4);
	assert_string_equal(page + off, "Hello\n");
	post_meta_free(&meta);
}

struct tags_case {
	const char *in;
	size_t ntags;
	const char *tags[4];
};

static const struct tags_case tags_cases[] = {
	{"---\ntitle: t\ntags: a, b ,, A, c,\n---\n", 3, {"a", "b", "c"}},
	{"---\ntitle: t\ntags: one\n---\n", 1, {"one"}},
	{"---\ntitle: t\ntags: \"  \"\n---\n", 0, {NULL}},
	{"---\ntitle: t\ntags:\n---\n", 0, {NULL}},
	{"---\ntitle: t\ntags: []\n---\n", 0, {NULL}},
	{"---\ntitle: t\ntags:\n  - Gemini\n  -\n  - ' gopher '\n"
	    "  - GEMINI\n  - ~\n---\n", 2, {"Gemini", "gopher"}},
	/* a list item is one tag, commas and all */
	{"---\ntitle: t\ntags: [\"a, b\", c]\n---\n", 2, {"a, b", "c"}},
	/* numbers and booleans are strings to us */
	{"---\ntitle: t\ntags: [2013, yes]\n---\n", 2, {"2013", "yes"}},
	{"---\ntitle: t\ntags: Ünïcödé, ünïcödé\n---\n", 2,
	    {"Ünïcödé", "ünïcödé"}}, /* case folding is ASCII only */
};

static void
test_tags(void **state)
{
	struct post_meta meta;
	struct fm_error err;
	size_t off;
	unsigned line;

	for (size_t i = 0; i < sizeof(tags_cases) / sizeof(tags_cases[0]);
	    i++) {
		const struct tags_case *c = &tags_cases[i];

		if (parse(c->in, strlen(c->in), 0, &meta, &off, &line,
		    &err) != 0)
			fail_msg("case %zu: %u:%u: %s", i, err.line, err.col,
			    err.msg);
		if (meta.ntags != c->ntags)
			fail_msg("case %zu: %zu tags, want %zu", i, meta.ntags,
			    c->ntags);
		for (size_t t = 0; t < c->ntags; t++)
			if (strcmp(meta.tags[t], c->tags[t]) != 0)
				fail_msg("case %zu: tag %zu is \"%s\", want "
				    "\"%s\"", i, t, meta.tags[t], c->tags[t]);
		if (c->ntags == 0)
			assert_null(meta.tags);
		post_meta_free(&meta);
	}
}

/* Windows line ends: the same block, the same positions. */
static void
test_crlf(void **state)
{
	static const char crlf[] =
	    "---\r\ntitle: Hello \r\ndate: 2013-08-08\r\n"
	    "tags: a, b\r\n---\r\nbody\r\n";
	static const char crlf_bad[] =
	    "---\r\ntitle: x\r\ndate: 2013-02-30\r\n---\r\n";
	struct post_meta meta;
	struct fm_error err;
	size_t off;
	unsigned line;

	assert_int_equal(parse(IN(crlf), FM_NEED_DATE, &meta, &off, &line,
	    &err), 0);
	assert_string_equal(meta.title, "Hello");
	assert_int_equal(meta.ntags, 2);
	assert_string_equal(meta.tags[1], "b");
	assert_int_equal(line, 6);
	assert_string_equal(crlf + off, "body\r\n");
	post_meta_free(&meta);

	assert_int_equal(parse(IN(crlf_bad), FM_NEED_DATE, &meta, &off, &line,
	    &err), -1);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 7);
	assert_string_equal(err.msg, "date: impossible date 2013-02-30");
	assert_meta_empty(&meta);
}

struct body_case {
	const char *in;
	size_t off;
	unsigned line;
};

static const struct body_case body_cases[] = {
	{"---\ntitle: t\n---\n", 17, 4},             /* empty body */
	{"---\ntitle: t\n---", 16, 4},               /* no final LF */
	{"---\ntitle: t\n---\r", 17, 4},             /* ... or a lone CR */
	{"---\ntitle: t\n...\nbody\n", 17, 4},       /* YAML's end marker */
	{"---\ntitle: t\n---\n---\n", 17, 4},        /* the first close wins */
	{"---\ntitle: t\n\n\n---\n\nbody\n", 19, 6}, /* blank lines count */
	/* only a whole line closes: not "  ---", "----", "--- x" */
	{"---\ntitle: t\nsummary: |\n  ---\n  ----\n---\nx\n", 41, 7},
};

static void
test_body(void **state)
{
	struct post_meta meta;
	struct fm_error err;
	size_t off;
	unsigned line;

	for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]);
	    i++) {
		const struct body_case *c = &body_cases[i];

		if (parse(c->in, strlen(c->in), 0, &meta, &off, &line,
		    &err) != 0)
			fail_msg("case %zu: %u:%u: %s", i, err.line, err.col,
			    err.msg);
		if (off != c->off || line != c->line)
			fail_msg("case %zu: body at %zu line %u, want %zu "
			    "line %u", i, off, line, c->off, c->line);
		post_meta_free(&meta);
	}
}

/* Values that stand for "absent", and the spellings of booleans. */
static void
test_values(void **state)
{
	static const char nulls[] =
	    "---\ntitle: >\n  A folded\n  title\nauthor: ~\nlang:\n"
	    "summary: ''\nslug: null\nsource: '   '\ndate: ~\ndraft:\n"
	    "comments: ~\nupdated:\n---\n";
	static const char yes[] =
	    "---\ntitle: \"  2013  \"\ndraft: yes\ncomments: 0\n---\n";
	static const char on[] = "---\ntitle: t\ndraft: On\n---\n";
	struct post_meta meta;
	struct fm_error err;
	size_t off;
	unsigned line;

	assert_int_equal(parse(IN(nulls), 0, &meta, &off, &line, &err), 0);
	assert_string_equal(meta.title, "A folded title");
	assert_null(meta.author);
	assert_null(meta.lang);
	assert_null(meta.summary);
	assert_null(meta.slug);
	assert_null(meta.source);
	assert_false(meta.has_date);
	assert_false(meta.has_updated);
	assert_int_equal(meta.draft, 0);
	assert_int_equal(meta.comments, -1);
	post_meta_free(&meta);

	assert_int_equal(parse(IN(yes), 0, &meta, &off, &line, &err), 0);
	assert_string_equal(meta.title, "2013");
	assert_int_equal(meta.draft, 1);
	assert_int_equal(meta.comments, 0);
	post_meta_free(&meta);

	assert_int_equal(parse(IN(on), 0, &meta, &off, &line, &err), 0);
	assert_int_equal(meta.draft, 1);
	post_meta_free(&meta);
}

struct bad {
	const char *name;
	const char *in;
	size_t len;
	int flags;
	unsigned line, col;
	const char *msg; /* a trailing '*' matches any rest */
};

#define NEED FM_NEED_DATE

static const struct bad bads[] = {
	{"empty file", IN(""), 0, 1, 1,
	    "no front matter (the first line must be \"---\")"},
	{"no front matter", IN("# Hello\n\nworld\n"), 0, 1, 1,
	    "no front matter (the first line must be \"---\")"},
	{"opening with a space", IN("--- \ntitle: t\n---\n"), 0, 1, 1,
	    "no front matter*"},
	{"opening too long", IN("----\ntitle: t\n----\n"), 0, 1, 1,
	    "no front matter*"},
	{"opening indented", IN(" ---\ntitle: t\n---\n"), 0, 1, 1,
	    "no front matter*"},
	{"byte order mark", IN("\xef\xbb\xbf---\ntitle: t\n---\n"), 0, 1, 1,
	    "byte order mark before the front matter"},
	{"unterminated", IN("---\ntitle: t\nbody\n"), 0, 4, 1,
	    "unterminated front matter (no closing \"---\" line)"},
	{"unterminated without LF", IN("---\ntitle: t"), 0, 2, 9,
	    "unterminated*"},
	{"only the opening", IN("---"), 0, 1, 4, "unterminated*"},
	{"only the opening line", IN("---\n"), 0, 2, 1, "unterminated*"},
	{"closing with a space", IN("---\ntitle: t\n--- \n"), 0, 4, 1,
	    "unterminated*"},

	/* YAML errors, at file positions (the YAML starts on line 2) */
	{"YAML: value after value", IN("---\ntitle: t\nauthor: a: b\n---\n"),
	    0, 3, 10, "YAML: mapping values are not allowed in this context"},
	{"YAML: tab indent", IN("---\ntitle: t\n\tauthor: a\n---\n"), 0, 3, 1,
	    "YAML: found a tab character that violates indentation"},
	/* the YAML ends where the closing line starts */
	{"YAML: unclosed quote", IN("---\ntitle: \"t\n---\n"), 0, 3, 1,
	    "YAML: found unexpected end of stream"},
	{"YAML: unclosed list", IN("---\ntitle: t\ntags: [a, b\n---\n"), 0,
	    4, 1, "YAML: *"},
	{"YAML: bad UTF-8", IN("---\ntitle: caf\xc3\n---\n"), 0, 2, 11,
	    "invalid UTF-8"},
	{"YAML: overlong UTF-8", IN("---\ntitle: t\nauthor: \xc0\xaf\n---\n"),
	    0, 3, 9, "invalid UTF-8"},
	{"YAML: alias", IN("---\ntitle: &t x\nsummary: *t\n---\n"), 0, 3, 10,
	    "YAML aliases are not supported"},
	{"YAML: complex key", IN("---\ntitle: t\n[a]: b\n---\n"), 0, 3, 1,
	    "mapping keys must be plain values"},
	{"YAML: two documents", IN("---\ntitle: t\n--- x\n---\n"), 0, 3, 5,
	    "only one YAML document is allowed"},

	{"list", IN("---\n- title\n- t\n---\n"), 0, 2, 1,
	    "front matter must be a mapping of keys to values"},
	{"scalar", IN("---\n\njust text\n---\n"), 0, 3, 1,
	    "front matter must be a mapping of keys to values"},

	{"missing title", IN("---\ndate: 2013-08-08\n---\n"), NEED, 1, 1,
	    "missing title"},
	{"empty block", IN("---\n---\n"), 0, 1, 1, "missing title"},
	{"title key in another case", IN("---\nTitle: t\n---\n"), 0, 1, 1,
	    "missing title"},
	{"empty title", IN("---\ntitle:\nlang: en\n---\n"), 0, 2, 7,
	    "empty title"},
	{"blank title", IN("---\ntitle: \" \t\"\n---\n"), 0, 2, 8,
	    "empty title"},
	{"null title", IN("---\ntitle: ~\n---\n"), 0, 2, 8, "empty title"},
	{"title a list", IN("---\ntitle: [a, b]\n---\n"), 0, 2, 8,
	    "title must be a string"},
	{"title with NUL", IN("---\ntitle: \"a\\0b\"\n---\n"), 0, 2, 8,
	    "title contains a NUL byte"},
	{"author a mapping", IN("---\ntitle: t\nauthor:\n  name: x\n---\n"), 0,
	    4, 3, "author must be a string"},
	{"duplicate title", IN("---\ntitle: a\ntitle: b\n---\n"), 0, 3, 1,
	    "duplicate key title"},

	{"missing date", IN("---\ntitle: t\n---\n"), NEED, 1, 1,
	    "missing date"},
	{"empty date", IN("---\ntitle: t\ndate:\n---\n"), NEED, 3, 6,
	    "empty date"},
	{"impossible date", IN("---\ntitle: t\ndate: 2013-02-30\n---\n"), 0,
	    3, 7, "date: impossible date 2013-02-30"},
	{"impossible date, quoted",
	    IN("---\ntitle: t\ndate:   '2013-02-29'\n---\n"), NEED, 3, 9,
	    "date: impossible date 2013-02-29"},
	{"malformed date", IN("---\ntitle: t\ndate: 2013-8-8\n---\n"), NEED,
	    3, 7, "date: malformed date 2013-8-8"},
	{"date with spaces", IN("---\ntitle: t\ndate: ' 2013-08-08'\n---\n"),
	    NEED, 3, 7, "date: malformed date  2013-08-08"},
	{"impossible time", IN("---\ntitle: t\ndate: 2013-08-08 24:00\n---\n"),
	    NEED, 3, 7, "date: impossible time 2013-08-08 24:00"},
	{"date a list", IN("---\ntitle: t\ndate: [2013-08-08]\n---\n"), NEED,
	    3, 7, "date must be a date"},
	{"bad updated", IN("---\ntitle: t\nupdated: soon\n---\n"), 0, 3, 10,
	    "updated: malformed date soon"},
	/* 44 bytes are kept, and the 44th is the first half of an e-acute */
	{"long bad date, cut",
	    IN("---\ntitle: t\ndate: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\xc3\xa9tail\n---\n"), 0, 3, 7,
	    "date: malformed date "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."},
	{"long bad date, not cut",
	    IN("---\ntitle: t\ndate: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\xc3\xa9tail\n---\n"), 0, 3, 7,
	    "date: malformed date "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9..."},
	{"control bytes in a bad date",
	    IN("---\ntitle: t\ndate: \"2013\\r\\nx\"\n---\n"), 0, 3, 7,
	    "date: malformed date 2013??x"},

	{"tags a mapping", IN("---\ntitle: t\ntags: {a: b}\n---\n"), 0, 3, 7,
	    "tags must be a string or a list of strings"},
	{"tags holding a list", IN("---\ntitle: t\ntags: [a, [b]]\n---\n"), 0,
	    3, 11, "tags must be a string or a list of strings"},
	{"tags holding a mapping",
	    IN("---\ntitle: t\ntags:\n  - a\n  - b: c\n---\n"), 0, 5, 5,
	    "tags must be a string or a list of strings"},

	{"draft maybe", IN("---\ntitle: t\ndraft: maybe\n---\n"), 0, 3, 8,
	    "draft must be true or false"},
	{"draft quoted", IN("---\ntitle: t\ndraft: \"true\"\n---\n"), 0, 3, 8,
	    "draft must be true or false"},
	{"draft a number", IN("---\ntitle: t\ndraft: 1\n---\n"), 0, 3, 8,
	    "draft must be true or false"},
	{"negative comments", IN("---\ntitle: t\ncomments: -1\n---\n"), 0, 3,
	    11, "comments must be a non-negative integer"},
	{"fractional comments", IN("---\ntitle: t\ncomments: 1.5\n---\n"), 0,
	    3, 11, "comments must be a non-negative integer"},
	{"wordy comments", IN("---\ntitle: t\ncomments: many\n---\n"), 0, 3,
	    11, "comments must be a non-negative integer"},
	{"huge comments",
	    IN("---\ntitle: t\ncomments: 99999999999999999999999\n---\n"), 0,
	    3, 11, "comments must be a non-negative integer"},
	{"comments a list", IN("---\ntitle: t\ncomments: [1]\n---\n"), 0, 3,
	    11, "comments must be a non-negative integer"},

	/* the first error in the file is the one reported */
	{"first error wins",
	    IN("---\ndraft: maybe\ntitle: [x]\ndate: 2013-02-30\n---\n"), NEED,
	    2, 8, "draft must be true or false"},
};

/* Every row is tried and every wrong one named before the test fails. */
static void
test_bad(void **state)
{
	struct post_meta meta;
	struct fm_error err;
	size_t off, mlen, failed = 0;
	unsigned line;

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		int rc, match;

		off = 99;
		line = 99;
		rc = parse(b->in, b->len, b->flags, &meta, &off, &line, &err);
		if (rc != -1) {
			print_error("%s: accepted\n", b->name);
			post_meta_free(&meta);
			failed++;
			continue;
		}
		mlen = strlen(b->msg);
		if (mlen > 0 && b->msg[mlen - 1] == '*')
			match = strncmp(err.msg, b->msg, mlen - 1) == 0;
		else
			match = strcmp(err.msg, b->msg) == 0;
		if (!match || err.line != b->line || err.col != b->col) {
			print_error("%s: got %u:%u: %s; want %u:%u: %s\n",
			    b->name, err.line, err.col, err.msg, b->line,
			    b->col, b->msg);
			failed++;
		}
		assert_meta_empty(&meta);
		assert_int_equal(off, 0);
		assert_int_equal(line, 0);
	}
	if (failed > 0)
		fail_msg("%zu of %zu bad cases went wrong", failed,
		    sizeof(bads) / sizeof(bads[0]));
}

/*
 * caps.h: CAPS_TAGS distinct tags are read (their duplicates in another
 * ASCII case dropped, as one by one; each is one hash probe), one more is
 * an error at that tag; a title of CAPS_TITLE_BYTES is read, one byte more
 * is an error at the title. In a list and in a "a, b" string alike.
 */
static void
test_caps(void **state)
{
	struct post_meta meta;
	struct fm_error err;
	size_t off;
	unsigned line, col = 0;
	struct buf b;

	(void)state;
	for (int form = 0; form < 2; form++) {
		for (int over = 0; over < 2; over++) {
			buf_init(&b);
			buf_puts(&b, "---\ntitle: t\ntags: ");
			buf_puts(&b, form ? "" : "[");
			for (int i = 0; i < CAPS_TAGS + over; i++) {
				/* 1-based, after ", ", on the line after
				 * "---\ntitle: t\n" (13 bytes). */
				if (i == CAPS_TAGS)
					col = (unsigned)b.len - 13 + 3;
				/* Each tag twice, the second in capitals. */
				buf_printf(&b, "%stag%d, TAG%d", i ? ", " : "",
				    i, i);
			}
			buf_puts(&b, form ? "\n---\n" : "]\n---\n");
			assert_false(b.failed);
			if (!over) {
				assert_int_equal(parse(b.data, b.len, 0, &meta,
				    &off, &line, &err), 0);
				assert_int_equal(meta.ntags, CAPS_TAGS);
				assert_string_equal(meta.tags[CAPS_TAGS - 1],
				    "tag24999");
				post_meta_free(&meta);
			} else {
				assert_int_equal(parse(b.data, b.len, 0, &meta,
				    &off, &line, &err), -1);
				assert_string_equal(err.msg, "too many tags (at "
				    "most 25000 a post)");
				assert_int_equal(err.line, 3);
				/* The list's item; the string's start. */
				assert_int_equal(err.col, form ? 7 : col);
				assert_meta_empty(&meta);
			}
			buf_free(&b);
		}
	}
	for (int over = 0; over < 2; over++) {
		buf_init(&b);
		buf_puts(&b, "---\ntitle: ");
		for (int i = 0; i < CAPS_TITLE_BYTES + over; i++)
			buf_putc(&b, 'x');
		buf_puts(&b, "  \n---\n"); /* trimmed: not counted */
		if (!over) {
			assert_int_equal(parse(b.data, b.len, 0, &meta, &off,
			    &line, &err), 0);
			assert_int_equal(strlen(meta.title), CAPS_TITLE_BYTES);
			post_meta_free(&meta);
		} else {
			assert_int_equal(parse(b.data, b.len, 0, &meta, &off,
			    &line, &err), -1);
			assert_string_equal(err.msg,
			    "title longer than 1024 bytes");
			assert_int_equal(err.line, 2);
			assert_int_equal(err.col, 8);
		}
		buf_free(&b);
	}
}

/* post_meta_free is safe on an emptied struct, twice over. */
static void
test_free_empty(void **state)
{
	struct post_meta meta;

	memset(&meta, 0, sizeof(meta));
	post_meta_free(&meta);
	post_meta_free(&meta);
	assert_meta_empty(&meta);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_page_minimal),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_free_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
