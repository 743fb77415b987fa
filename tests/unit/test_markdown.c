/*
 * test_markdown: CommonMark bodies (Jekyll's and Hugo's posts) and the
 * gemtext each must become, one table row per body. Every failing row is
 * printed with what it gave.
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
#include "text/markdown.h"
#include "base/utf8.h"

struct md_case {
	const char *md;
	const char *want;
};

static const struct md_case md_cases[] = {
    /* nothing in, nothing out */
    {"", ""},
    {"\n\n   \n", ""},

    /* paragraphs: soft breaks join, a blank line between */
    {"One\ntwo.\n\nThree.\n", "One two.\n\nThree.\n"},
    /* hard breaks: two spaces, a backslash, or <br> */
    {"a  \nb\\\nc<br>d<BR />e\n", "a\nb\nc\nd\ne\n"},

    /* emphasis and inline code as their text */
    {"*a* **b** _c_ `d  e` ***f***\n", "a b c d e f\n"},
    {"A `<tag>` and `` ` ``\n", "A <tag> and `\n"},

    /* headings, ATX and setext; 4-6 as 3 */
    {"# One\n## Two\n### Three\n#### Four\n###### Six\n",
     "# One\n\n## Two\n\n### Three\n\n### Four\n\n### Six\n"},
    {"Title\n=====\n\nSub\n---\n", "# Title\n\n## Sub\n"},
    {"# A *b* `c`\ntext\n", "# A b c\n\ntext\n"},

    /* lists: tight and loose alike */
    {"* a\n* b\n", "* a\n* b\n"},
    {"- a\n\n- b\n", "* a\n* b\n"},
    {"1. a\n2. b\n", "* 1. a\n* 2. b\n"},
    {"3) a\n4) b\n", "* 3. a\n* 4. b\n"},
    {"* a\n  * b\n    1. c\n* d\n",
     "* a\n* \xE2\x80\xBA b\n* \xE2\x80\xBA \xE2\x80\xBA 1. c\n* d\n"},
    {"* a\n\n  second paragraph\n* b\n", "* a\n* second paragraph\n* b\n"},
    {"text\n\n* a\n\ntext\n", "text\n\n* a\n\ntext\n"},

    /* block quotes */
    {"> a\n> b\n", "> a b\n"},
    {"> a\n>\n> b\n", "> a\n> b\n"},
    {"> a\n> > b\n", "> a\n> > b\n"},
    {"> * i\n", "> * i\n"},

    /* code blocks, fenced (info string as alt text) and indented */
    {"```sh\nmake check\n```\n", "```sh\nmake check\n```\n"},
    {"~~~\n# not a heading\n=> not a link\n~~~\n",
     "```\n# not a heading\n=> not a link\n```\n"},
    {"    indented\n      more\n", "```\nindented\n  more\n```\n"},
    {"````\n```\ninner\n```\n````\n", "```\n ```\ninner\n ```\n```\n"},
    {"```\n```\n", ""},
    {"text\n\n```\nx\n```\ntext\n", "text\n\n```\nx\n```\n\ntext\n"},

    /* thematic breaks */
    {"a\n\n***\n\nb\n", "a\n\n---\n\nb\n"},

    /* links: after their paragraph */
    {"See [A](https://a.example/) and [B](/b \"title\").\n\nNext.\n",
     "See A and B.\n=> https://a.example/ A\n=> /b B\n\nNext.\n"},
    {"<https://auto.example/>\n",
     "https://auto.example/\n=> https://auto.example/\n"},
    {"[ref]\n\n[ref]: /r\n", "ref\n=> /r ref\n"},
    {"[*em* `code`](/x)\n", "em code\n=> /x em code\n"},
    {"[up](#top) [js](javascript:x)\n", "up js\n"},
    {"* [a](/a)\n* [b](/b)\n\np\n", "* a\n* b\n=> /a a\n=> /b b\n\np\n"},
    {"## [Head](/h)\n", "## Head\n=> /h Head\n"},
    {"[a b](</a b>)\n", "a b\n=> /a%20b a b\n"},

    /* images: link lines with their alt text */
    {"![A cat](/cat.png)\n", "=> /cat.png A cat\n"},
    {"text ![](/x.png) more\n", "text more\n=> /x.png Image\n"},
    {"![*em* alt](/y.png)\n", "=> /y.png em alt\n"},
    {"[![alt](/small.png)](/big.png)\n", "=> /big.png alt\n"},

    /* raw HTML blocks, converted; inline HTML dropped */
    {"<div>\n<b>raw</b> html\n</div>\n", "raw html\n"},
    {"<script>\nevil()\n</script>\n\nafter\n", "after\n"},
    {"<!-- a comment -->\n\ntext\n", "text\n"},
    {"<p><img src=\"/h.png\" alt=\"H\"></p>\n", "=> /h.png H\n"},
    {"a <span>b</span> <em>c</em>\n", "a b c\n"},
    {"<iframe src=\"x\"></iframe>\n", ""},

    /* escapes and entities */
    {"\\# not a heading\n", " # not a heading\n"},
    {"\\* not an item\n", " * not an item\n"},
    {"&amp; &copy; &#x263A;\n", "& \xC2\xA9 \xE2\x98\xBA\n"},
    {"=> looks like a link\n", " => looks like a link\n"},

    /* front-matter-like lines in a body are just text */
    {"---\ntitle: x\n---\n", "---\n\n## title: x\n"},
};

static char *
convert(const char *md, size_t len)
{
	char *copy = malloc(len + 1), *got;
	struct buf b;

	/* a copy exactly as long, so the sanitizers see overreads */
	assert_non_null(copy);
	memcpy(copy, md, len);
	buf_init(&b);
	assert_int_equal(markdown_to_gemtext(copy, len, &b), 0);
	buf_putc(&b, '\0');
	got = buf_steal(&b, NULL);
	assert_non_null(got);
	free(copy);
	return got;
}

static void
test_md_table(void **state)
{
	size_t n = sizeof(md_cases) / sizeof(md_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct md_case *c = &md_cases[i];
		char *got = convert(c->md, strlen(c->md));

		if (strcmp(got, c->want) != 0) {
			print_message("row %zu:\n%s--- want\n%s--- got\n%s---\n",
			    i, c->md, c->want, got);
			failed++;
		}
		assert_true(utf8_valid(got, strlen(got), NULL));
		free(got);
	}
	assert_int_equal(failed, 0);
}

/* NUL bytes and bad UTF-8 come out as U+FFFD, never as they are. */
static void
test_md_bad_bytes(void **state)
{
	static const char in[] = "a\0b \xff\xfe c\xc3";
	char *got = convert(in, sizeof(in) - 1);

	assert_true(utf8_valid(got, strlen(got), NULL));
	assert_non_null(strstr(got, "\xEF\xBF\xBD"));
	free(got);
}

/* Deep nesting of lists and quotes: flattened, nothing lost. */
static void
test_md_deep(void **state)
{
	struct buf in;
	char *got;

	buf_init(&in);
	for (int i = 0; i < 300; i++)
		buf_puts(&in, "> ");
	buf_puts(&in, "* deep\n");
	got = convert(in.data, in.len);
	assert_non_null(strstr(got, "deep"));
	free(got);
	buf_free(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_md_table),
	    cmocka_unit_test(test_md_bad_bytes),
	    cmocka_unit_test(test_md_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
