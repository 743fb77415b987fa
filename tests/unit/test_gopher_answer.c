/*
 * test_gopher_answer: every rule of a Gopher request, one row each, over
 * tests/fixtures/site (src/answer/gopher_answer.c). What needs a socket
 * (the deadline, half-close, a client that closes early) stays in
 * tests/integration/test_gopher.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answer/gopher_answer.h"
#include "render/snapshot.h"

#include "answer_site.h"

#define ANY ((size_t)-1)
#define ERR "\t\terror.host\t1\r\n.\r\n"

static const char http_reply[] =
    "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n"
    "This is a Gopher server, not a web server.\r\n";

/*
 * One request: req (len bytes, or up to its NUL), then 'a' up to pad
 * bytes in all; slow_down: over the rate. The verdict; route: the answer
 * is that selector's own bytes, not a copy; want: the whole answer, or
 * prefix: its start; has: a piece of it; note, and req_len: what the log
 * shows; made: rendered for the request (owned).
 */
struct row {
	const char *name;
	const char *req;
	size_t len;
	size_t pad;
	int slow_down;
	enum gopher_verdict verdict;
	const char *route;
	const char *want;
	const char *prefix;
	const char *has;
	const char *note;
	size_t req_len;
	int made;
};

static const struct row rows[] = {
    /* Ready menus and texts, referenced in the snapshot. */
    {"the root, empty", "\r\n", 0, 0, 0, GOPHER_ANSWER, "", NULL, NULL, NULL,
	NULL, 0, 0},
    {"the root, a slash", "/\r\n", 0, 0, 0, GOPHER_ANSWER, "/", NULL, NULL,
	NULL, NULL, 1, 0},
    {"a bare LF ends the line", "/\n", 0, 0, 0, GOPHER_ANSWER, "/", NULL,
	NULL, NULL, NULL, 1, 0},
    {"a menu without its slash", "/2024\r\n", 0, 0, 0, GOPHER_ANSWER,
	"/2024/", NULL, NULL, NULL, NULL, 5, 0},
    {"a text", "/2024/03/second.txt\r\n", 0, 0, 0, GOPHER_ANSWER,
	"/2024/03/second.txt", NULL, NULL, NULL, NULL, 19, 0},
    {"bytes after the line are not the request", "/\r\nmore", 0, 0, 0,
	GOPHER_ANSWER, "/", NULL, NULL, NULL, NULL, 1, 0},
    {"not found: an error item", "/nope\r\n", 0, 0, 0, GOPHER_ANSWER, NULL,
	"3Not found" ERR, NULL, NULL, NULL, 5, 1},
    {"no line end yet", "/2024", 0, 0, 0, GOPHER_MORE, NULL, NULL, NULL,
	NULL, NULL, ANY, 0},
    {"nothing yet", "", 0, 0, 0, GOPHER_MORE, NULL, NULL, NULL, NULL, NULL,
	ANY, 0},
    /* Gopher+: the "$" form of a menu, made when asked. */
    {"a menu's Gopher+ form", "/\t$\r\n", 0, 0, 0, GOPHER_ANSWER, NULL,
	NULL, "+-1\r\n+INFO: ", NULL, NULL, 3, 1},
    {"a text has no Gopher+ form", "/2024/03/second.txt\t$\r\n", 0, 0, 0,
	GOPHER_ANSWER, "/2024/03/second.txt", NULL, NULL, NULL, NULL, ANY, 0},
    {"other Gopher+ fields: the plain menu", "/\t+\r\n", 0, 0, 0,
	GOPHER_ANSWER, "/", NULL, NULL, NULL, NULL, ANY, 0},
    {"\"!\": the plain menu", "/\t!\r\n", 0, 0, 0, GOPHER_ANSWER, "/", NULL,
	NULL, NULL, NULL, ANY, 0},
    /* Search. */
    {"a search", "/search\ttokyo\r\n", 0, 0, 0, GOPHER_ANSWER, NULL, NULL,
	NULL, "new-year.txt", NULL, 13, 1},
    {"the search prompt is ready", "/search\r\n", 0, 0, 0, GOPHER_ANSWER,
	"/search", NULL, NULL, NULL, NULL, ANY, 0},
    {"no words: the prompt again, made", "/search\t\r\n", 0, 0, 0,
	GOPHER_ANSWER, NULL, NULL, NULL, "7", NULL, ANY, 1},
    {"words elsewhere are no search", "/\ttokyo\r\n", 0, 0, 0, GOPHER_ANSWER,
	"/", NULL, NULL, NULL, NULL, ANY, 0},
    /* URL: links, some schemes only. */
    {"URL: a web link", "URL:https://example.org/a?b&c\r\n", 0, 0, 0,
	GOPHER_ANSWER, NULL, NULL, NULL, "https://example.org/a?b&amp;c",
	NULL, ANY, 1},
    {"URL: schemes in capitals", "URL:GEMINI://example.org/\r\n", 0, 0, 0,
	GOPHER_ANSWER, NULL, NULL, NULL, "GEMINI://example.org/", NULL, ANY,
	1},
    {"URL: mailto", "URL:mailto:a@example.org\r\n", 0, 0, 0, GOPHER_ANSWER,
	NULL, NULL, NULL, "mailto:a@example.org", NULL, ANY, 1},
    {"URL: javascript refused", "URL:javascript:alert(1)\r\n", 0, 0, 0,
	GOPHER_ANSWER, NULL, "3Not a link this server sends you on to" ERR,
	NULL, NULL, "refused URL: scheme", ANY, 1},
    {"URL: a scheme and nothing after it", "URL:http://\r\n", 0, 0, 0,
	GOPHER_ANSWER, NULL, "3Not a link this server sends you on to" ERR,
	NULL, NULL, "refused URL: scheme", ANY, 1},
    {"URL: alone is a selector", "URL:\r\n", 0, 0, 0, GOPHER_ANSWER, NULL,
	"3Not found" ERR, NULL, NULL, NULL, 4, 1},
    /* Over the rate: an error item, once the line is read. */
    {"over the rate", "/\r\n", 0, 0, 1, GOPHER_ANSWER, NULL,
	"3Slow down: too many requests, try again in a few seconds" ERR, NULL,
	NULL, "over the request rate", 1, 1},
    {"over the rate, still waiting", "/", 0, 0, 1, GOPHER_MORE, NULL, NULL,
	NULL, NULL, NULL, ANY, 0},
    {"over the rate, HTTP first", "GET / HTTP/1.1\r\n", 0, 0, 1,
	GOPHER_ANSWER, NULL, http_reply, NULL, NULL,
	"HTTP request on the gopher port", ANY, 0},
    /* The selector's verdicts. */
    {"too long", "/", 0, 1030, 0, GOPHER_ANSWER, NULL,
	"3Request too long" ERR, NULL, NULL, "request too long", 1030, 1},
    {"1024 bytes without LF: wait", "/", 0, 1024, 0, GOPHER_MORE, NULL, NULL, NULL,
	NULL, NULL, ANY, 0},
    {"a CR inside", "/a\rb\r\n", 0, 0, 0, GOPHER_ANSWER, NULL,
	"3Bad request" ERR, NULL, NULL, "bad request", 6, 1},
    {"a NUL", "/a\0b\r\n", 6, 0, 0, GOPHER_ANSWER, NULL, "3Bad request" ERR,
	NULL, NULL, "bad request", 6, 1},
    {"invalid UTF-8", "/\xff\r\n", 0, 0, 0, GOPHER_ANSWER, NULL,
	"3Bad request" ERR, NULL, NULL, "bad request", ANY, 1},
    {"HTTP: a plain reply", "GET / HTTP/1.0\r\n", 0, 0, 0, GOPHER_ANSWER,
	NULL, http_reply, NULL, NULL, "HTTP request on the gopher port", ANY,
	0},
    {"HTTP, known from its first bytes", "GET ", 0, 0, 0, GOPHER_ANSWER,
	NULL, http_reply, NULL, NULL, "HTTP request on the gopher port", ANY,
	0},
    {"TLS: closed unanswered", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03", 10,
	0, 0, GOPHER_CLOSE, NULL, NULL, NULL, NULL, "TLS on the gopher port",
	8, 0},
};

static struct snapshot *snap;

static int
setup(void **state)
{
	snap = answer_site();
	return 0;
}

static int
teardown(void **state)
{
	snapshot_unref(snap);
	return 0;
}

static size_t
build(const struct row *r, char *out)
{
	size_t n = r->len ? r->len : strlen(r->req);

	memcpy(out, r->req, n);
	while (n < r->pad)
		out[n++] = 'a';
	return n;
}

static void
check_row(const struct row *r)
{
	static char req[4096];
	struct gopher_answer a;
	size_t len = build(r, req);
	enum gopher_verdict got;

	memset(&a, 0, sizeof(a));
	got = gopher_answer(snap, req, len, r->slow_down, &a);
	assert_int_equal(got, r->verdict);
	if (got == GOPHER_MORE)
		return;
	if (r->note != NULL)
		assert_string_equal(a.note, r->note);
	else
		assert_null(a.note);
	if (r->req_len != ANY)
		assert_int_equal(a.req_len, r->req_len);
	assert_true(a.req_len <= len);
	if (got == GOPHER_CLOSE)
		return;
	assert_true(a.len > 0 && a.data != NULL);
	if (r->route != NULL) {
		const struct response *resp = gopher_lookup(&snap->gopher,
		    r->route, strlen(r->route));

		assert_non_null(resp);
		assert_ptr_equal(a.data, resp->data); /* no copy */
		assert_int_equal(a.len, resp->len);
	}
	if (r->want != NULL) {
		assert_int_equal(a.len, strlen(r->want));
		assert_memory_equal(a.data, r->want, a.len);
	}
	if (r->prefix != NULL) {
		assert_true(a.len >= strlen(r->prefix));
		assert_memory_equal(a.data, r->prefix, strlen(r->prefix));
	}
	if (r->has != NULL) {
		char *text = strndup(a.data, a.len);

		assert_non_null(strstr(text, r->has));
		free(text);
	}
	if (r->made)
		assert_ptr_equal(a.owned, a.data);
	else
		assert_null(a.owned);
	free(a.owned);
}

static void
test_row(void **state)
{
	check_row(*state);
}

/* Bytes come in as they may: no answer before the line is whole. */
static void
test_bytewise(void **state)
{
	static const char line[] = "/2024/03/second.txt\r\n";
	struct gopher_answer a;

	for (size_t i = 0; i < sizeof(line) - 2; i++)
		assert_int_equal(gopher_answer(snap, line, i, 0, &a),
		    GOPHER_MORE);
	assert_int_equal(gopher_answer(snap, line, sizeof(line) - 1, 0, &a),
	    GOPHER_ANSWER);
	assert_null(a.owned);
}

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Each row a test of its own, named for its rule. */
int
main(void)
{
	struct CMUnitTest tests[NROWS + 1] = {
	    cmocka_unit_test(test_bytewise),
	};

	for (size_t i = 0; i < NROWS; i++) {
		tests[1 + i].name = rows[i].name;
		tests[1 + i].test_func = test_row;
		tests[1 + i].initial_state = (void *)&rows[i];
	}
	return _cmocka_run_group_tests("gopher_answer", tests, NROWS + 1,
	    setup, teardown);
}
