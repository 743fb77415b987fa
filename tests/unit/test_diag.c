/*
 * test_diag: a problem is one line of valid UTF-8 whatever the file name
 * holds: controls, bytes that are not UTF-8 and the backslash are written
 * as \xHH, in the name and in the message alike.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/diag.h"

static const struct {
	const char *file;
	unsigned line, col;
	const char *msg;
	const char *want;
} cases[] = {
	{"posts/a.gmi", 3, 7, "date: bad", "posts/a.gmi:3:7: date: bad"},
	{"posts/a.gmi", 0, 0, "cannot open", "posts/a.gmi: cannot open"},
	/* Latin-1, not UTF-8: each stray byte escaped. */
	{"posts/caf\xe9.gmi", 0, 0, "x", "posts/caf\\xE9.gmi: x"},
	{"\xff\xfe", 0, 0, "x", "\\xFF\\xFE: x"},
	/* A truncated sequence, an overlong one, a surrogate. */
	{"cut\xe6\x9d", 0, 0, "x", "cut\\xE6\\x9D: x"},
	{"over\xc0\xaf", 0, 0, "x", "over\\xC0\\xAF: x"},
	{"sur\xed\xa0\x80", 0, 0, "x", "sur\\xED\\xA0\\x80: x"},
	/* Valid UTF-8 stays as it is. */
	{"posts/\xe6\x9d\xb1\xe4\xba\xac.gmi", 1, 1, "caf\xc3\xa9",
	    "posts/\xe6\x9d\xb1\xe4\xba\xac.gmi:1:1: caf\xc3\xa9"},
	/* Controls: C0, DEL, C1 (both bytes), U+2028. */
	{"new\nline.gmi", 0, 0, "x", "new\\x0Aline.gmi: x"},
	{"esc\x1b[2J.gmi", 0, 0, "x", "esc\\x1B[2J.gmi: x"},
	{"del\x7f", 0, 0, "x", "del\\x7F: x"},
	{"csi\xc2\x9b" "1m", 0, 0, "x", "csi\\xC2\\x9B1m: x"},
	{"ls\xe2\x80\xa8", 0, 0, "x", "ls\\xE2\\x80\\xA8: x"},
	/* The backslash itself, so that "\x0A" in a name reads back. */
	{"back\\x0A", 0, 0, "x", "back\\x5Cx0A: x"},
	/* The message is escaped the same way. */
	{"f", 2, 1, "title \x1b[31mred\xc2\x9b \xff",
	    "f:2:1: title \\x1B[31mred\\xC2\\x9B \\xFF"},
};

static void
test_escaped(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		diags_add(&d, cases[i].file, cases[i].line, cases[i].col, "%s",
		    cases[i].msg);
	assert_int_equal(d.n, sizeof(cases) / sizeof(cases[0]));
	assert_false(d.failed);
	for (size_t i = 0; i < d.n; i++)
		if (strcmp(d.lines[i], cases[i].want) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, d.lines[i],
			    cases[i].want);
	diags_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
