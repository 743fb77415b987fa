/*
 * gopher_answer: what a Gopher server answers one request line, given
 * the snapshot it is served from and the bytes read so far (pure: no
 * socket, no event loop). serve/gopher.c reads, writes and keeps the
 * deadline; every rule is here, and each is a row of
 * tests/unit/test_gopher_answer.c.
 */
#ifndef CAPSULED_GOPHER_ANSWER_H
#define CAPSULED_GOPHER_ANSWER_H

#include <stddef.h>

#include "proto/selector.h"

struct snapshot;

/* The request line and what may follow it in the same read. */
#define GOPHER_REQUEST_MAX (SELECTOR_MAX + 3)

enum gopher_verdict {
	GOPHER_MORE,   /* no line end yet: read more, under the deadline */
	GOPHER_ANSWER, /* write data, then close */
	GOPHER_CLOSE,  /* close with nothing written (note says why) */
};

struct gopher_answer {
	/*
	 * The bytes to write: a menu or text of the snapshot's (held as
	 * long as the connection holds the snapshot), never copied; static
	 * ones (the HTTP reply); or made for this request (an error item, a
	 * search, a URL: page, a Gopher+ form), then owned, the caller's
	 * to free.
	 */
	const char *data;
	size_t len;
	char *owned;       /* data, when the caller must free it; else NULL */
	const char *note;  /* why, for the log (a refusal), or NULL */
	size_t req_len;    /* how much of the request the log shows */
};

/*
 * The answer to req[0..len), the bytes read so far; slow_down: the
 * client is over its rate. selector_parse's verdicts first: a line too
 * long or bad is an error item, HTTP gets a plain reply, TLS is closed
 * unanswered. Then an error item over the rate, "URL:" links (some
 * schemes only), "/search TAB words", the Gopher+ form of a menu asked
 * with "TAB $", the ready menu or text, or "Not found". For GOPHER_MORE
 * a says nothing; GOPHER_CLOSE is out of memory too.
 */
enum gopher_verdict gopher_answer(const struct snapshot *snap,
    const char *req, size_t len, int slow_down, struct gopher_answer *a);

#endif
