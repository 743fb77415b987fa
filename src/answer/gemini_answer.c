/* gemini_answer: the rules of a Gemini request, without the socket. */
#include "answer/gemini_answer.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "render/render_gemini.h"
#include "render/snapshot.h"

/* A status line of our own (meta never longer than head leaves room). */
static void
status_line(struct gemini_answer *a, int status, const char *meta)
{
	int n = snprintf(a->head, sizeof(a->head), "%d %s\r\n", status, meta);

	a->data = a->head;
	a->len = n < (int)sizeof(a->head) ? (size_t)n : sizeof(a->head) - 1;
	a->owned = NULL;
	a->status = status;
}

/*
 * The one answer rendered per request: a search's results, from the
 * index the snapshot was built with ("/search" alone is a ready 10).
 */
static void
search(struct gemini_answer *a, const struct snapshot *snap,
    const char *query)
{
	struct buf b;
	size_t len;
	char *data;
	int status;

	buf_init(&b);
	status = render_gemini_search(&b, &snap->site, query, strlen(query));
	if ((data = buf_steal(&b, &len)) == NULL) {
		status_line(a, 40, "Out of memory, try again");
		return;
	}
	a->data = a->owned = data;
	a->len = len;
	a->status = status;
}

/* The host, or one of its aliases (old names kept alive). */
static int
host_served(const struct config *cfg, const char *host)
{
	if (url_host_matches(host, cfg->host))
		return 1;
	for (size_t i = 0; i < cfg->aliases.n; i++)
		if (url_host_matches(host, cfg->aliases.v[i]))
			return 1;
	return 0;
}

/* The request line, its CRLF taken off. */
static void
answer_line(struct gemini_answer *a, const struct snapshot *snap,
    const char *line, size_t len, int local_port, int slow_down)
{
	const struct config *cfg = &snap->cfg;
	const struct response *r;
	struct gemini_request req;
	const char *why = NULL;
	char meta[200];

	if (slow_down) {
		status_line(a, 44, "5");
		return;
	}
	switch (url_parse_request(line, len, &req, &why)) {
	case URL_MALFORMED:
		snprintf(meta, sizeof(meta), "Bad request: %s", why);
		status_line(a, 59, meta);
		return;
	case URL_OTHER_SCHEME:
		status_line(a, 53, "Only gemini:// URLs are served here");
		return;
	case URL_OK:
		break;
	}
	if (!host_served(cfg, req.host)) {
		status_line(a, 53, "This server does not serve that host");
		return;
	}
	if (req.port != -1 && req.port != local_port &&
	    req.port != snap->gemini_port) {
		status_line(a, 53, "This server does not serve that port");
		return;
	}
	if (req.has_query && strcmp(req.path, "/search") == 0) {
		search(a, snap, req.query);
		return;
	}
	r = routes_get(&snap->gemini, req.path, strlen(req.path));
	if (r == NULL) {
		status_line(a, 51, "Not found");
		return;
	}
	a->data = r->data;
	a->len = r->len;
	a->owned = NULL;
	a->status = r->status;
}

int
gemini_answer(const struct snapshot *snap, const char *req, size_t len,
    int local_port, int slow_down, struct gemini_answer *a)
{
	size_t look = len < GEMINI_REQUEST_MAX ? len : GEMINI_REQUEST_MAX;
	const char *lf = memchr(req, '\n', look);
	size_t line;

	if (lf == NULL) {
		/*
		 * A line is at most 1026 bytes with its CRLF: without a LF in
		 * them, or with 1025 bytes whose last is not the CR, it is too
		 * long already, and the answer should not wait for more.
		 */
		if (len < URL_MAX + 1 ||
		    (len == URL_MAX + 1 && req[URL_MAX] == '\r'))
			return 0; /* wait for the rest, under the deadline */
		a->req_len = URL_MAX + 1; /* the URI part, for the log */
		status_line(a, 59, "Bad request: longer than 1024 bytes");
		return 1;
	}
	line = (size_t)(lf - req);
	if (line > 0 && req[line - 1] == '\r') {
		a->req_len = line - 1;
		answer_line(a, snap, req, line - 1, local_port, slow_down);
	} else {
		a->req_len = line;
		status_line(a, 59, "Bad request: the line must end in CRLF");
	}
	return 1;
}
