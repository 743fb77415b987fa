/*
 * test_gemini_answer: every rule of a Gemini request, one row each, over
 * tests/fixtures/site (src/answer/gemini_answer.c). What needs a socket
 * (TLS, deadlines, the bytes on the wire) stays in
 * tests/integration/test_gemini.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answer/gemini_answer.h"
#include "render/snapshot.h"

#include "answer_site.h"

#define LOCAL SITE_GEMINI_PORT
#define ANY ((size_t)-1)

/*
 * One request: req, then 'a' up to pad bytes in all (when pad is
 * longer), then tail. Answered (1) or waiting for more (0); the status
 * and the exact header; route: the answer is that route's own bytes,
 * not a copy; has: a piece of the body; req_len: what the log shows.
 */
struct row {
	const char *name;
	const char *req;
	size_t pad;
	const char *tail;
	int local_port;
	int slow_down;
	int answered;
	int status;
	const char *head;
	const char *route;
	const char *has;
	size_t req_len;
};

static const struct row rows[] = {
    /* Ready responses, referenced in the snapshot. */
    {"home", "gemini://localhost/\r\n", 0, "", LOCAL, 0, 1, 20,
	"20 text/gemini; lang=en\r\n", "/", "# Fixture Blog", 19},
    {"a post", "gemini://localhost/2024/03/second.gmi\r\n", 0, "", LOCAL, 0,
	1, 20, "20 text/gemini; lang=en\r\n", "/2024/03/second.gmi", NULL,
	ANY},
    {"a year without its slash: 31", "gemini://localhost/2024\r\n", 0, "",
	LOCAL, 0, 1, 31, "31 /2024/\r\n", "/2024", NULL, ANY},
    {"the search prompt is ready", "gemini://localhost/search\r\n", 0, "",
	LOCAL, 0, 1, 10, "10 Search the posts\r\n", "/search", NULL, ANY},
    {"not found", "gemini://localhost/nope.gmi\r\n", 0, "", LOCAL, 0, 1, 51,
	"51 Not found\r\n", NULL, NULL, ANY},
    {"bytes after the line are not the request",
	"gemini://localhost/\r\nmore", 0, "", LOCAL, 0, 1, 20, NULL, "/",
	NULL, 19},
    /* The line: CRLF within 1026 bytes. */
    {"no line end yet", "gemini://localhost/", 0, "", LOCAL, 0, 0, 0, NULL,
	NULL, NULL, ANY},
    {"a CR, the LF to come", "gemini://localhost/\r", 0, "", LOCAL, 0, 0, 0,
	NULL, NULL, NULL, ANY},
    {"LF without CR", "gemini://localhost/\n", 0, "", LOCAL, 0, 1, 59,
	"59 Bad request: the line must end in CRLF\r\n", NULL, NULL, 19},
    {"a lone LF", "\n", 0, "", LOCAL, 0, 1, 59,
	"59 Bad request: the line must end in CRLF\r\n", NULL, NULL, 0},
    {"CR CR LF", "gemini://localhost/\r\r\n", 0, "", LOCAL, 0, 1, 59, NULL,
	NULL, NULL, 20},
    {"1024 bytes of URI are served", "gemini://localhost/", 1024, "\r\n",
	LOCAL, 0, 1, 51, "51 Not found\r\n", NULL, NULL, 1024},
    {"1024 bytes and a CR: wait for the LF", "gemini://localhost/", 1024,
	"\r", LOCAL, 0, 0, 0, NULL, NULL, NULL, ANY},
    {"1025 bytes without LF: 59 at once", "gemini://localhost/", 1025, "",
	LOCAL, 0, 1, 59, "59 Bad request: longer than 1024 bytes\r\n", NULL,
	NULL, 1025},
    {"1025 bytes of URI and CRLF", "gemini://localhost/", 1025, "\r\n",
	LOCAL, 0, 1, 59, "59 Bad request: longer than 1024 bytes\r\n", NULL,
	NULL, 1025},
    {"1024 bytes and LF: no CRLF", "gemini://localhost/", 1024, "\n", LOCAL,
	0, 1, 59, "59 Bad request: the line must end in CRLF\r\n", NULL, NULL,
	1024},
    /* Over the rate: 44, once the line is read. */
    {"over the rate", "gemini://localhost/\r\n", 0, "", LOCAL, 1, 1, 44,
	"44 5\r\n", NULL, NULL, 19},
    {"over the rate, still waiting for the line", "gemini://localhost/", 0,
	"", LOCAL, 1, 0, 0, NULL, NULL, NULL, ANY},
    {"over the rate, the line too long first", "gemini://localhost/", 1025,
	"", LOCAL, 1, 1, 59, "59 Bad request: longer than 1024 bytes\r\n",
	NULL, NULL, 1025},
    /* The URL's own refusals. */
    {"a fragment", "gemini://localhost/#x\r\n", 0, "", LOCAL, 0, 1, 59,
	"59 Bad request: fragment\r\n", NULL, NULL, ANY},
    {"a relative URI", "/\r\n", 0, "", LOCAL, 0, 1, 59,
	"59 Bad request: no scheme (relative URI)\r\n", NULL, NULL, ANY},
    {"an empty line", "\r\n", 0, "", LOCAL, 0, 1, 59,
	"59 Bad request: empty request\r\n", NULL, NULL, 0},
    {"userinfo", "gemini://user@localhost/\r\n", 0, "", LOCAL, 0, 1, 59,
	"59 Bad request: userinfo\r\n", NULL, NULL, ANY},
    {"a space", "gemini://localhost/a b\r\n", 0, "", LOCAL, 0, 1, 59,
	"59 Bad request: space\r\n", NULL, NULL, ANY},
    {"%00", "gemini://localhost/%00\r\n", 0, "", LOCAL, 0, 1, 59, NULL,
	NULL, NULL, ANY},
    {"another scheme", "https://localhost/\r\n", 0, "", LOCAL, 0, 1, 53,
	"53 Only gemini:// URLs are served here\r\n", NULL, NULL, ANY},
    {"another scheme in capitals", "HTTP://localhost/\r\n", 0, "", LOCAL, 0,
	1, 53, "53 Only gemini:// URLs are served here\r\n", NULL, NULL, ANY},
    /* Host and port. */
    {"another host", "gemini://example.com/\r\n", 0, "", LOCAL, 0, 1, 53,
	"53 This server does not serve that host\r\n", NULL, NULL, ANY},
    {"a longer host", "gemini://localhost.example/\r\n", 0, "", LOCAL, 0, 1,
	53, "53 This server does not serve that host\r\n", NULL, NULL, ANY},
    {"the address for the name", "gemini://127.0.0.1/\r\n", 0, "", LOCAL, 0,
	1, 53, "53 This server does not serve that host\r\n", NULL, NULL, ANY},
    {"an alias is served", "gemini://old.example/\r\n", 0, "", LOCAL, 0, 1,
	20, NULL, "/", NULL, ANY},
    {"the host in capitals", "gemini://LOCALHOST/2024/03/second.gmi\r\n", 0,
	"", LOCAL, 0, 1, 20, NULL, "/2024/03/second.gmi", NULL, ANY},
    {"the host with its final dot", "gemini://localhost./\r\n", 0, "", LOCAL,
	0, 1, 20, NULL, "/", NULL, ANY},
    {"the bound port", "gemini://localhost:1965/\r\n", 0, "", LOCAL, 0, 1, 20,
	NULL, "/", NULL, ANY},
    {"the port it came in on (a redirect)", "gemini://localhost:1966/\r\n", 0,
	"", 1966, 0, 1, 20, NULL, "/", NULL, ANY},
    {"the bound port, came in on another", "gemini://localhost:1965/\r\n", 0,
	"", 1966, 0, 1, 20, NULL, "/", NULL, ANY},
    {"another port", "gemini://localhost:1967/\r\n", 0, "", LOCAL, 0, 1, 53,
	"53 This server does not serve that port\r\n", NULL, NULL, ANY},
    {"port 0", "gemini://localhost:0/\r\n", 0, "", LOCAL, 0, 1, 53,
	"53 This server does not serve that port\r\n", NULL, NULL, ANY},
    {"host first, then port", "gemini://example.com:1967/\r\n", 0, "", LOCAL,
	0, 1, 53, "53 This server does not serve that host\r\n", NULL, NULL,
	ANY},
    /* Search: made for the request. */
    {"a search", "gemini://localhost/search?tokyo\r\n", 0, "", LOCAL, 0, 1,
	20, "20 text/gemini; lang=en\r\n", NULL, "new-year.gmi", ANY},
    {"an empty search is the prompt", "gemini://localhost/search?\r\n", 0,
	"", LOCAL, 0, 1, 10, "10 Search the posts\r\n", NULL, NULL, ANY},
    {"a query elsewhere is no search", "gemini://localhost/?tokyo\r\n", 0,
	"", LOCAL, 0, 1, 20, NULL, "/", NULL, ANY},
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
	size_t n = strlen(r->req);

	memcpy(out, r->req, n);
	while (n < r->pad)
		out[n++] = 'a';
	memcpy(out + n, r->tail, strlen(r->tail));
	return n + strlen(r->tail);
}

static void
check_row(const struct row *r)
{
	static char req[4096];
	struct gemini_answer a;
	size_t len = build(r, req), hlen;
	int got;

	memset(&a, 0, sizeof(a));
	got = gemini_answer(snap, req, len, r->local_port, r->slow_down, &a);
	assert_int_equal(got, r->answered);
	if (!got)
		return;
	assert_int_equal(a.status, r->status);
	assert_true(a.len > 0 && a.data != NULL);
	hlen = (size_t)((const char *)memchr(a.data, '\n', a.len) - a.data) + 1;
	assert_true(hlen >= 3 && a.data[hlen - 2] == '\r');
	if (r->head != NULL) {
		assert_int_equal(hlen, strlen(r->head));
		assert_memory_equal(a.data, r->head, hlen);
	}
	if (r->route != NULL) {
		const struct response *resp = routes_get(&snap->gemini,
		    r->route, strlen(r->route));

		assert_non_null(resp);
		assert_ptr_equal(a.data, resp->data); /* no copy */
		assert_int_equal(a.len, resp->len);
		assert_null(a.owned);
	}
	if (r->has != NULL) {
		char *body = strndup(a.data, a.len);

		assert_non_null(strstr(body, r->has));
		free(body);
	}
	/* An answer made for the request is the caller's; a status line is
	 * in the answer itself. */
	if (a.owned != NULL)
		assert_ptr_equal(a.owned, a.data);
	else if (r->route == NULL && a.status != 20 && a.status != 10)
		assert_ptr_equal(a.data, a.head);
	if (r->req_len != ANY)
		assert_int_equal(a.req_len, r->req_len);
	assert_true(a.req_len <= len);
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
	static const char line[] = "gemini://localhost/2024/03/second.gmi\r\n";
	struct gemini_answer a;

	for (size_t i = 0; i < sizeof(line) - 1; i++)
		assert_int_equal(gemini_answer(snap, line, i, LOCAL, 0, &a), 0);
	assert_int_equal(gemini_answer(snap, line, sizeof(line) - 1, LOCAL, 0,
	    &a), 1);
	assert_int_equal(a.status, 20);
}

/* A line without LF becomes too long at 1025 bytes, not before. */
static void
test_cap_bytewise(void **state)
{
	static char in[URL_MAX + 8];
	struct gemini_answer a;

	memset(in, 'a', sizeof(in));
	for (size_t i = 1; i <= sizeof(in); i++) {
		int got = gemini_answer(snap, in, i, LOCAL, 0, &a);

		assert_int_equal(got, i > URL_MAX);
		if (got)
			assert_int_equal(a.status, 59);
	}
}

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Each row a test of its own, named for its rule. */
int
main(void)
{
	struct CMUnitTest tests[NROWS + 2] = {
	    cmocka_unit_test(test_bytewise),
	    cmocka_unit_test(test_cap_bytewise),
	};

	for (size_t i = 0; i < NROWS; i++) {
		tests[2 + i].name = rows[i].name;
		tests[2 + i].test_func = test_row;
		tests[2 + i].initial_state = (void *)&rows[i];
	}
	return _cmocka_run_group_tests("gemini_answer", tests, NROWS + 2,
	    setup, teardown);
}
