/*
 * test_selector: the Gopher request line, one table row per case.
 *
 * Each row is the bytes received so far and what selector_parse must say
 * about them; accepted rows also give the three fields (NULL: absent) and
 * how many bytes the line took. A row may grow its input to an exact byte
 * length (prefix, a repeated fill, a suffix) to probe the 1024-byte cap.
 * Every failing row is printed, not just the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/selector.h"

struct sel_case {
	const char *in;
	size_t len;         /* 0: strlen(in); set for embedded NUL bytes */
	const char *fill;   /* repeated after in until total bytes... */
	const char *suffix; /* ...with this at the end */
	size_t total;
	enum selector_status st;
	const char *selector; /* SEL_OK rows; NULL: the grown line, no CRLF */
	const char *search;
	const char *plus;
	size_t consumed; /* 0: the whole input */
};

#define OK(i, sel, se, pl)                                                     \
	{                                                                      \
		.in = (i), .st = SEL_OK, .selector = (sel), .search = (se),    \
		.plus = (pl)                                                   \
	}
#define ST(i, s)                                                               \
	{                                                                      \
		.in = (i), .st = (s)                                           \
	}
/* A literal with NUL bytes inside: its length comes from sizeof. */
#define ST_BYTES(i, s)                                                         \
	{                                                                      \
		.in = (i), .len = sizeof(i) - 1, .st = (s)                     \
	}
#define SIZED(pre, f, suf, n, s)                                               \
	{                                                                      \
		.in = (pre), .fill = (f), .suffix = (suf), .total = (n),       \
		.st = (s)                                                      \
	}

static const struct sel_case sel_cases[] = {
    /* the root, with either line end */
    OK("\r\n", "", NULL, NULL),
    OK("\n", "", NULL, NULL),
    OK("/\r\n", "/", NULL, NULL),
    OK("/\n", "/", NULL, NULL),
    OK("/2013/post.txt\r\n", "/2013/post.txt", NULL, NULL),
    OK("/caf\xC3\xA9\r\n", "/caf\xC3\xA9", NULL, NULL),
    OK("/a b\r\n", "/a b", NULL, NULL),       /* spaces are just bytes */
    OK("GET\r\n", "GET", NULL, NULL),         /* no space: not HTTP */
    OK("get / x\r\n", "get / x", NULL, NULL), /* methods are upper case */

    /* search words after the first TAB */
    OK("/2013/\tfoo\r\n", "/2013/", "foo", NULL),
    OK("/s\tfoo bar\n", "/s", "foo bar", NULL),
    OK("/s\t\r\n", "/s", "", NULL),
    OK("\tfoo\r\n", "", "foo", NULL),
    OK("/s\t$5 off\r\n", "/s", "$5 off", NULL),
    OK("/s\t!!\r\n", "/s", "!!", NULL),

    /* Gopher+ after one TAB: markers only */
    OK("/\t$\r\n", "/", NULL, "$"),
    OK("/\t+\r\n", "/", NULL, "+"),
    OK("/\t!\r\n", "/", NULL, "!"),
    OK("/\t+-1\r\n", "/", NULL, "+-1"),
    OK("/\t+text/plain\r\n", "/", NULL, "+text/plain"),
    OK("/\t!+ABSTRACT\r\n", "/", NULL, "!+ABSTRACT"),
    OK("/\t$+VIEWS\n", "/", NULL, "$+VIEWS"),
    OK("\t$\r\n", "", NULL, "$"),
    /* after two TABs: both fields, further TABs stay in plus */
    OK("/\twords\t$\r\n", "/", "words", "$"),
    OK("/\t\t$\r\n", "/", "", "$"),
    OK("/\t\t\r\n", "/", "", ""),
    OK("/\ta\tb\tc\r\n", "/", "a", "b\tc"),

    /* consumed stops at the LF: pipelined bytes stay for later */
    {.in = "/a\r\nextra", .st = SEL_OK, .selector = "/a", .consumed = 4},
    {.in = "/a\nb\n", .st = SEL_OK, .selector = "/a", .consumed = 3},
    /* ...and what follows the LF is not looked at */
    {.in = "/a\n\x1B\xFF", .st = SEL_OK, .selector = "/a", .consumed = 3},

    /* no line end yet */
    ST("", SEL_INCOMPLETE),
    ST("/", SEL_INCOMPLETE),
    ST("/2013/post", SEL_INCOMPLETE),
    ST("/a\r", SEL_INCOMPLETE),
    ST("/a\tb", SEL_INCOMPLETE),
    ST("GE", SEL_INCOMPLETE),
    ST("GET", SEL_INCOMPLETE),
    ST("/\xC3", SEL_INCOMPLETE), /* half a character so far */

    /* the cap: 1024 bytes of line, CR and LF not counted */
    SIZED("/", "a", "\r\n", 1026, SEL_OK),
    SIZED("/", "a", "\n", 1025, SEL_OK),
    SIZED("/", "a", "\r\n", 1027, SEL_TOO_LONG),
    SIZED("/", "a", "\n", 1026, SEL_TOO_LONG),
    /* 1024 bytes and a CR: the LF may still come */
    SIZED("/", "a", "\r", 1025, SEL_INCOMPLETE),
    SIZED("/", "a", "", 1024, SEL_INCOMPLETE),
    /* 1025 bytes and no LF can only grow into a line too long */
    SIZED("/", "a", "", 1025, SEL_TOO_LONG),
    SIZED("/", "a", "", 1026, SEL_TOO_LONG),
    SIZED("/", "a", "", 4000, SEL_TOO_LONG),
    /* an LF past the cap does not make it short */
    SIZED("/", "a", "\n", 1030, SEL_TOO_LONG),
    SIZED("/", "a", "\r\n", 1028, SEL_TOO_LONG),
    /* bytes, not characters: 341 three-byte euro signs and a slash */
    SIZED("/", "\xE2\x82\xAC", "\r\n", 1026, SEL_OK),
    SIZED("/", "\xE2\x82\xAC", "a\r\n", 1027, SEL_TOO_LONG),
    /* too long wins over a bad byte: never looked at */
    SIZED("\x01", "a", "\n", 1030, SEL_TOO_LONG),

    /* TLS: a ClientHello on the plain port, before any LF */
    ST("\x16", SEL_TLS),
    ST("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", SEL_TLS),
    ST_BYTES("\x16\x03\x01\x00\x00\n", SEL_TLS),

    /* HTTP, from its first bytes */
    ST("GET / HTTP/1.1\r\n", SEL_HTTP),
    ST("GET ", SEL_HTTP),
    ST("GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n", SEL_HTTP),
    ST("HEAD / HTTP/1.1\r\n", SEL_HTTP),
    ST("POST /x", SEL_HTTP),
    ST("PUT /x", SEL_HTTP),
    ST("OPTIONS * HTTP/1.1", SEL_HTTP),
    ST("CONNECT h:443 HTTP/1.1", SEL_HTTP),
    ST("DELETE /x", SEL_HTTP),
    ST("PATCH /x", SEL_HTTP),

    /* bad bytes */
    ST_BYTES("/a\0b\r\n", SEL_BAD),
    ST_BYTES("\0\n", SEL_BAD),
    ST_BYTES("/\t\0\n", SEL_BAD),
    ST("/a\x1B[31m\r\n", SEL_BAD),
    ST("/a\x7F\r\n", SEL_BAD),
    ST("/a\x01\n", SEL_BAD),
    ST("/a\rb\r\n", SEL_BAD), /* a lone CR in the middle */
    ST("/a\r\r\n", SEL_BAD),
    ST("\r\r\n", SEL_BAD),
    ST("/a\x0B\n", SEL_BAD),
    ST("/\t\x1B\n", SEL_BAD), /* in the search words too */
    ST("/\ta\t\x1B\n", SEL_BAD),
    /* invalid UTF-8 */
    ST("/\xFF\r\n", SEL_BAD),
    ST("/\xC0\xAF\r\n", SEL_BAD),         /* overlong '/' */
    ST("/\xC3\r\n", SEL_BAD),             /* truncated by the line end */
    ST("/\xED\xA0\x80\r\n", SEL_BAD),     /* surrogate */
    ST("/\xF4\x90\x80\x80\r\n", SEL_BAD), /* above U+10FFFF */
    ST("/\x80\n", SEL_BAD),               /* lone continuation byte */
    /* C1 controls, well-formed but as dangerous as ESC */
    ST("/\xC2\x9B"
       "31m\n",
       SEL_BAD),
    ST("/\xC2\x85\n", SEL_BAD),
    OK("/\xC2\xA0\n", "/\xC2\xA0", NULL, NULL), /* NBSP is not C1 */
};

/* Builds a row's input into out; returns its length. */
static size_t
build_input(const struct sel_case *c, char *out, size_t outsize)
{
	size_t n = c->len ? c->len : strlen(c->in);

	assert_true(n < outsize);
	memcpy(out, c->in, n);
	if (c->total > 0) {
		size_t f = strlen(c->fill), s = strlen(c->suffix);

		assert_true(c->total >= n + s && c->total < outsize);
		assert_int_equal((c->total - n - s) % f, 0);
		while (n + s < c->total) {
			memcpy(out + n, c->fill, f);
			n += f;
		}
		memcpy(out + n, c->suffix, s);
		n += s;
	}
	return n;
}

/* Prints bytes with unprintable ones escaped, for failure reports. */
static void
print_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7F || c == '\\')
			print_message("\\x%02X", c);
		else
			print_message("%c", c);
	}
	if (n > 60)
		print_message("... (%zu bytes)", n);
}

/* 1 when field (p, n) is want: both absent, or the same bytes. */
static int
field_is(const char *p, size_t n, const char *want)
{
	if (want == NULL || p == NULL)
		return want == NULL && p == NULL && n == 0;
	return n == strlen(want) && memcmp(p, want, n) == 0;
}

static int
check_sel_case(size_t row, const struct sel_case *c)
{
	static char in[4096];
	struct gopher_request req;
	enum selector_status st;
	size_t len, want_consumed;
	const char *want_sel;
	char grown[4096];
	int bad = 0;

	len = build_input(c, in, sizeof(in));
	memset(&req, 0xA5, sizeof(req));
	st = selector_parse(in, len, &req);

#define MISMATCH(fmt, ...)                                                     \
	do {                                                                   \
		print_message("row %zu \"", row);                              \
		print_bytes(in, len);                                          \
		print_message("\": " fmt "\n", __VA_ARGS__);                   \
		bad = 1;                                                       \
	} while (0)

	if (st != c->st) {
		MISMATCH("status %d, want %d", st, c->st);
		return bad;
	}
	if (st != SEL_OK)
		return 0;
	want_sel = c->selector;
	if (want_sel == NULL) {
		/* a grown row: the line without its line end */
		size_t n = len;

		while (n > 0 && (in[n - 1] == '\n' || in[n - 1] == '\r'))
			n--;
		memcpy(grown, in, n);
		grown[n] = '\0';
		want_sel = grown;
	}
	if (req.selector != in)
		MISMATCH("selector does not point at the input%s", "");
	if (!field_is(req.selector, req.selector_len, want_sel))
		MISMATCH("selector \"%.*s\", want \"%s\"",
		         (int)req.selector_len, req.selector, want_sel);
	if (!field_is(req.search, req.search_len, c->search))
		MISMATCH("search %s\"%.*s\", want %s",
		         req.search ? "" : "NULL ",
		         req.search ? (int)req.search_len : 0,
		         req.search ? req.search : "",
		         c->search ? c->search : "NULL");
	if (!field_is(req.plus, req.plus_len, c->plus))
		MISMATCH("plus %s\"%.*s\", want %s", req.plus ? "" : "NULL ",
		         req.plus ? (int)req.plus_len : 0,
		         req.plus ? req.plus : "", c->plus ? c->plus : "NULL");
	want_consumed = c->consumed ? c->consumed : len;
	if (req.consumed != want_consumed)
		MISMATCH("consumed %zu, want %zu", req.consumed, want_consumed);
#undef MISMATCH
	return bad;
}

static void
test_selector_table(void **state)
{
	size_t n = sizeof(sel_cases) / sizeof(sel_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++)
		failed += (size_t)check_sel_case(i, &sel_cases[i]);
	assert_int_equal(failed, 0);
}

/*
 * A request arriving a byte at a time is incomplete until its LF (or
 * until it is certainly too long), then parses as it would in one piece.
 * Each prefix is copied to a buffer of exactly its size, so a read past
 * the bytes received shows under the sanitizers.
 */
static void
test_selector_bytewise(void **state)
{
	static const char *const lines[] = {"/2013/\tfoo\r\n", "\n",
	                                    "/\twords\t$\r\n", "/\t$\n"};

	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		size_t len = strlen(lines[k]);

		for (size_t i = 0; i <= len; i++) {
			struct gopher_request req;
			char *p = malloc(i ? i : 1);
			enum selector_status st;

			assert_non_null(p);
			memcpy(p, lines[k], i);
			st = selector_parse(p, i, &req);
			if (i < len)
				assert_int_equal(st, SEL_INCOMPLETE);
			else {
				assert_int_equal(st, SEL_OK);
				assert_int_equal(req.consumed, len);
			}
			free(p);
		}
	}
}

/* A long line without LF becomes too long at 1025 bytes, not before. */
static void
test_selector_cap_bytewise(void **state)
{
	static char in[SELECTOR_MAX + 8];

	memset(in, 'a', sizeof(in));
	in[0] = '/';
	for (size_t i = 1; i <= sizeof(in); i++) {
		struct gopher_request req;
		enum selector_status st = selector_parse(in, i, &req);

		if (i <= SELECTOR_MAX)
			assert_int_equal(st, SEL_INCOMPLETE);
		else
			assert_int_equal(st, SEL_TOO_LONG);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_selector_table),
	    cmocka_unit_test(test_selector_bytewise),
	    cmocka_unit_test(test_selector_cap_bytewise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
