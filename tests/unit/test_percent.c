/*
 * test_percent: the one %XX reader, byte by byte: every hex digit in
 * both cases, the bytes next to them that are not digits, and escapes cut
 * short.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/percent.h"

static const struct {
	const char *in;
	size_t n;       /* bytes given: may cut the escape short */
	int want;
} rows[] = {
	{"%41", 3, 'A'},
	{"%20", 3, ' '},
	{"%00", 3, 0},          /* a NUL is the caller's to refuse */
	{"%ff", 3, 255},
	{"%FF", 3, 255},
	{"%fF", 3, 255},
	{"%C3%A9", 6, 0xC3},    /* one escape at a time */
	{"%7e", 3, '~'},
	{"%2F", 3, '/'},
	{"%4", 2, -1},          /* cut short */
	{"%41", 2, -1},
	{"%", 1, -1},
	{"%", 0, -1},
	{"A41", 3, -1},         /* not an escape */
	{"%G1", 3, -1},         /* just past the digits */
	{"%1g", 3, -1},
	{"%/0", 3, -1},         /* '/' is '0' - 1 */
	{"%:0", 3, -1},         /* ':' is '9' + 1 */
	{"%@0", 3, -1},         /* '@' is 'A' - 1 */
	{"%`0", 3, -1},         /* '`' is 'a' - 1 */
	{"% 1", 3, -1},
	{"%+1", 3, -1},
	{"%-1", 3, -1},         /* no sign */
	{"%\xc3\xa9", 3, -1},
};

static void
test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = percent_byte(rows[i].in, rows[i].n);

		if (got != rows[i].want)
			fail_msg("row %zu \"%s\" (%zu bytes): %d, want %d", i,
			    rows[i].in, rows[i].n, got, rows[i].want);
	}
}

static void
test_every_byte(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		int want = -1;

		if (c >= '0' && c <= '9')
			want = c - '0';
		else if (c >= 'a' && c <= 'f')
			want = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			want = c - 'A' + 10;
		assert_int_equal(percent_hex((unsigned char)c), want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
