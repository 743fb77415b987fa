/* gopher: a connection's life, from accept to close. */
#include "gopher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "buf.h"
#include "conn.h"
#include "log.h"
#include "render_gopher.h"
#include "selector.h"
#include "server.h"

/* FAILED: out of memory while answering; pconn_read ends it. */
enum phase { REQUEST, WRITING, LINGER, FAILED };

static const char http_reply[] =
    "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n"
    "This is a Gopher server, not a web server.\r\n";

struct pconn {
	struct conn c;      /* first: the shared part */
	enum phase phase;
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

	/* A partial line at the deadline is dropped, never served. */
	pconn_free(p, p->phase == LINGER ? NULL
	    : p->phase == REQUEST ? "timeout in request" : "timeout in write");
}

static void
pconn_written(struct bufferevent *bev, void *arg)
{
	struct pconn *p = arg;

	if (p->phase != WRITING ||
	    evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	p->phase = LINGER;
	/* Nothing unread: a close sends FIN, not a reset; no need to wait. */
	if (conn_unread(&p->c) == 0) {
		conn_log(&p->c, NULL);
		pconn_free(p, NULL);
		return;
	}
	conn_linger(&p->c);
}

/*
 * Writes the answer at once, from the read callback, rather than on the
 * next turn of the loop: most answers fit the socket buffer, and then
 * the connection ends here (bench/: one epoll round less per request).
 */
static void
flush_now(struct pconn *p)
{
	struct evbuffer *out = bufferevent_get_output(p->c.bev);

	(void)evbuffer_write(out, p->c.fd); /* EAGAIN: the rest waits */
	if (evbuffer_get_length(out) == 0)
		pconn_written(p->c.bev, p); /* may free p */
}

static void
respond(struct pconn *p, const char *data, size_t len, int by_reference)
{
	struct evbuffer *out = bufferevent_get_output(p->c.bev);
	int rc;

	p->c.bytes = len;
	p->phase = WRITING;
	/* By reference: the snapshot is held until the connection ends. */
	rc = by_reference ? evbuffer_add_reference(out, data, len, NULL, NULL)
			  : evbuffer_add(out, data, len);
	if (rc == -1) {
		p->phase = FAILED;
		return;
	}
	conn_arm(&p->c, p->c.srv->cfg->write_ms);
	bufferevent_enable(p->c.bev, EV_WRITE);
}

/* Every failure is an error item and the end of a menu. */
static void
respond_error(struct pconn *p, const char *msg, const char *note)
{
	struct buf b;

	buf_init(&b);
	render_gopher_error(&b, msg);
	if (b.failed) {
		p->phase = FAILED;
		return;
	}
	respond(p, b.data, b.len, 0);
	buf_free(&b);
	if (note)
		conn_log(&p->c, note);
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
	if (b.failed) {
		buf_free(&b);
		p->phase = FAILED;
		return;
	}
	respond(p, b.data, b.len, 0);
	buf_free(&b);
}

/*
 * A search's results, the one answer rendered per request. Its menu
 * names the public host and port as the load's menus do (one function
 * says what they are).
 */
static void
serve_search(struct pconn *p, const char *words, size_t len)
{
	struct gopher_opts o;
	struct buf b;

	server_gopher_opts(p->c.srv, &o);
	buf_init(&b);
	render_gopher_search(&b, &conn_snapshot(&p->c)->site, &o, words, len);
	if (b.failed) {
		buf_free(&b);
		respond_error(p, "Out of memory, try again", "out of memory");
		return;
	}
	respond(p, b.data, b.len, 0);
	buf_free(&b);
}

static void
serve(struct pconn *p, const struct gopher_request *req)
{
	struct snapshot *snap = conn_snapshot(&p->c);
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
	r = routes_get(plus ? &snap->gopher_plus : &snap->gopher,
	    req->selector, req->selector_len);
	if (r == NULL && plus)
		r = routes_get(&snap->gopher, req->selector,
		    req->selector_len);
	if (r == NULL) {
		respond_error(p, "Not found", NULL);
		return;
	}
	respond(p, r->data, r->len, 1);
}

static void
pconn_read(struct bufferevent *bev, void *arg)
{
	struct pconn *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t avail = evbuffer_get_length(in);
	size_t look = avail < SELECTOR_MAX + 3 ? avail : SELECTOR_MAX + 3;
	struct gopher_request req;
	const char *data;

	if (p->phase != REQUEST) {
		evbuffer_drain(in, avail);
		return;
	}
	data = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
	switch (selector_parse(data, look, &req)) {
	case SEL_INCOMPLETE:
		return; /* under the deadline */
	case SEL_OK:
		conn_request(&p->c, data, req.consumed);
		/* The log shows the line without its end. */
		while (p->c.req_len > 0 && (p->c.req[p->c.req_len - 1] == '\n' ||
		    p->c.req[p->c.req_len - 1] == '\r'))
			p->c.req_len--;
		serve(p, &req);
		break;
	case SEL_TOO_LONG:
		conn_request(&p->c, data, look);
		respond_error(p, "Request too long", "request too long");
		break;
	case SEL_BAD:
		conn_request(&p->c, data, look);
		respond_error(p, "Bad request", "bad request");
		break;
	case SEL_HTTP:
		/* A browser pointed at the wrong port: one plain line. */
		conn_request(&p->c, data, look);
		respond(p, http_reply, sizeof(http_reply) - 1, 1);
		conn_log(&p->c, "HTTP request on the gopher port");
		break;
	case SEL_TLS:
		/* A TLS client gets nothing it could mistake for an answer. */
		conn_request(&p->c, data, look < 8 ? look : 8);
		evbuffer_drain(in, avail);
		pconn_free(p, "TLS on the gopher port");
		return;
	}
	evbuffer_drain(in, avail);
	if (p->phase == FAILED)
		pconn_free(p, "out of memory");
	else if (p->phase == WRITING)
		flush_now(p);
}

static void
pconn_event(struct bufferevent *bev, short what, void *arg)
{
	struct pconn *p = arg;

	if (p->phase == LINGER) {
		pconn_free(p, NULL);
		return;
	}
	/* A client that half-closes after its line still wants the answer. */
	if ((what & BEV_EVENT_EOF) && p->phase == REQUEST)
		pconn_read(bev, p);
	if ((what & BEV_EVENT_EOF) && p->phase == WRITING) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	pconn_free(p, p->phase == REQUEST ? "closed by client in request"
					  : "closed by client in write");
}

void
gopher_accept(struct server *srv, int fd, const struct sockaddr *peer,
    int counted, int slow_down)
{
	struct pconn *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("gopher: out of memory for a new connection");
		close(fd);
		return;
	}
	p->c.counted = counted;
	p->c.slow_down = slow_down;
	if (conn_start(&p->c, srv, "gopher", fd, peer, pconn_timeout,
		pconn_close) == -1 ||
	    (p->c.bev = bufferevent_socket_new(srv->base, fd,
		BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		pconn_free(p, "out of memory");
		return;
	}
	bufferevent_setwatermark(p->c.bev, EV_READ, 0, SELECTOR_MAX + 3);
	bufferevent_setcb(p->c.bev, pconn_read, pconn_written, pconn_event, p);
	bufferevent_enable(p->c.bev, EV_READ);
	/* One deadline for the whole request line, however it trickles. */
	conn_arm(&p->c, srv->cfg->request_ms);
}
