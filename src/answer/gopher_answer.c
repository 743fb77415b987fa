/* gopher_answer: the rules of a Gopher request, without the socket. */
#include "answer/gopher_answer.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "render/render_gopher.h"
#include "render/snapshot.h"

static const char http_reply[] =
    "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n"
    "This is a Gopher server, not a web server.\r\n";

/* Bytes that outlive the connection: the snapshot's, or static. */
static enum gopher_verdict
ready(struct gopher_answer *a, const char *data, size_t len)
{
	a->data = data;
	a->len = len;
	a->owned = NULL;
	return GOPHER_ANSWER;
}

/* An answer rendered for this request: the caller takes the bytes. */
static enum gopher_verdict
made(struct gopher_answer *a, struct buf *b)
{
	size_t len;
	char *data = buf_steal(b, &len);

	if (data == NULL) {
		a->note = "out of memory";
		return GOPHER_CLOSE;
	}
	a->data = a->owned = data;
	a->len = len;
	return GOPHER_ANSWER;
}

/* Every failure is an error item and the end of a menu. */
static enum gopher_verdict
error_item(struct gopher_answer *a, const char *msg, const char *note)
{
	struct buf b;

	buf_init(&b);
	render_gopher_error(&b, msg);
	a->note = note;
	return made(a, &b);
}

/* Only links a browser may be sent on to, never javascript: and the like. */
static int
url_scheme_ok(const char *url, size_t len)
{
	static const char *ok[] = {"http://", "https://", "gemini://",
	    "gopher://", "ftp://", "mailto:", "irc://", "ircs://", "news:",
	    "telnet://", "ssh://", "xmpp:"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t n = strlen(ok[i]);

		if (len > n && strncasecmp(url, ok[i], n) == 0)
			return 1;
	}
	return 0;
}

static enum gopher_verdict
url_page(struct gopher_answer *a, const char *url, size_t len)
{
	struct buf b;

	if (!url_scheme_ok(url, len))
		return error_item(a, "Not a link this server sends you on to",
		    "refused URL: scheme");
	buf_init(&b);
	render_gopher_url_page(&b, url, len);
	return made(a, &b);
}

/*
 * A search's results, the one answer rendered per request, naming the
 * public host and port the snapshot's menus name.
 */
static enum gopher_verdict
search(struct gopher_answer *a, const struct snapshot *snap,
    const char *words, size_t len)
{
	struct buf b;

	buf_init(&b);
	render_gopher_search(&b, &snap->site, &snap->gopher_opts, words, len);
	return made(a, &b);
}

static enum gopher_verdict
answer_request(struct gopher_answer *a, const struct snapshot *snap,
    const struct gopher_request *req, int slow_down)
{
	const struct response *r;
	int plus = req->plus && req->plus_len == 1 && req->plus[0] == '$';

	if (slow_down)
		return error_item(a, "Slow down: too many requests, try again "
		    "in a few seconds", "over the request rate");
	if (req->selector_len > 4 && memcmp(req->selector, "URL:", 4) == 0)
		return url_page(a, req->selector + 4, req->selector_len - 4);
	if (req->search != NULL && req->selector_len == 7 &&
	    memcmp(req->selector, "/search", 7) == 0)
		return search(a, snap, req->search, req->search_len);
	r = gopher_lookup(&snap->gopher, req->selector, req->selector_len);
	if (r == NULL)
		return error_item(a, "Not found", NULL);
	if (plus && r->menu) {
		struct buf b;

		buf_init(&b);
		render_gopher_plus(&b, r->data, r->len);
		return made(a, &b);
	}
	return ready(a, r->data, r->len);
}

enum gopher_verdict
gopher_answer(const struct snapshot *snap, const char *req, size_t len,
    int slow_down, struct gopher_answer *a)
{
	struct gopher_request gr;

	a->note = NULL;
	a->req_len = len;
	switch (selector_parse(req, len, &gr)) {
	case SEL_INCOMPLETE:
		return GOPHER_MORE;
	case SEL_OK:
		/* The log shows the line without its end. */
		a->req_len = gr.consumed;
		while (a->req_len > 0 && (req[a->req_len - 1] == '\n' ||
		    req[a->req_len - 1] == '\r'))
			a->req_len--;
		return answer_request(a, snap, &gr, slow_down);
	case SEL_TOO_LONG:
		return error_item(a, "Request too long", "request too long");
	case SEL_BAD:
		return error_item(a, "Bad request", "bad request");
	case SEL_HTTP:
		/* A browser pointed at the wrong port: one plain line. */
		a->note = "HTTP request on the gopher port";
		return ready(a, http_reply, sizeof(http_reply) - 1);
	case SEL_TLS:
		/* A TLS client gets nothing it could mistake for an answer. */
		if (a->req_len > 8)
			a->req_len = 8;
		a->note = "TLS on the gopher port";
		return GOPHER_CLOSE;
	}
	return GOPHER_CLOSE; /* not reached: every status is above */
}
