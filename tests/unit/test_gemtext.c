/*
 * test_gemtext: the gemtext line reader, one table row per document.
 *
 * Each row is a gemtext document and the lines the reader must return,
 * written one per line as KIND [text] or, for links, link [url] [label].
 * Brackets show where each field starts and ends, so a stray space or CR
 * is visible in a failure report. Every failing row is printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "text/gemtext.h"

struct gt_case {
	const char *doc;
	size_t len; /* 0: strlen(doc) */
	const char *want;
};

static const struct gt_case gt_cases[] = {
    /* empty input, and where lines begin and end */
    {"", 0, ""},
    {"\n", 0, "text []\n"},
    {"\r\n", 0, "text []\n"},
    {"\n\n", 0, "text []\ntext []\n"},
    {"a", 0, "text [a]\n"},
    {"a\n", 0, "text [a]\n"},
    {"a\r\nb\r\n", 0, "text [a]\ntext [b]\n"},
    {"a\nb", 0, "text [a]\ntext [b]\n"},
    {"a\r\n\r\nb", 0, "text [a]\ntext []\ntext [b]\n"},
    {"a\r", 0, "text [a]\n"},
    /* a CR not before LF is text */
    {"a\rb\n", 0, "text [a\rb]\n"},
    /* text is kept as written, leading and trailing spaces included */
    {"  indented  \n", 0, "text [  indented  ]\n"},
    {"\tx", 0, "text [\tx]\n"},

    /* links */
    {"=> gemini://h/ Label", 0, "link [gemini://h/] [Label]\n"},
    {"=>gemini://h/", 0, "link [gemini://h/] []\n"},
    {"=>  url   label  ", 0, "link [url] [label]\n"},
    {"=>\turl\tlabel two\t", 0, "link [url] [label two]\n"},
    {"=> url\r\n", 0, "link [url] []\n"},
    {"=> url   \r\n", 0, "link [url] []\n"},
    {"=> /a b  c\r\n", 0, "link [/a] [b  c]\n"},
    {"=>", 0, "text [=>]\n"},
    {"=>   ", 0, "text [=>   ]\n"},
    {"=>\r\n", 0, "text [=>]\n"},
    {" => url", 0, "text [ => url]\n"},
    {"= > url", 0, "text [= > url]\n"},

    /* headings: longest prefix first, the space is optional */
    {"# One", 0, "h1 [One]\n"},
    {"## Two", 0, "h2 [Two]\n"},
    {"### Three", 0, "h3 [Three]\n"},
    {"#### Four", 0, "h3 [# Four]\n"},
    {"#heading", 0, "h1 [heading]\n"},
    {"##\tTabbed  \r\n", 0, "h2 [Tabbed]\n"},
    {"#", 0, "h1 []\n"},
    {" # not", 0, "text [ # not]\n"},

    /* list items need the space */
    {"* item", 0, "list [item]\n"},
    {"*   spaced  ", 0, "list [spaced]\n"},
    {"* ", 0, "list []\n"},
    {"*no-space", 0, "text [*no-space]\n"},
    {"*", 0, "text [*]\n"},
    {"** bold?", 0, "text [** bold?]\n"},

    /* quotes */
    {"> quoted", 0, "quote [quoted]\n"},
    {">quoted  ", 0, "quote [quoted]\n"},
    {">", 0, "quote []\n"},

    /* preformatted blocks */
    {"```\ncode\n```\n", 0, "pre-start []\npre [code]\npre-end []\n"},
    {"``` python \nx = 1\n```\n", 0,
     "pre-start [python]\npre [x = 1]\npre-end []\n"},
    {"```alt\r\n  # not a heading\r\n=> not a link\r\n* x\r\n>q\r\n\r\n"
     "```trailing words\r\nafter\r\n",
     0,
     "pre-start [alt]\npre [  # not a heading]\npre [=> not a link]\n"
     "pre [* x]\npre [>q]\npre []\npre-end []\ntext [after]\n"},
    /* only a line starting with ``` closes the block */
    {"```\n ```\n``\n```", 0,
     "pre-start []\npre [ ```]\npre [``]\npre-end []\n"},
    /* a tab survives inside, verbatim */
    {"```\n\tindented\t\n```", 0,
     "pre-start []\npre [\tindented\t]\npre-end []\n"},
    /* unterminated: no pre-end is made up */
    {"```\nopen\n", 0, "pre-start []\npre [open]\n"},
    {"```", 0, "pre-start []\n"},
    {"````", 0, "pre-start [`]\n"},
    /* a second block after the first */
    {"```a\n1\n```\ntext\n```b\n2\n```\n", 0,
     "pre-start [a]\npre [1]\npre-end []\ntext [text]\npre-start [b]\n"
     "pre [2]\npre-end []\n"},

    /* a mixed document */
    {"# Title\r\n\r\nSome text.\r\n=> /a.gmi A\r\n* x\r\n> q\r\n", 0,
     "h1 [Title]\ntext []\ntext [Some text.]\nlink [/a.gmi] [A]\n"
     "list [x]\nquote [q]\n"},

    /* a NUL byte is just a byte */
    {"a\0b\n", 4, "text [a\\0b]\n"},
};

static const char *
gt_kind_name(enum gemtext_kind k)
{
	switch (k) {
	case GT_TEXT:
		return "text";
	case GT_LINK:
		return "link";
	case GT_HEADING1:
		return "h1";
	case GT_HEADING2:
		return "h2";
	case GT_HEADING3:
		return "h3";
	case GT_LIST:
		return "list";
	case GT_QUOTE:
		return "quote";
	case GT_PRE_START:
		return "pre-start";
	case GT_PRE:
		return "pre";
	case GT_PRE_END:
		return "pre-end";
	}
	return "?";
}

static void
gt_put_field(struct buf *b, const char *s, size_t n)
{
	buf_puts(b, " [");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0')
			buf_puts(b, "\\0");
		else
			buf_putc(b, s[i]);
	}
	buf_putc(b, ']');
}

/* Reads the whole document; returns the rendering, or NULL on a broken
 * line (pointers outside the document). */
static char *
gt_render(const char *doc, size_t len)
{
	struct gemtext_reader r;
	struct gemtext_line l;
	struct buf b;
	size_t guard = 0;

	buf_init(&b);
	buf_puts(&b, "");
	gemtext_init(&r, doc, len);
	while (gemtext_next(&r, &l)) {
		assert_true(++guard <=
		            len + 1); /* never more lines than bytes */
		assert_non_null(l.text);
		assert_true(l.text >= doc && l.text + l.text_len <= doc + len);
		buf_puts(&b, gt_kind_name(l.kind));
		if (l.kind == GT_LINK) {
			assert_non_null(l.url);
			assert_true(l.url_len > 0);
			assert_true(l.url >= doc &&
			            l.url + l.url_len <= doc + len);
			gt_put_field(&b, l.url, l.url_len);
		} else
			assert_null(l.url);
		gt_put_field(&b, l.text, l.text_len);
		buf_putc(&b, '\n');
	}
	/* the end is sticky */
	assert_int_equal(gemtext_next(&r, &l), 0);
	return buf_steal(&b, NULL);
}

static void
test_gemtext_table(void **state)
{
	size_t n = sizeof(gt_cases) / sizeof(gt_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct gt_case *c = &gt_cases[i];
		size_t len = c->len ? c->len : strlen(c->doc);
		char *got = gt_render(c->doc, len);

		assert_non_null(got);
		if (strcmp(got, c->want) != 0) {
			print_message("row %zu:\n--- want\n%s--- got\n%s---\n",
			              i, c->want, got);
			failed++;
		}
		free(got);
	}
	assert_int_equal(failed, 0);
}

/* The same document read from a copy that ends exactly where it ends, so
 * that the sanitizers see any read past the last byte. */
static void
test_gemtext_exact_buffer(void **state)
{
	static const char *const docs[] = {"=>",  "```", "# x",
	                                   "a\r", "* ",  "=> u l"};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		size_t len = strlen(docs[i]);
		char *copy = malloc(len);
		char *got;

		assert_non_null(copy);
		memcpy(copy, docs[i], len);
		got = gt_render(copy, len);
		assert_non_null(got);
		free(got);
		free(copy);
	}
}

/* gemtext_links counts link lines as gemtext_next reads them. */
static void
test_links(void **state)
{
	static const char body[] =
	    "=> /a A\n"
	    "text => not a link\n"
	    "=>\n"                 /* no URL: text */
	    "```\n=> /pre\n```\n"   /* preformatted: not a link */
	    "=>/b\n"
	    "=> gemini://c/ C\r\n"
	    "=> /d";
	size_t over = 99;

	(void)state;
	assert_int_equal(gemtext_links(body, sizeof(body) - 1, 100, &over), 4);
	assert_int_equal(over, 99); /* not over: untouched */
	assert_int_equal(gemtext_links(body, sizeof(body) - 1, 2, &over), 3);
	assert_int_equal(over, strstr(body, "=> gemini") - body);
	assert_int_equal(gemtext_links(body, sizeof(body) - 1, 0, NULL), 1);
	assert_int_equal(gemtext_links("", 0, 0, &over), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gemtext_table),
	    cmocka_unit_test(test_gemtext_exact_buffer),
	    cmocka_unit_test(test_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
