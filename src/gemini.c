/* gemini: a connection's life, from accept to close_notify. */
#include "gemini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include "buf.h"
#include "conn.h"
#include "log.h"
#include "render_gemini.h"
#include "server.h"
#include "url.h"

/* Longest line we ever look at: the URI, CR and LF. */
#define LINE_MAX_BYTES (URL_MAX + 2)

enum phase { HANDSHAKE, REQUEST, WRITING, LINGER };

static const char *phase_names[] = {
	[HANDSHAKE] = "handshake", [REQUEST] = "request",
	[WRITING] = "write", [LINGER] = "linger",
};

struct gconn {
	struct conn c;      /* first: the shared part */
	struct event *hello; /* waits for the ClientHello's first byte */
	SSL *ssl;
	int local_port;
	enum phase phase;
};

/* Every path out of a connection ends here. */
static void
gconn_free(struct gconn *g, const char *note)
{
	/* conn is the first member: the two pointers are one. */
	if (g->hello)
		event_free(g->hello);
	if (g->c.bev == NULL)
		SSL_free(g->ssl); /* otherwise the bufferevent owns it */
	conn_end(&g->c, note);
	free(g);
}

static void
gconn_close(struct conn *c, const char *note)
{
	gconn_free((struct gconn *)c, note);
}

static void
gconn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gconn *g = arg;
	char note[64];

	if (g->phase == LINGER) {
		gconn_free(g, NULL);
		return;
	}
	snprintf(note, sizeof(note), "timeout in %s", phase_names[g->phase]);
	gconn_free(g, note);
}

/* The answer is out: close_notify, then the shared half-close. */
static void
gconn_written(struct bufferevent *bev, void *arg)
{
	struct gconn *g = arg;

	if (g->phase != WRITING ||
	    evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	g->phase = LINGER;
	if (SSL_shutdown(g->ssl) < 0)
		ERR_clear_error();
	conn_linger(&g->c);
}

static void
respond_bytes(struct gconn *g, const char *data, size_t len, int status,
    int by_reference)
{
	struct evbuffer *out = bufferevent_get_output(g->c.bev);
	int rc;

	g->c.status = status;
	g->c.bytes = len;
	g->phase = WRITING;
	/* By reference: the snapshot is held until the connection ends. */
	rc = by_reference ? evbuffer_add_reference(out, data, len, NULL, NULL)
			  : evbuffer_add(out, data, len);
	if (rc == -1) {
		gconn_free(g, "out of memory");
		return;
	}
	conn_arm(&g->c, g->c.srv->cfg->write_ms);
	bufferevent_enable(g->c.bev, EV_WRITE);
}

static void
respond_status(struct gconn *g, int status, const char *meta)
{
	char line[256];
	int n;

	n = snprintf(line, sizeof(line), "%d %s\r\n", status, meta);
	respond_bytes(g, line, (size_t)n, status, 0);
}

/*
 * The one answer rendered per request: a search's results, from the
 * index the snapshot was built with ("/search" alone is a ready 10).
 */
static void
serve_search(struct gconn *g, const char *query)
{
	struct buf b;
	int status;

	buf_init(&b);
	status = render_gemini_search(&b, &conn_snapshot(&g->c)->site, query,
	    strlen(query));
	if (b.failed) {
		buf_free(&b);
		respond_status(g, 40, "Out of memory, try again");
		return;
	}
	respond_bytes(g, b.data, b.len, status, 0);
	buf_free(&b);
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

static void
serve(struct gconn *g, const char *line, size_t len)
{
	const struct config *cfg = g->c.srv->cfg;
	const struct response *r;
	struct gemini_request req;
	const char *why = NULL;
	char meta[200];

	if (g->c.slow_down) {
		respond_status(g, 44, "5");
		return;
	}
	switch (url_parse_request(line, len, &req, &why)) {
	case URL_MALFORMED:
		snprintf(meta, sizeof(meta), "Bad request: %s", why);
		respond_status(g, 59, meta);
		return;
	case URL_OTHER_SCHEME:
		respond_status(g, 53, "Only gemini:// URLs are served here");
		return;
	case URL_OK:
		break;
	}
	if (!host_served(cfg, req.host)) {
		respond_status(g, 53, "This server does not serve that host");
		return;
	}
	if (req.port != -1 && req.port != g->local_port &&
	    req.port != g->c.srv->gemini_port) {
		respond_status(g, 53, "This server does not serve that port");
		return;
	}
	if (req.has_query && strcmp(req.path, "/search") == 0) {
		serve_search(g, req.query);
		return;
	}
	r = routes_get(&conn_snapshot(&g->c)->gemini, req.path,
	    strlen(req.path));
	if (r == NULL) {
		respond_status(g, 51, "Not found");
		return;
	}
	respond_bytes(g, r->data, r->len, r->status, 1);
}

static void
gconn_read(struct bufferevent *bev, void *arg)
{
	struct gconn *g = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t avail = evbuffer_get_length(in), look, line;
	const char *p, *lf;

	if (g->phase != REQUEST) {
		/* One request per connection: anything more is dropped. */
		evbuffer_drain(in, avail);
		return;
	}
	look = avail < LINE_MAX_BYTES ? avail : LINE_MAX_BYTES;
	p = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
	lf = p ? memchr(p, '\n', look) : NULL;
	if (lf == NULL) {
		/*
		 * A line is at most 1026 bytes with its CRLF: without a LF in
		 * them, or with 1025 bytes whose last is not the CR, it is too
		 * long already, and the answer should not wait for more.
		 */
		if (avail < URL_MAX + 1 ||
		    (avail == URL_MAX + 1 && p[URL_MAX] == '\r'))
			return; /* wait for the rest, under the deadline */
		conn_request(&g->c, p, URL_MAX + 1); /* the URI part */
		evbuffer_drain(in, avail);
		respond_status(g, 59, "Bad request: longer than 1024 bytes");
		return;
	}
	line = (size_t)(lf - p);
	if (line > 0 && p[line - 1] == '\r') {
		conn_request(&g->c, p, line - 1);
		serve(g, p, line - 1);
	} else {
		conn_request(&g->c, p, line);
		respond_status(g, 59, "Bad request: the line must end in CRLF");
	}
	evbuffer_drain(in, avail);
}

static void
gconn_event(struct bufferevent *bev, short what, void *arg)
{
	struct gconn *g = arg;
	char note[200], msg[160];
	unsigned long e;

	if (what & BEV_EVENT_CONNECTED) {
		g->phase = REQUEST;
		conn_arm(&g->c, g->c.srv->cfg->request_ms);
		return;
	}
	if (g->phase == LINGER) {
		gconn_free(g, NULL);
		return;
	}
	/*
	 * A client may send close_notify right after its request (TLS allows
	 * a half-close; gnutls-cli does it): the answer is still wanted.
	 * libevent reports the EOF before the read callback sees the bytes
	 * that came with it, so the request is read here first.
	 */
	if ((what & BEV_EVENT_EOF) && g->phase == REQUEST)
		gconn_read(bev, g);
	if ((what & BEV_EVENT_EOF) && g->phase == WRITING) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if ((e = bufferevent_get_openssl_error(bev)) != 0) {
		ERR_error_string_n(e, msg, sizeof(msg));
		snprintf(note, sizeof(note), "TLS error in %s: %s",
		    phase_names[g->phase], msg);
	} else
		snprintf(note, sizeof(note), "closed by client in %s",
		    phase_names[g->phase]);
	gconn_free(g, note);
}

/*
 * The first byte of the ClientHello has come: only now are the SSL
 * object and its bufferevent made. A burst of connections, or scanners
 * that connect and say nothing, then cost an event each, not a TLS
 * state each, in the turn of the loop that accepts them.
 */
static void
gconn_hello(evutil_socket_t fd, short what, void *arg)
{
	struct gconn *g = arg;
	struct server *srv = g->c.srv;

	event_free(g->hello);
	g->hello = NULL;
	if ((g->ssl = SSL_new(srv->ssl_ctx)) == NULL) {
		gconn_free(g, "out of memory");
		return;
	}
	g->c.bev = bufferevent_openssl_socket_new(srv->base, fd, g->ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (g->c.bev == NULL) {
		gconn_free(g, "out of memory");
		return;
	}
	/* Never buffer more than one request line, whatever the client sends. */
	bufferevent_setwatermark(g->c.bev, EV_READ, 0, LINE_MAX_BYTES + 1);
	bufferevent_setcb(g->c.bev, gconn_read, gconn_written, gconn_event, g);
	bufferevent_enable(g->c.bev, EV_READ);
}

void
gemini_accept(struct server *srv, int fd, const struct sockaddr *peer,
    int local_port, int counted, int slow_down)
{
	struct gconn *g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_warn("gemini: out of memory for a new connection");
		close(fd);
		return;
	}
	g->local_port = local_port;
	g->c.counted = counted;
	g->c.slow_down = slow_down;
	if (conn_start(&g->c, srv, "gemini", fd, peer, gconn_timeout,
		gconn_close) == -1 ||
	    (g->hello = event_new(srv->base, fd, EV_READ, gconn_hello, g)) ==
	    NULL) {
		gconn_free(g, "out of memory");
		return;
	}
	event_add(g->hello, NULL);
	/* The handshake's deadline starts at accept: silence counts. */
	conn_arm(&g->c, srv->cfg->handshake_ms);
}
