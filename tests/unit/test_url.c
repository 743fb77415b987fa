/*
 * test_url: the Gemini request line, one table row per case.
 *
 * Each row is a request line (without CRLF) and what url_parse_request must
 * say about it; accepted rows also give host, port, path and query. A row
 * may grow its line to an exact byte length (prefix, a repeated fill, a
 * suffix) to probe the 1024-byte limit; its expected path grows the same
 * way. Every failing row is printed, not just the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/url.h"

struct parse_case {
	const char *line;
	size_t len;         /* 0: strlen(line); set for embedded NUL bytes */
	const char *fill;   /* repeated after line until total bytes... */
	const char *suffix; /* ...with this at the end */
	size_t total;
	enum url_status st;
	const char *host;
	int port;
	const char *path;  /* the fill and suffix are appended to it too */
	const char *query; /* NULL: no '?' at all */
	int noslash;       /* the URI has no path: had_slash_path is 0 */
};

#define OK(l, h, po, pa, q)                                                    \
	{                                                                      \
		.line = (l), .st = URL_OK, .host = (h), .port = (po),          \
		.path = (pa), .query = (q)                                     \
	}
#define OK_NOSLASH(l, h, po, q)                                                \
	{                                                                      \
		.line = (l), .st = URL_OK, .host = (h), .port = (po),          \
		.path = "/", .query = (q), .noslash = 1                        \
	}
#define BAD(l)                                                                 \
	{                                                                      \
		.line = (l), .st = URL_MALFORMED                               \
	}
/* A literal with NUL bytes inside: its length comes from sizeof. */
#define BAD_BYTES(l)                                                           \
	{                                                                      \
		.line = (l), .len = sizeof(l) - 1, .st = URL_MALFORMED         \
	}
#define OTHER(l)                                                               \
	{                                                                      \
		.line = (l), .st = URL_OTHER_SCHEME                            \
	}
#define SIZED(pre, f, suf, n, s, pa)                                           \
	{                                                                      \
		.line = (pre), .fill = (f), .suffix = (suf), .total = (n),     \
		.st = (s), .host = "h", .port = -1, .path = (pa)               \
	}

/* "\xFF" "x": a hex escape eats every hex digit after it, hence the splits. */
static const struct parse_case parse_cases[] = {
    /* the plain case, and the empty path as the home page */
    OK("gemini://h/", "h", -1, "/", NULL),
    OK("gemini://h/index.gmi", "h", -1, "/index.gmi", NULL),
    OK_NOSLASH("gemini://h", "h", -1, NULL),
    OK_NOSLASH("gemini://h?q", "h", -1, "q"),
    OK_NOSLASH("gemini://h:1965", "h", 1965, NULL),

    /* length: bytes, not characters; CRLF is not part of the line */
    SIZED("gemini://h/", "a", "", 1024, URL_OK, "/"),
    SIZED("gemini://h/", "a", "", 1025, URL_MALFORMED, NULL),
    SIZED("gemini://h/", "a", "\xC3\xA9", 1024, URL_OK, "/"),
    SIZED("gemini://h/", "a", "\xC3\xA9", 1025, URL_MALFORMED, NULL),
    /* 337 three-byte euro signs: 350 characters, 1024 and 1025 bytes */
    SIZED("gemini://h/", "\xE2\x82\xAC", "ab", 1024, URL_OK, "/"),
    SIZED("gemini://h/", "\xE2\x82\xAC", "abc", 1025, URL_MALFORMED, NULL),
    /* a 1024-byte URI all percent escapes decodes to a short path */
    SIZED("gemini://h/", "%41", "%41", 1025, URL_MALFORMED, NULL),

    /* userinfo */
    BAD("gemini://user@h/"),
    BAD("gemini://user:pw@h/"),
    BAD("gemini://@h/"),
    BAD("https://user@h/"), /* malformed wins over the scheme */

    /* fragment */
    BAD("gemini://h/#x"),
    BAD("gemini://h/page?q#frag"),
    BAD("gemini://h#"),

    /* leading BOM */
    BAD("\xEF\xBB\xBF"
        "gemini://h/"),

    /* invalid UTF-8, raw */
    BAD("gemini://h/\xC0\xAE"), /* overlong '.' */
    BAD("gemini://h/\xFF"),
    BAD("gemini://h/\xE2\x82"),         /* truncated */
    BAD("gemini://h/\xED\xA0\x80"),     /* surrogate */
    BAD("gemini://h/\xF4\x90\x80\x80"), /* above U+10FFFF */
    BAD("gemini://h\xFF/"),
    BAD("gemini://h/?\xFF"),
    /* invalid UTF-8, percent-encoded */
    BAD("gemini://h/%C0%AE"),
    BAD("gemini://h/%FF"),
    BAD("gemini://h/%ED%A0%80"),
    BAD("gemini://h/%E2%82"),
    BAD("gemini://h/?%FF"),
    BAD("gemini://h/?%C0%AE"),
    BAD("gemini://h%FF/"),
    /* valid UTF-8, raw and encoded */
    OK("gemini://h/%C3%A9t%C3%A9", "h", -1, "/\xC3\xA9t\xC3\xA9", NULL),
    OK("gemini://h/\xC3\xA9t\xC3\xA9", "h", -1, "/\xC3\xA9t\xC3\xA9", NULL),
    OK("gemini://h/?%C3%A9", "h", -1, "/", "%C3%A9"),

    /* NUL, raw and %00 */
    BAD_BYTES("gemini://h/a\0b"),
    BAD_BYTES("\0"),
    BAD_BYTES("gemini://h/\0"),
    BAD("gemini://h/a%00b"),
    BAD("gemini://h/?a%00"),
    BAD("gemini://h%00/"),

    /* relative, scheme-less, empty */
    BAD(""),
    BAD("/index.gmi"),
    BAD("index.gmi"),
    BAD("//h/"),
    BAD("h/"),
    BAD("?q"),
    BAD("gemini:"),
    BAD("gemini:/h/"),
    BAD("gemini:h/"),
    BAD("://h/"),
    BAD("1gemini://h/"),
    BAD("mailto:someone@h"), /* no authority */

    /* garbage */
    BAD("!!!"),
    BAD("::::"),
    BAD("gemini//h/"),
    BAD("gemini://"),
    BAD("gemini:///index.gmi"), /* empty host */
    BAD("gemini://:1965/"),
    BAD("gemini://::1/"),
    BAD("gemini://h$x/"),
    BAD("gemini://h%2Fx/"), /* decoded '/' in the host */
    BAD("gem ini://h/"),
    BAD("\x16\x03\x01"), /* a TLS record on the wrong port */

    /* bad percent escapes */
    BAD("gemini://h/%G1"),
    BAD("gemini://h/%1G"),
    BAD("gemini://h/%"),
    BAD("gemini://h/%4"),
    BAD("gemini://h/a%"),
    BAD("gemini://h/?%zz"),
    BAD("gemini://h/?q%"),
    BAD("gemini://h%/"),

    /* schemes: case-insensitive, others are 53 */
    OK("GEMINI://h/", "h", -1, "/", NULL),
    OK("Gemini://h/", "h", -1, "/", NULL),
    OTHER("https://h/"),
    OTHER("http://h/"),
    OTHER("gopher://h:70/"),
    OTHER("gemini+x://h/"),
    OTHER("geminis://h/"),

    /* dot segments: decoded, then removed, never above the root */
    OK("gemini://h/a/../b", "h", -1, "/b", NULL),
    OK("gemini://h/../../etc/passwd", "h", -1, "/etc/passwd", NULL),
    OK("gemini://h/%2e%2e/%2E%2E/etc/passwd", "h", -1, "/etc/passwd", NULL),
    OK("gemini://h/a/%2e%2e/b", "h", -1, "/b", NULL),
    OK("gemini://h/a/..%2fb", "h", -1, "/b", NULL),
    OK("gemini://h/a%2F..%2F..%2Fx", "h", -1, "/x", NULL),
    OK("gemini://h/a/./b", "h", -1, "/a/b", NULL),
    OK("gemini://h/a/%2E/b", "h", -1, "/a/b", NULL),
    OK("gemini://h/a/b/..", "h", -1, "/a/", NULL),
    OK("gemini://h/a/.", "h", -1, "/a/", NULL),
    OK("gemini://h/..", "h", -1, "/", NULL),
    OK("gemini://h/.", "h", -1, "/", NULL),
    OK("gemini://h/./", "h", -1, "/", NULL),
    OK("gemini://h/a//../b", "h", -1, "/a/b", NULL),
    OK("gemini://h/...", "h", -1, "/...", NULL),
    OK("gemini://h/a/..b", "h", -1, "/a/..b", NULL),
    OK("gemini://h/.hidden", "h", -1, "/.hidden", NULL),
    OK("gemini://h/dir/", "h", -1, "/dir/", NULL),
    OK("gemini://h/dir", "h", -1, "/dir", NULL),
    /* decoded once only: "%252e" is the name "%2e", not a dot */
    OK("gemini://h/%252e%252e/x", "h", -1, "/%2e%2e/x", NULL),
    OK("gemini://h/a%20b", "h", -1, "/a b", NULL),
    OK("gemini://h/a%2Fb", "h", -1, "/a/b", NULL),
    /* a control byte decoded into a path: no file has such a name */
    BAD("gemini://h/a%0Ab"),
    BAD("gemini://h/a%7F"),
    BAD("gemini://h/a%09"),

    /* the query is kept encoded, and not normalised */
    OK("gemini://h/s?hello%20world", "h", -1, "/s", "hello%20world"),
    OK("gemini://h/s?", "h", -1, "/s", ""),
    OK("gemini://h/s?a?b/../c", "h", -1, "/s", "a?b/../c"),
    OK("gemini://h/s?a+b&c=d", "h", -1, "/s", "a+b&c=d"),
    OK("gemini://h/s?line%0Aline", "h", -1, "/s", "line%0Aline"),
    OK("gemini://h/a/../s?x", "h", -1, "/s", "x"),

    /* IPv6 literal hosts keep their brackets */
    OK("gemini://[::1]:1965/", "[::1]", 1965, "/", NULL),
    OK("gemini://[::1]/", "[::1]", -1, "/", NULL),
    OK_NOSLASH("gemini://[::1]", "[::1]", -1, NULL),
    OK("gemini://[2001:DB8::1]:1965/x", "[2001:db8::1]", 1965, "/x", NULL),
    OK("gemini://[::ffff:127.0.0.1]/", "[::ffff:127.0.0.1]", -1, "/", NULL),
    BAD("gemini://[::1/"),
    BAD("gemini://[]/"),
    BAD("gemini://[zz]/"),
    BAD("gemini://[::1]x/"),
    BAD("gemini://[::1]:x/"),
    BAD("gemini://[fe80::1%25eth0]/"),
    BAD("gemini://[v1.x]/"),
    BAD("gemini://[127.0.0.1]/"),

    /* ports */
    OK("gemini://h:1965/", "h", 1965, "/", NULL),
    OK("gemini://h:/", "h", -1, "/", NULL),
    OK("gemini://h:0/", "h", 0, "/", NULL),
    OK("gemini://h:65535/", "h", 65535, "/", NULL),
    OK("gemini://h:01965/", "h", 1965, "/", NULL),
    BAD("gemini://h:65536/"),
    BAD("gemini://h:99999/"),
    BAD("gemini://h:99999999999999999999/"),
    BAD("gemini://h:abc/"),
    BAD("gemini://h:-1/"),
    BAD("gemini://h:+1/"),
    BAD("gemini://h:1965a/"),
    BAD("gemini://h:19:65/"),

    /* spaces and control bytes anywhere */
    BAD("gemini://h/a b"),
    BAD(" gemini://h/"),
    BAD("gemini://h/ "),
    BAD("gemini://h /"),
    BAD("gemini://h/\t"),
    BAD("gemini://h/\x7F"),
    BAD("gemini://h/a\rb"),
    BAD("gemini://h/\r"),
    BAD("gemini://h/\n"),
    BAD("gemini://h/\x1B[31m"),
    BAD("gemini://h/?a\x01"),

    /* hosts: ASCII lower-cased, UTF-8 and punycode kept as written */
    OK("gemini://EXAMPLE.Org/", "example.org", -1, "/", NULL),
    OK("gemini://Example.ORG:1965/A", "example.org", 1965, "/A", NULL),
    OK("gemini://b\xC3\xBC"
       "cher.example/",
       "b\xC3\xBC"
       "cher.example",
       -1, "/", NULL),
    OK("gemini://XN--BCHER-KVA.example/", "xn--bcher-kva.example", -1, "/",
       NULL),
    OK("gemini://example.org./", "example.org.", -1, "/", NULL),
    OK("gemini://h%41/", "ha", -1, "/", NULL),
    OK("gemini://my_host-1/", "my_host-1", -1, "/", NULL),
    OK("gemini://127.0.0.1:1965/", "127.0.0.1", 1965, "/", NULL),
    /* 255 bytes of host fit, 256 do not */
    {.line = "gemini://",
     .fill = "h",
     .suffix = "/",
     .total = 265,
     .st = URL_OK,
     .port = -1,
     .path = "/"},
    {.line = "gemini://",
     .fill = "h",
     .suffix = "/",
     .total = 266,
     .st = URL_MALFORMED},
};

/* Builds a row's line into out; returns its length. */
static size_t
build_line(const struct parse_case *c, char *out, size_t outsize)
{
	size_t n = c->len ? c->len : strlen(c->line);

	assert_true(n < outsize);
	memcpy(out, c->line, n);
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
	out[n] = '\0';
	return n;
}

/* The same growth for the expected path of a SIZED row. */
static void
build_expected_path(const struct parse_case *c, const char *line, size_t len,
                    char *out, size_t outsize)
{
	size_t pre = strlen(c->line);

	snprintf(out, outsize, "%s%.*s", c->path, (int)(len - pre), line + pre);
}

/* Prints a line with unprintable bytes escaped, for failure reports. */
static void
print_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n && i < 80; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7F || c == '\\')
			print_message("\\x%02X", c);
		else
			print_message("%c", c);
	}
	if (n > 80)
		print_message("... (%zu bytes)", n);
}

static int
check_parse_case(size_t row, const struct parse_case *c)
{
	static char line[4096];
	char want_path[4096];
	struct gemini_request req;
	const char *why = NULL;
	enum url_status st;
	size_t len;
	int bad = 0;

	len = build_line(c, line, sizeof(line));
	st = url_parse_request(line, len, &req, &why);

#define MISMATCH(fmt, ...)                                                     \
	do {                                                                   \
		print_message("row %zu \"", row);                              \
		print_line(line, len);                                         \
		print_message("\": " fmt "\n", __VA_ARGS__);                   \
		bad = 1;                                                       \
	} while (0)

	if (st != c->st) {
		MISMATCH("status %d, want %d (%s)", st, c->st,
		         why ? why : "no reason");
		return 1;
	}
	if (st != URL_OK) {
		if (why == NULL || *why == '\0')
			MISMATCH("refused with no reason%s", "");
		return bad;
	}
	/* a row without host has its host grown from the fill: skip it */
	if (c->host != NULL && strcmp(req.host, c->host) != 0)
		MISMATCH("host \"%s\", want \"%s\"", req.host, c->host);
	if (req.port != c->port)
		MISMATCH("port %d, want %d", req.port, c->port);
	if (c->path != NULL) {
		if (c->total > 0 && c->host != NULL)
			build_expected_path(c, line, len, want_path,
			                    sizeof(want_path));
		else
			snprintf(want_path, sizeof(want_path), "%s", c->path);
		if (strcmp(req.path, want_path) != 0)
			MISMATCH("path \"%s\", want \"%s\"", req.path,
			         want_path);
	}
	if (req.path[0] != '/')
		MISMATCH("path \"%s\" does not start with '/'", req.path);
	if (req.had_slash_path != !c->noslash)
		MISMATCH("had_slash_path %d, want %d", req.had_slash_path,
		         !c->noslash);
	if (c->query == NULL && req.has_query)
		MISMATCH("query \"%s\", want none", req.query);
	if (c->query != NULL &&
	    (!req.has_query || strcmp(req.query, c->query) != 0))
		MISMATCH("query \"%s\" (has_query %d), want \"%s\"", req.query,
		         req.has_query, c->query);
#undef MISMATCH
	return bad;
}

static void
test_parse_table(void **state)
{
	size_t n = sizeof(parse_cases) / sizeof(parse_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++)
		failed += (size_t)check_parse_case(i, &parse_cases[i]);
	if (failed)
		fail_msg("%zu of %zu request lines parsed wrongly", failed, n);
}

/* A NULL why is allowed: the caller may not log. */
static void
test_parse_null_why(void **state)
{
	struct gemini_request req;

	assert_int_equal(url_parse_request("x", 1, &req, NULL), URL_MALFORMED);
	assert_int_equal(url_parse_request("gemini://h/", 11, &req, NULL),
	                 URL_OK);
}

/*
 * Whatever mix of slashes, dots and escapes a client sends, an accepted
 * path holds no "." or ".." segment: nothing can step out of the tree.
 */
static void
test_parse_no_dot_segments_survive(void **state)
{
	static const char *pieces[] = {"/",   "..", ".", "%2e",   "%2E", "%2f",
	                               "%2F", "a",  "b", "%252e", "?",   "//"};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint32_t seed = 1965;

	for (int round = 0; round < 20000; round++) {
		char line[URL_MAX + 1] = "gemini://h/";
		size_t len = strlen(line);
		int count = 1 + (int)(seed % 12);
		struct gemini_request req;
		const char *p;

		for (int k = 0; k < count; k++) {
			const char *piece;

			seed = seed * 1103515245u + 12345u;
			piece = pieces[(seed >> 16) % npieces];
			if (len + strlen(piece) >= sizeof(line))
				break;
			memcpy(line + len, piece, strlen(piece));
			len += strlen(piece);
		}
		line[len] = '\0';
		if (url_parse_request(line, len, &req, NULL) != URL_OK)
			continue;
		assert_int_equal(req.path[0], '/');
		for (p = req.path; (p = strchr(p, '/')) != NULL; p++) {
			if (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
				fail_msg("\"%s\" gave \"%s\"", line, req.path);
			if (p[1] == '.' && p[2] == '.' &&
			    (p[3] == '/' || p[3] == '\0'))
				fail_msg("\"%s\" gave \"%s\"", line, req.path);
		}
	}
}

struct host_case {
	const char *req_host;
	const char *served;
	int match;
};

static const struct host_case host_cases[] = {
    {"example.org", "example.org", 1},
    {"EXAMPLE.org", "example.ORG", 1},
    {"example.org", "example.com", 0},
    {"example.org", "www.example.org", 0},
    {"example.org", "example.or", 0},
    /* one trailing dot, either side */
    {"example.org.", "example.org", 1},
    {"example.org", "example.org.", 1},
    {"example.org..", "example.org", 0},
    /* IDN: UTF-8 and A-label are one name, both ways */
    {"b\xC3\xBC"
     "cher.example",
     "xn--bcher-kva.example", 1},
    {"xn--bcher-kva.example",
     "b\xC3\xBC"
     "cher.example",
     1},
    {"b\xC3\xBC"
     "cher.example",
     "b\xC3\xBC"
     "cher.example",
     1},
    {"B\xC3\x9C"
     "CHER.example",
     "xn--bcher-kva.example", 1},
    {"XN--BCHER-KVA.EXAMPLE",
     "b\xC3\xBC"
     "cher.example",
     1},
    {"b\xC3\xBC"
     "cher.example.",
     "xn--bcher-kva.example", 1},
    {"bucher.example",
     "b\xC3\xBC"
     "cher.example",
     0},
    {"bucher.example", "xn--bcher-kva.example", 0},
    /* decomposed u + combining diaeresis is the same name after NFC */
    {"bu\xCC\x88"
     "cher.example",
     "xn--bcher-kva.example", 1},
    /* non-transitional: sharp s stays itself, it is not "ss" */
    {"fa\xC3\x9F.de", "xn--fa-hia.de", 1},
    {"fa\xC3\x9F.de", "fass.de", 0},
    /* names IDNA refuses still equal themselves, and nothing else */
    {"my_host", "MY_HOST", 1},
    {"\xE2\x98\x83_x.example", "\xE2\x98\x83_x.example", 1},
    {"[::1]", "[::1]", 1},
    {"[::1]", "localhost", 0},
    {"", "example.org", 0},
    {".", ".", 0},
};

static void
test_host_matches_table(void **state)
{
	size_t n = sizeof(host_cases) / sizeof(host_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct host_case *c = &host_cases[i];
		int got = url_host_matches(c->req_host, c->served);

		if (got != c->match) {
			print_message("row %zu: url_host_matches(\"%s\", "
			              "\"%s\") = %d, want %d\n",
			              i, c->req_host, c->served, got, c->match);
			failed++;
		}
	}
	if (failed)
		fail_msg("%zu of %zu host comparisons wrong", failed, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_parse_null_why),
	    cmocka_unit_test(test_parse_no_dot_segments_survive),
	    cmocka_unit_test(test_host_matches_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
