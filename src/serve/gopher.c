/* gopher: a connection's life, from accept to close. */
#include "serve/gopher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "serve/conn.h"
#include "serve/log.h"
#include "render/render_gopher.h"
#include "proto/selector.h"
#include "serve/state.h"
#include "render/snapshot.h"
#include "serve/worker.h"

enum phase { REQUEST, WRITING };

static const char http_reply[] =
    "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n"
    "This is a Gopher server, not a web server.\r\n";

/* The request line and what may follow it in the same read. */
#define READ_MAX (SELECTOR_MAX + 3)

struct pconn {
	struct conn c;      /* first: the shared part */
	enum phase phase;
	int drained;        /* the last read left nothing in the socket */
};

static void
pconn_free(struct pconn *p, const char *note)
{
	conn_end(&p->c, note);
	free(p);
}

static void
pconn_close(struct conn *c, const char *note)
{
	pconn_free((struct pconn *)c, note);
}

static void
pconn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pconn *p = arg;
	const char *why;

	/* A partial line at the deadline is dropped, never served. */
	if (p->phase == REQUEST)
		pconn_free(p, "timeout in request");
	else if ((why = conn_write_due(&p->c)) != NULL)
		pconn_free(p, why); /* else still moving: pushed on */
}

/*
 * Writes the answer at once, from the read handler: most answers fit the
 * socket buffer, and then the connection ends here, with no turn of the
 * loop between the request and the close.
 */
static void
send_answer(struct pconn *p)
{
	switch (conn_flush(&p->c)) {
	case 1:
		conn_write_done(&p->c);
		/* Nothing unread: a close sends FIN, not a reset. */
		conn_finish(&p->c, p->drained ? CONN_CLOSE
					       : CONN_CLOSE_IF_DRAINED);
		return;
	case 0:
		conn_wait(&p->c, CONN_WRITE);
		return;
	default:
		pconn_free(p, "closed by client in write");
	}
}

/* The answer: bytes that outlive the connection (the snapshot's). */
static void
respond(struct pconn *p, const char *data, size_t len)
{
	conn_answer(&p->c, data, len, NULL);
	p->phase = WRITING;
	conn_write_begin(&p->c, len);
	send_answer(p);
}

/* An answer rendered for this request: the connection takes the bytes. */
static void
respond_buf(struct pconn *p, struct buf *b)
{
	size_t len;
	char *data = buf_steal(b, &len);

	if (data == NULL) {
		pconn_free(p, "out of memory");
		return;
	}
	conn_answer(&p->c, data, len, data);
	p->phase = WRITING;
	conn_write_begin(&p->c, len);
	send_answer(p);
}

/* Every failure is an error item and the end of a menu. */
static void
respond_error(struct pconn *p, const char *msg, const char *note)
{
	struct buf b;

	buf_init(&b);
	render_gopher_error(&b, msg);
	p->c.note = note;
	respond_buf(p, &b);
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

static void
serve_url(struct pconn *p, const char *url, size_t len)
{
	struct buf b;

	if (!url_scheme_ok(url, len)) {
		respond_error(p, "Not a link this server sends you on to",
		    "refused URL: scheme");
		return;
	}
	buf_init(&b);
	render_gopher_url_page(&b, url, len);
	respond_buf(p, &b);
}

/*
 * A search's results, the one answer rendered per request, naming the
 * public host and port the snapshot's menus name.
 */
static void
serve_search(struct pconn *p, const char *words, size_t len)
{
	struct buf b;

	buf_init(&b);
	render_gopher_search(&b, &p->c.snap->site, &p->c.snap->gopher_opts,
	    words, len);
	respond_buf(p, &b);
}

static void
serve(struct pconn *p, const struct gopher_request *req)
{
	struct snapshot *snap = p->c.snap;
	const struct response *r;
	int plus = req->plus && req->plus_len == 1 && req->plus[0] == '$';

	if (p->c.slow_down) {
		respond_error(p, "Slow down: too many requests, try again "
		    "in a few seconds", "over the request rate");
		return;
	}

	if (req->selector_len > 4 && memcmp(req->selector, "URL:", 4) == 0) {
		serve_url(p, req->selector + 4, req->selector_len - 4);
		return;
	}
	if (req->search != NULL && req->selector_len == 7 &&
	    memcmp(req->selector, "/search", 7) == 0) {
		serve_search(p, req->search, req->search_len);
		return;
	}
	r = gopher_lookup(&snap->gopher, req->selector, req->selector_len);
	if (r == NULL) {
		respond_error(p, "Not found", NULL);
		return;
	}
	if (plus && r->menu) {
		struct buf b;

		buf_init(&b);
		render_gopher_plus(&b, r->data, r->len);
		respond_buf(p, &b);
		return;
	}
	respond(p, r->data, r->len);
}

/* The line is in c.req (eof: and the client has half-closed). */
static void
take_line(struct pconn *p, int eof)
{
	struct conn *c = &p->c;
	struct gopher_request req;

	switch (selector_parse(c->req, c->req_len, &req)) {
	case SEL_INCOMPLETE:
		if (eof)
			pconn_free(p, "closed by client in request");
		else
			conn_wait(c, CONN_READ); /* under the deadline */
		return;
	case SEL_OK:
		/* The log shows the line without its end. */
		c->req_len = req.consumed;
		while (c->req_len > 0 && (c->req[c->req_len - 1] == '\n' ||
		    c->req[c->req_len - 1] == '\r'))
			c->req_len--;
		serve(p, &req);
		return;
	case SEL_TOO_LONG:
		respond_error(p, "Request too long", "request too long");
		return;
	case SEL_BAD:
		respond_error(p, "Bad request", "bad request");
		return;
	case SEL_HTTP:
		/* A browser pointed at the wrong port: one plain line. */
		c->note = "HTTP request on the gopher port";
		respond(p, http_reply, sizeof(http_reply) - 1);
		return;
	case SEL_TLS:
		/* A TLS client gets nothing it could mistake for an answer. */
		if (c->req_len > 8)
			c->req_len = 8;
		pconn_free(p, "TLS on the gopher port");
		return;
	}
}

/*
 * Reads what has come. With TCP_DEFER_ACCEPT the line is usually there
 * at accept, so this runs first from gopher_accept, and only a client
 * that is slower than that waits for EV_READ.
 */
static void
pconn_run(struct pconn *p, int at_accept)
{
	size_t room = READ_MAX - p->c.req_len;
	long n;

	if (p->phase == WRITING) {
		send_answer(p);
		return;
	}
	n = conn_read(&p->c, READ_MAX);
	if (n == -1) {
		if (at_accept)
			conn_silent(&p->c, p->c.snap->cfg.request_ms);
		conn_wait(&p->c, CONN_READ);
		return;
	}
	if (n == -2) {
		pconn_free(p, "closed by client in request");
		return;
	}
	if (n > 0)
		conn_request_begun(&p->c);
	/* Less than asked for: the kernel had no more (or it was EOF). */
	p->drained = (size_t)n < room;
	take_line(p, n == 0);
}

static void
pconn_io(evutil_socket_t fd, short what, void *arg)
{
	pconn_run(arg, 0);
}

void
gopher_accept(struct worker *w, const struct listener *l, int fd,
    const struct sockaddr *peer, int counted, int slow_down)
{
	struct pconn *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("gopher: out of memory for a new connection");
		close(fd);
		state_released(w->st, counted ? peer : NULL);
		return;
	}
	conn_start(&p->c, w, "gopher", fd, peer, counted, slow_down, pconn_io,
	    pconn_timeout, pconn_close);
	p->c.deferred = l->deferred != 0;
	/* One deadline for the whole request line, however it trickles. */
	conn_arm_pre(&p->c, p->c.snap->cfg.request_ms, 0);
	pconn_run(p, 1);
}
