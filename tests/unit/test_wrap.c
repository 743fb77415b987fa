/*
 * test_wrap: display widths, menu-line cleaning and paragraph wrapping.
 *
 * Expected output is written out in full, CRLFs and all, so each row reads
 * as the text a Gopher client would show. A property test then throws
 * thousands of random strings (a fixed seed, so a failure replays) at
 * wrap_paragraph and checks what must hold for any input: width, valid
 * UTF-8, CRLF line ends, no lone ".", nothing lost. Every failing row is
 * printed, not just the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unigbrk.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "text/wrap.h"

#define CJK_TOKYO "\xE6\x9D\xB1\xE4\xBA\xAC" /* 東京 */
#define E_ACUTE "e\xCC\x81"                  /* e + U+0301 */
#define GRIN "\xF0\x9F\x98\x80"              /* U+1F600 */
#define FFFD "\xEF\xBF\xBD"
#define ELLIPSIS "\xE2\x80\xA6"

/* Prints bytes with controls and non-ASCII escaped, for failure reports. */
static void
print_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			print_message("\\n\n    ");
		else if (c < 0x20 || c >= 0x7F || c == '\\')
			print_message("\\x%02X", c);
		else
			print_message("%c", c);
	}
}

/* wrap_width */

struct width_case {
	const char *s;
	size_t want;
};

static const struct width_case width_cases[] = {
    {"", 0},
    {"abc", 3},
    {"Hello, world!", 13},
    {CJK_TOKYO, 4},
    {"a" CJK_TOKYO "b", 6},
    {E_ACUTE, 1},
    {"caf" E_ACUTE, 4},
    {"\xC3\xA9", 1},     /* precomposed é */
    {GRIN, 2},           /* emoji are wide */
    {"\xEF\xBC\xA1", 2}, /* fullwidth A */
    {"\xEF\xBD\xB1", 1}, /* halfwidth katakana A */
    {"\xE3\x80\x82", 2}, /* ideographic full stop */
    {"\xE2\x80\x8B", 0}, /* zero width space */
    {ELLIPSIS, 1},
    {FFFD, 1},
    {"\xFF", 1}, /* invalid: one column per byte */
    {"\xFF\xFE", 2},
    {"\xE2\x82", 2},     /* truncated euro sign */
    {"\xC0\xAE", 2},     /* overlong */
    {"\xED\xA0\x80", 3}, /* surrogate */
    {"\t", 1},           /* controls: as the space they become */
    {"\x1B[1m", 4},
    {"\xC2\x9B", 1},
};

static void
test_wrap_width(void **state)
{
	size_t n = sizeof(width_cases) / sizeof(width_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct width_case *c = &width_cases[i];
		size_t got = wrap_width(c->s, strlen(c->s));

		if (got != c->want) {
			print_message("row %zu \"", i);
			print_bytes(c->s, strlen(c->s));
			print_message("\": width %zu, want %zu\n", got,
			              c->want);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* wrap_clean_line */

struct clean_case {
	const char *s;
	size_t max;
	const char *want;
	size_t cols;
};

#define A10 "aaaaaaaaaa"
#define TOKYO5 CJK_TOKYO CJK_TOKYO "\xE6\x9D\xB1" /* 東京東京東: 10 cols */

static const struct clean_case clean_cases[] = {
    {"plain", 67, "plain", 5},
    {"", 67, "", 0},
    /* line ends, TAB and other controls are spaces, runs collapse */
    {"a\tb\rc\nd", 67, "a b c d", 7},
    {"a\r\nb", 67, "a b", 3},
    {"  lead   and   trail  ", 67, "lead and trail", 14},
    {"\t\r\n \x1B", 67, "", 0},
    {"x\x1B[31my", 67, "x [31my", 7},
    {"a\x7F"
     "b",
     67, "a b", 3},
    {"a\x01\x02\x1F"
     "b",
     67, "a b", 3},
    {"a\xC2\x85"
     "b",
     67, "a b", 3}, /* NEL */
    {"a\xC2\x9B"
     "1mb",
     67, "a 1mb", 5}, /* 8-bit CSI */
    {"a\xC2\x80\xC2\x9F"
     "b",
     67, "a b", 3},
    {"a\xE2\x80\xA8"
     "b",
     67, "a b", 3}, /* LINE SEPARATOR */
    {"a\xC2\xA0"
     "b",
     67,
     "a\xC2\xA0"
     "b",
     3}, /* NBSP is kept */
    /* invalid UTF-8: U+FFFD per byte, always valid output */
    {"a\xFF"
     "b",
     67, "a" FFFD "b", 3},
    {"\xC0\xAE", 67, FFFD FFFD, 2},
    {"\xE2\x82", 67, FFFD FFFD, 2},
    {"ok\xED\xA0\x80", 67, "ok" FFFD FFFD FFFD, 5},
    /* fits exactly: no cut */
    {A10, 10, A10, 10},
    {CJK_TOKYO, 4, CJK_TOKYO, 4},
    /* cut: the ellipsis fits inside the limit */
    {A10 "a", 10, "aaaaaaaaa" ELLIPSIS, 10},
    {"hello world", 8, "hello w" ELLIPSIS, 8},
    {"hello world", 7, "hello" ELLIPSIS, 6}, /* no space before it */
    {"hello world", 6, "hello" ELLIPSIS, 6},
    {"ab", 1, ELLIPSIS, 1},
    {"ab", 0, "", 0},
    {"  a  ", 0, "", 0},
    /* a wide character never straddles the limit */
    {TOKYO5, 9, CJK_TOKYO CJK_TOKYO ELLIPSIS, 9},
    {TOKYO5, 8, CJK_TOKYO "\xE6\x9D\xB1" ELLIPSIS, 7},
    {CJK_TOKYO, 3, "\xE6\x9D\xB1" ELLIPSIS, 3},
    {CJK_TOKYO, 2, ELLIPSIS, 1},
    /* a combining mark stays with its letter */
    {E_ACUTE E_ACUTE E_ACUTE, 2, E_ACUTE ELLIPSIS, 2},
    /* controls collapse before the cut is measured */
    {"a\t\t\tb\r\n\r\nc", 5, "a b c", 5},
};

/* The 67-column menu limit with wide characters: 40 "東", 80 columns. */
static void
test_wrap_clean_line_67(void **state)
{
	struct buf in, out, want;

	buf_init(&in);
	buf_init(&out);
	buf_init(&want);
	for (int i = 0; i < 40; i++)
		buf_puts(&in, "\xE6\x9D\xB1");
	/* 33 of them are 66 columns, and the ellipsis makes 67 */
	for (int i = 0; i < 33; i++)
		buf_puts(&want, "\xE6\x9D\xB1");
	buf_puts(&want, ELLIPSIS);
	assert_int_equal(wrap_clean_line(&out, in.data, in.len, 67), 67);
	assert_false(out.failed);
	assert_string_equal(out.data, want.data);

	/* one ASCII letter first: 32 fit (65 columns), a 33rd would leave
	 * no room for the ellipsis, so the line is 66 columns */
	buf_free(&in);
	buf_free(&out);
	buf_free(&want);
	buf_puts(&in, "a");
	buf_puts(&want, "a");
	for (int i = 0; i < 40; i++)
		buf_puts(&in, "\xE6\x9D\xB1");
	for (int i = 0; i < 32; i++)
		buf_puts(&want, "\xE6\x9D\xB1");
	buf_puts(&want, ELLIPSIS);
	assert_int_equal(wrap_clean_line(&out, in.data, in.len, 67), 66);
	assert_string_equal(out.data, want.data);
	buf_free(&in);
	buf_free(&out);
	buf_free(&want);
}

static void
test_wrap_clean_line(void **state)
{
	size_t n = sizeof(clean_cases) / sizeof(clean_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct clean_case *c = &clean_cases[i];
		struct buf out;
		size_t cols;

		buf_init(&out);
		buf_puts(&out, "<"); /* appends, never replaces */
		cols = wrap_clean_line(&out, c->s, strlen(c->s), c->max);
		assert_false(out.failed);
		if (strcmp(out.data + 1, c->want) != 0 || cols != c->cols ||
		    out.data[0] != '<' ||
		    wrap_width(out.data + 1, out.len - 1) != cols ||
		    !utf8_valid(out.data, out.len, NULL)) {
			print_message("row %zu \"", i);
			print_bytes(c->s, strlen(c->s));
			print_message("\" at %zu: got %zu cols \"", c->max,
			              cols);
			print_bytes(out.data + 1, out.len - 1);
			print_message("\", want %zu cols \"", c->cols);
			print_bytes(c->want, strlen(c->want));
			print_message("\"\n");
			failed++;
		}
		buf_free(&out);
	}
	assert_int_equal(failed, 0);
}

/* wrap_paragraph */

struct para_case {
	const char *text;
	size_t width;
	const char *first, *rest;
	const char *want;
};

#define URL_HOST "https://example.org/"
#define A20 A10 A10
#define A30 A10 A10 A10
#define A80 A20 A20 A20 A20
#define X10 "xxxxxxxxxx"
#define X30 X10 X10 X10

static const struct para_case para_cases[] = {
    /* English at 20 columns */
    {"The quick brown fox jumps over the lazy dog. Pack my box with five "
     "dozen liquor jugs.",
     20, "", "",
     "The quick brown fox\r\n"
     "jumps over the lazy\r\n"
     "dog. Pack my box\r\n"
     "with five dozen\r\n"
     "liquor jugs.\r\n"},
    /* exactly the width, and one over */
    {"abcde fghij", 11, "", "", "abcde fghij\r\n"},
    {"abcde fghij", 10, "", "", "abcde\r\nfghij\r\n"},
    /* spaces at a break are dropped, trailing ones never written */
    {"aaa   bbb", 5, "", "", "aaa\r\nbbb\r\n"},
    {"word   ", 20, "", "", "word\r\n"},
    {"a  b", 20, "", "", "a  b\r\n"}, /* inside a line, as written */
    /* leading spaces stay, unless they push the first word over */
    {"  indented text", 20, "", "", "  indented text\r\n"},
    {"   abcde", 5, "", "", "abcde\r\n"},
    /* UAX #14: after a hyphen */
    {"well-known words", 6, "", "", "well-\r\nknown\r\nwords\r\n"},

    /* CJK at 10 columns: between characters, never before "。" */
    {"\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAF\xE6\x97\xA5\xE6\x9C\xAC"
     "\xE3\x81\xAE\xE9\xA6\x96\xE9\x83\xBD\xE3\x81\xA7\xE3\x81\x99"
     "\xE3\x80\x82\xE3\x81\xA8\xE3\x81\xA6\xE3\x82\x82\xE5\xA4\xA7"
     "\xE3\x81\x8D\xE3\x81\x84\xE9\x83\xBD\xE5\xB8\x82\xE3\x81\xA7"
     "\xE3\x81\x99\xE3\x80\x82",
     10, "", "",
     /* 東京は日本 / の首都で / す。とても / 大きい都市 / です。 */
     "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAF\xE6\x97\xA5\xE6\x9C\xAC\r\n"
     "\xE3\x81\xAE\xE9\xA6\x96\xE9\x83\xBD\xE3\x81\xA7\r\n"
     "\xE3\x81\x99\xE3\x80\x82\xE3\x81\xA8\xE3\x81\xA6\xE3\x82\x82\r\n"
     "\xE5\xA4\xA7\xE3\x81\x8D\xE3\x81\x84\xE9\x83\xBD\xE5\xB8\x82\r\n"
     "\xE3\x81\xA7\xE3\x81\x99\xE3\x80\x82\r\n"},
    /* emoji are wide, and break like ideographs */
    {GRIN GRIN GRIN, 4, "", "", GRIN GRIN "\r\n" GRIN "\r\n"},

    /* a 100-character URL at 30: breaks after "/" and ".", then cut */
    {URL_HOST A80, 30, "", "",
     URL_HOST "\r\n" A30 "\r\n" A30 "\r\n" A20 "\r\n"},
    /* no break opportunity at all: cut every 30 columns */
    {X30 X30 X30 X10, 30, "", "", X30 "\r\n" X30 "\r\n" X30 "\r\n" X10 "\r\n"},
    /* a long word starts its own line rather than filling this one */
    {"see " X30 "xx", 30, "", "", "see\r\n" X30 "\r\nxx\r\n"},
    /* a cut never separates a combining mark from its letter */
    {E_ACUTE E_ACUTE E_ACUTE, 2, "", "", E_ACUTE E_ACUTE "\r\n" E_ACUTE "\r\n"},

    /* hanging indent for list items */
    {"one two three four five six seven", 20, "  * ", "    ",
     "  * one two three\r\n"
     "    four five six\r\n"
     "    seven\r\n"},
    /* quotes: the prefix on every line */
    {"to be or not to be that is", 12, "> ", "> ",
     "> to be or\r\n"
     "> not to be\r\n"
     "> that is\r\n"},
    /* NULL prefixes are empty */
    {"a b", 1, NULL, NULL, "a\r\nb\r\n"},

    /* a lone "." is written " ." */
    {".", 20, "", "", " .\r\n"},
    {"abc.", 3, "", "", "abc\r\n .\r\n"},
    {"Hello .", 5, "", "", "Hello\r\n .\r\n"},
    {". .", 1, "", "", " .\r\n .\r\n"},
    {"..", 20, "", "", "..\r\n"}, /* only a lone one */
    {".", 20, "> ", "> ", "> .\r\n"},

    /* width edge cases: one character per line, and it ends */
    {"ab cd", 1, "", "", "a\r\nb\r\nc\r\nd\r\n"},
    {CJK_TOKYO, 1, "", "", "\xE6\x9D\xB1\r\n\xE4\xBA\xAC\r\n"},
    {"ab", 0, "", "", "a\r\nb\r\n"},
    {"ab", 1, "> ", "> ", "> a\r\n> b\r\n"},
    {"ab", 3, "  * ", "    ", "  * a\r\n    b\r\n"},

    /* empty text: the first prefix alone, its trailing spaces gone */
    {"", 20, "", "", "\r\n"},
    {"", 20, "> ", "> ", ">\r\n"},
    {"   ", 20, "  * ", "    ", "  *\r\n"},

    /* controls become spaces: no line end but the CRLFs */
    {"a\tb\nc\r\nd", 20, "", "", "a b c  d\r\n"},
    {"a\n.\nb", 1, "", "", "a\r\n .\r\nb\r\n"},
    {"a\x1B[1m", 20, "", "", "a [1m\r\n"},
    /* invalid UTF-8 becomes U+FFFD */
    {"a\xFF", 20, "", "", "a" FFFD "\r\n"},
};

static void
test_wrap_paragraph(void **state)
{
	size_t n = sizeof(para_cases) / sizeof(para_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct para_case *c = &para_cases[i];
		struct buf out;

		buf_init(&out);
		buf_puts(&out, "<"); /* appends, never replaces */
		wrap_paragraph(&out, c->text, strlen(c->text), c->width,
		               c->first, c->rest);
		assert_false(out.failed);
		if (out.data[0] != '<' || strcmp(out.data + 1, c->want) != 0) {
			print_message("row %zu at %zu columns:\n--- want\n    ",
			              i, c->width);
			print_bytes(c->want, strlen(c->want));
			print_message("\n--- got\n    ");
			print_bytes(out.data + 1, out.len - 1);
			print_message("\n");
			failed++;
		}
		buf_free(&out);
	}
	assert_int_equal(failed, 0);
}

/* The property test: pieces with their cleaned form, glued at random. */
struct piece {
	const char *raw, *clean;
};

static const struct piece pieces[] = {
    {"a", "a"},
    {"word", "word"},
    {"Hello,", "Hello,"},
    {".", "."},
    {"-", "-"},
    {"/", "/"},
    {"https://example.org/path?q=1", "https://example.org/path?q=1"},
    {A30 A10, A30 A10},
    {"\xE6\x9D\xB1", "\xE6\x9D\xB1"},
    {"\xE3\x80\x82", "\xE3\x80\x82"},
    {"\xEF\xBC\xA1", "\xEF\xBC\xA1"},
    {E_ACUTE, E_ACUTE},
    {"\xCC\x81", "\xCC\x81"}, /* a combining mark on whatever is before */
    {GRIN, GRIN},
    {"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",
     "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"}, /* ZWJ sequence */
    {"\xE2\x80\x8B", "\xE2\x80\x8B"},                 /* ZWSP */
    {"\xC2\xAD", "\xC2\xAD"},                         /* soft hyphen */
    {"\xC2\xA0", "\xC2\xA0"},                         /* NBSP */
    {" ", " "},
    {" ", " "},
    {" ", " "},
    {"   ", "   "},
    {"\t", " "},
    {"\n", " "},
    {"\r", " "},
    {"\x1B", " "},
    {"\x7F", " "},
    {"\xC2\x85", " "},
    {"\xE2\x80\xA8", " "},
    {"\xFF", FFFD},
    {"\xC0\xAE", FFFD FFFD},
    {"\xE2\x82", FFFD FFFD},
};

static const char *const prefixes[] = {"",     "",    "> ",           "  * ",
                                       "    ", "=> ", "\xE6\x9D\xB1 "};

/* A small generator of our own, so the sequence is the same everywhere. */
static uint32_t
prop_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
strip_spaces(struct buf *dst, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ')
			buf_putc(dst, s[i]);
}

static int
one_cluster(const char *s, size_t n)
{
	const uint8_t *next;

	if (n == 0)
		return 0;
	next = u8_grapheme_next((const uint8_t *)s, (const uint8_t *)s + n);
	return next == NULL || next == (const uint8_t *)s + n;
}

/* Returns NULL when every property holds for this output, else why. */
static const char *
check_wrapped(const char *out, size_t len, size_t width, const char *first,
              const char *rest, const char *clean, size_t clean_len)
{
	struct buf kept, want;
	const char *p = out, *end = out + len, *why = NULL;
	size_t lines = 0;

	if (!utf8_valid(out, len, NULL))
		return "invalid UTF-8";
	if (len < 2 || out[len - 2] != '\r' || out[len - 1] != '\n')
		return "does not end in CRLF";
	buf_init(&kept);
	buf_init(&want);
	buf_puts(&kept, "");
	buf_puts(&want, "");
	while (p < end && why == NULL) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *prefix = lines == 0 ? first : rest;
		size_t n, pl = strlen(prefix), cols;

		if (eol == NULL || eol == p || eol[-1] != '\r') {
			why = "a line end that is not CRLF";
			break;
		}
		n = (size_t)(eol - 1 - p);
		if (memchr(p, '\r', n) != NULL)
			why = "a CR inside a line";
		else if (n == 1 && p[0] == '.')
			why = "a lone \".\" line";
		else if (n > 0 && p[n - 1] == ' ')
			why = "a trailing space";
		else if (n >= pl && memcmp(p, prefix, pl) == 0) {
			cols = wrap_width(p, n);
			if (cols > width && !one_cluster(p + pl, n - pl) &&
			    !(n == 2 && memcmp(p, " .", 2) == 0))
				why = "a line wider than the width";
			strip_spaces(&kept, p + pl, n - pl);
		} else if (lines == 0 && len == n + 2) {
			/* a text with nothing but spaces: prefix, trimmed */
			while (pl > 0 && prefix[pl - 1] == ' ')
				pl--;
			if (n != pl || memcmp(p, prefix, n) != 0)
				why = "an empty text without its prefix";
		} else
			why = "a line without its prefix";
		lines++;
		p = eol + 1;
	}
	strip_spaces(&want, clean, clean_len);
	if (why == NULL && strcmp(kept.data, want.data) != 0)
		why = "text lost or changed";
	if (why == NULL && lines > clean_len + 1)
		why = "more lines than characters";
	buf_free(&kept);
	buf_free(&want);
	return why;
}

static void
test_wrap_property(void **state)
{
	uint32_t seed = 20240229;
	size_t failed = 0;

	for (int iter = 0; iter < 5000; iter++) {
		struct buf raw, clean, out;
		size_t npieces = prop_rand(&seed) % 40;
		size_t width = prop_rand(&seed) % 45;
		size_t np = sizeof(prefixes) / sizeof(prefixes[0]);
		const char *first = prefixes[prop_rand(&seed) % np];
		const char *rest = prefixes[prop_rand(&seed) % np];
		const char *why;

		buf_init(&raw);
		buf_init(&clean);
		buf_init(&out);
		buf_puts(&raw, "");
		buf_puts(&clean, "");
		for (size_t i = 0; i < npieces; i++) {
			const struct piece *pc =
			    &pieces[prop_rand(&seed) %
			            (sizeof(pieces) / sizeof(pieces[0]))];

			buf_puts(&raw, pc->raw);
			buf_puts(&clean, pc->clean);
		}
		wrap_paragraph(&out, raw.data, raw.len, width, first, rest);
		assert_false(out.failed);
		why = check_wrapped(out.data, out.len, width, first, rest,
		                    clean.data, clean.len);
		if (why != NULL) {
			print_message("iteration %d, width %zu, prefixes "
			              "\"%s\" \"%s\": %s\n--- text\n    ",
			              iter, width, first, rest, why);
			print_bytes(raw.data, raw.len);
			print_message("\n--- got\n    ");
			print_bytes(out.data, out.len);
			print_message("\n");
			if (++failed >= 5)
				iter = 1 << 30; /* enough to go on with */
		}
		buf_free(&raw);
		buf_free(&clean);
		buf_free(&out);
	}
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wrap_width),
	    cmocka_unit_test(test_wrap_clean_line),
	    cmocka_unit_test(test_wrap_clean_line_67),
	    cmocka_unit_test(test_wrap_paragraph),
	    cmocka_unit_test(test_wrap_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
