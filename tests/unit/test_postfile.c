/* test_postfile: an imported post's file, and telling hand edits apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "import/postfile.h"

static char *
rendered(size_t *len)
{
	char *tags[] = {"Travel", "Caf\xc3\xa9 \"noir\""};
	struct postfile p = {
		.title = "Letters \\ from \"Havana\"", .date =
		"2013-08-08T13:32:00-07:00", .author = "Ada", .source =
		"https://x.blogspot.com/2013/08/letters.html", .tags = tags,
		.ntags = 2, .comments = 3,
	};
	char *s;

	buf_init(&p.body);
	buf_puts(&p.body, "Hello.\n\n=> https://example.org/ A link\n");
	s = postfile_render(&p, len);
	buf_free(&p.body);
	assert_non_null(s);
	return s;
}

static void
test_render(void **state)
{
	static const char head[] =
	    "---\ntitle: \"Letters \\\\ from \\\"Havana\\\"\"\n"
	    "date: 2013-08-08T13:32:00-07:00\nauthor: \"Ada\"\n"
	    "tags: [\"Travel\", \"Caf\xc3\xa9 \\\"noir\\\"\"]\n"
	    "source: \"https://x.blogspot.com/2013/08/letters.html\"\n"
	    "comments: 3\nimport_hash: ";
	size_t len;
	char *s = rendered(&len);

	(void)state;
	assert_memory_equal(s, head, sizeof(head) - 1);
	assert_true(len > sizeof(head) - 1 + 64);
	assert_memory_equal(s + sizeof(head) - 1 + 64,
	    "\n---\nHello.\n\n=> https://example.org/ A link\n",
	    len - (sizeof(head) - 1 + 64));
	assert_true(postfile_untouched(s, len));
	free(s);
}

/* Any change anywhere, or no hash line, is a hand edit. */
static void
test_edits(void **state)
{
	size_t len;
	char *s = rendered(&len), *e;

	(void)state;
	for (size_t i = 0; i < len; i++) {
		s[i] ^= 0x01;
		if (postfile_untouched(s, len))
			fail_msg("byte %zu changed: still untouched", i);
		s[i] ^= 0x01;
	}
	assert_false(postfile_untouched(s, len - 1));
	e = strstr(s, "import_hash: ");
	assert_non_null(e);
	memmove(e, e + 78, len - (size_t)(e + 78 - s));
	assert_false(postfile_untouched(s, len - 78));
	assert_false(postfile_untouched("", 0));
	assert_false(postfile_untouched("no front matter\n", 16));
	assert_false(postfile_untouched("---\ntitle: x\n---\nbody\n", 22));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
