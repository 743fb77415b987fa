/*
 * libFuzzer: what the server answers a request, both protocols, from
 * tests/fixtures/site loaded as the server loads it (run from the top of
 * the tree, as make fuzz does). The first byte chooses: bit 0 Gopher,
 * bit 1 over the rate, bit 2 another local port; the rest is the
 * request as read so far.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer/gemini_answer.h"
#include "answer/gopher_answer.h"
#include "daemon/content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct snapshot *snap;

static void
load(void)
{
	struct render_opts o = {"localhost", 1965};
	struct gopher_opts go = {"localhost", 70, 67, "localhost"};
	struct config cfg;
	struct diags d;

	config_defaults(&cfg);
	diags_init(&d);
	snap = content_load("tests/fixtures/site", &o, &go, 0, NULL, &d);
	if (snap == NULL || snapshot_serve(snap, &cfg, 1965, 70) == -1) {
		fprintf(stderr, "fuzz_answer: cannot load tests/fixtures/site\n");
		abort();
	}
	diags_free(&d);
	config_free(&cfg);
}

static void
gemini(const char *req, size_t len, int slow_down, int port)
{
	struct gemini_answer a;
	const char *lf;

	if (!gemini_answer(snap, req, len, port, slow_down, &a)) {
		/* Waiting only while the line may still end in time. */
		if (len > GEMINI_REQUEST_MAX - 1 || memchr(req, '\n', len))
			__builtin_trap();
		return;
	}
	/* One header line, a two-digit status that is the one logged. */
	lf = memchr(a.data, '\n', a.len);
	if (a.len < 5 || lf == NULL || lf == a.data || lf[-1] != '\r' ||
	    a.data[0] < '1' || a.data[0] > '6' || a.data[1] < '0' ||
	    a.data[1] > '9' || a.data[2] != ' ' ||
	    (a.data[0] - '0') * 10 + (a.data[1] - '0') != a.status ||
	    a.req_len > len || (a.owned != NULL && a.owned != a.data))
		__builtin_trap();
	free(a.owned);
}

static void
gopher(const char *req, size_t len, int slow_down)
{
	struct gopher_answer a;

	switch (gopher_answer(snap, req, len, slow_down, &a)) {
	case GOPHER_MORE:
		if (len > GOPHER_REQUEST_MAX || memchr(req, '\n', len))
			__builtin_trap();
		return;
	case GOPHER_CLOSE:
		if (a.note == NULL || a.req_len > len)
			__builtin_trap();
		return;
	case GOPHER_ANSWER:
		if (a.len == 0 || a.data == NULL || a.req_len > len ||
		    (a.owned != NULL && a.owned != a.data))
			__builtin_trap();
		free(a.owned);
		return;
	}
	__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *req = (const char *)data + 1;

	if (snap == NULL)
		load();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		gopher(req, size - 1, data[0] & 2);
	else
		gemini(req, size - 1, data[0] & 2, data[0] & 4 ? 1966 : 1965);
	return 0;
}
