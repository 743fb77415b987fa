/* test_clean: which characters a display string and a body keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clean.h"

/* A literal and its length, so that inputs may hold a NUL. */
#define IN(s) s, sizeof(s) - 1

static const struct {
	const char *in;
	size_t len;
	const char *display; /* clean_display */
	const char *body;    /* clean_body */
} cases[] = {
	{IN("plain text"), "plain text", "plain text"},
	{IN(""), "", ""},
	/* C0: a space in a display string; gone from a body, but TAB, LF
	 * and a CR before an LF. */
	{IN("a\tb"), "a b", "a\tb"},
	{IN("line\nnext"), "line next", "line\nnext"},
	{IN("crlf\r\nend"), "crlf  end", "crlf\r\nend"},
	{IN("lone\rcr"), "lone cr", "lonecr"},
	{IN("end\r"), "end ", "end"},
	{IN("esc\x1b[2Jx"), "esc [2Jx", "esc[2Jx"},
	{IN("nul\0bell\a"), "nul bell ", "nulbell"},
	{IN("del\x7f!"), "del !", "del!"},
	/* C1 in UTF-8: U+009B (the 8-bit CSI), U+0085 (NEL), U+0080. */
	{IN("csi\xc2\x9b" "31m"), "csi 31m", "csi31m"},
	{IN("nel\xc2\x85x\xc2\x80"), "nel x ", "nelx"},
	/* Not C1: U+00A0 and U+00E9 keep their C2/C3 bytes. */
	{IN("nb\xc2\xa0sp caf\xc3\xa9"), "nb\xc2\xa0sp caf\xc3\xa9",
	    "nb\xc2\xa0sp caf\xc3\xa9"},
	/* U+2028, U+2029: a space in one line, kept in a body's text. */
	{IN("ls\xe2\x80\xa8ps\xe2\x80\xa9"), "ls ps ",
	    "ls\xe2\x80\xa8ps\xe2\x80\xa9"},
	/* U+2026 shares their first two bytes and is text. */
	{IN("dots\xe2\x80\xa6"), "dots\xe2\x80\xa6", "dots\xe2\x80\xa6"},
	/* A C2 at the very end is not read past. */
	{IN("cut\xc2"), "cut\xc2", "cut\xc2"},
	{IN("\xe6\x9d\xb1\xe4\xba\xac\x1b"), "\xe6\x9d\xb1\xe4\xba\xac ",
	    "\xe6\x9d\xb1\xe4\xba\xac"},
};

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		char *copy = malloc(cases[i].len + 2);
		size_t n;

		buf_init(&b);
		clean_display(&b, cases[i].in, cases[i].len);
		assert_false(b.failed);
		if (b.len != strlen(cases[i].display) ||
		    memcmp(b.data ? b.data : "", cases[i].display, b.len) != 0)
			fail_msg("case %zu: display \"%.*s\", want \"%s\"", i,
			    (int)b.len, b.data, cases[i].display);
		buf_free(&b);
		/* In place, exactly len bytes and a guard after them. */
		assert_non_null(copy);
		memcpy(copy, cases[i].in, cases[i].len);
		copy[cases[i].len] = '#';
		n = clean_body(copy, cases[i].len);
		if (n != strlen(cases[i].body) ||
		    memcmp(copy, cases[i].body, n) != 0)
			fail_msg("case %zu: body \"%.*s\", want \"%s\"", i,
			    (int)n, copy, cases[i].body);
		assert_int_equal(copy[cases[i].len], '#');
		free(copy);
	}
}

static void
test_code_points(void **state)
{
	static const uint32_t control[] = {0, 9, 10, 13, 0x1b, 0x1f, 0x7f,
	    0x80, 0x85, 0x9b, 0x9f, 0x2028, 0x2029};
	static const uint32_t text[] = {' ', 'a', 0x7e, 0xa0, 0xe9, 0x2026,
	    0x2027, 0x202a, 0xfeff, 0x1f680};

	(void)state;
	for (size_t i = 0; i < sizeof(control) / sizeof(*control); i++)
		if (!clean_is_control(control[i]))
			fail_msg("U+%04X is a control", control[i]);
	for (size_t i = 0; i < sizeof(text) / sizeof(*text); i++)
		if (clean_is_control(text[i]))
			fail_msg("U+%04X is not a control", text[i]);
	assert_int_equal(clean_control_len(IN("\x1bx")), 1);
	assert_int_equal(clean_control_len(IN("\xc2\x9bx")), 2);
	assert_int_equal(clean_control_len(IN("\xe2\x80\xa9")), 3);
	assert_int_equal(clean_control_len(IN("\xe2\x80")), 0);
	assert_int_equal(clean_control_len(IN("a")), 0);
	assert_int_equal(clean_control_len("", 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_code_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
