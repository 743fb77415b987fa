/*
 * gemini_answer: what a Gemini server answers one request line, given
 * the snapshot it is served from and the bytes read so far (pure: no
 * socket, no TLS, no event loop). serve/gemini.c reads, decrypts, writes
 * and keeps the deadlines; every rule of the protocol is here, and each
 * is a row of tests/unit/test_gemini_answer.c.
 */
#ifndef CAPSULED_GEMINI_ANSWER_H
#define CAPSULED_GEMINI_ANSWER_H

#include <stddef.h>

#include "proto/url.h"

struct snapshot;

/* Longest request ever looked at: the URI, CR and LF. */
#define GEMINI_REQUEST_MAX (URL_MAX + 2)

/* A status line made for this request: "59 " and a reason, with room. */
#define GEMINI_HEAD_MAX 256

struct gemini_answer {
	/*
	 * The response, header and body: a ready one is the snapshot's
	 * (held as long as the connection holds the snapshot), never
	 * copied; a status line made here is in head; a search's results
	 * are owned, the caller's to free.
	 */
	const char *data;
	size_t len;
	char *owned;        /* data, when the caller must free it; else NULL */
	int status;         /* the Gemini status, for the log */
	size_t req_len;     /* how much of the request the log shows */
	char head[GEMINI_HEAD_MAX];
};

/*
 * The answer to req[0..len), the bytes of the request read so far,
 * received on local_port; slow_down: the client is over its rate.
 * Returns 0 when more bytes are needed (a is untouched), 1 when a holds
 * the answer: the line ends in CRLF within GEMINI_REQUEST_MAX bytes
 * (else 59, as soon as that is certain), then 44 when over the rate, the
 * URL's own 59 and 53, 53 for a host or port not served, a search's
 * results for "/search?query", the route table's response, or 51.
 */
int gemini_answer(const struct snapshot *snap, const char *req, size_t len,
    int local_port, int slow_down, struct gemini_answer *a);

#endif
