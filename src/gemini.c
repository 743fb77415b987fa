/* gemini: a connection's life, from accept to close. */
#include "gemini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include "log.h"
#include "server.h"
#include "url.h"

/* Longest line we ever look at: the URI, CR and LF. */
#define LINE_MAX_BYTES (URL_MAX + 2)
/* After close_notify, how long the client gets to close its side. */
#define LINGER_MS 2000

enum phase { HANDSHAKE, REQUEST, WRITING, LINGER };

struct gconn {
	struct server *srv;
	struct snapshot *snap;
	struct bufferevent *bev;
	SSL *ssl;
	int fd;
	int local_port;
	enum phase phase;
	struct event *timer;
	struct timespec start;
	char client[64];
	char req[LINE_MAX_BYTES + 1]; /* the request as received, for the log */
	size_t req_len;
	int status;
	size_t bytes;
	int logged;
};

static const char *phase_names[] = {
	[HANDSHAKE] = "handshake", [REQUEST] = "request",
	[WRITING] = "write", [LINGER] = "linger",
};

static double
elapsed_ms(const struct gconn *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - c->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - c->start.tv_nsec) / 1e6;
}

static void
gconn_log(struct gconn *c, const char *note)
{
	if (c->logged)
		return;
	c->logged = 1;
	log_access("gemini", c->client, c->req, c->req_len, c->status, c->bytes,
	    elapsed_ms(c), note);
}

/* Every path out of a connection ends here. */
static void
gconn_free(struct gconn *c, const char *note)
{
	gconn_log(c, note);
	if (c->timer)
		event_free(c->timer);
	if (c->bev)
		bufferevent_free(c->bev); /* frees the SSL, closes the socket */
	else {
		SSL_free(c->ssl);
		close(c->fd);
	}
	snapshot_unref(c->snap);
	c->srv->nconns--;
	free(c);
}

static void
arm_timer(struct gconn *c, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(c->timer, &tv);
}

static void
gconn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gconn *c = arg;
	char note[64];

	if (c->phase == LINGER) {
		gconn_free(c, NULL);
		return;
	}
	snprintf(note, sizeof(note), "timeout in %s", phase_names[c->phase]);
	gconn_free(c, note);
}

/*
 * Sends close_notify and half-closes, then waits (briefly) for the client
 * to close: closing with unread bytes in our receive buffer would turn
 * the close into a reset that can destroy the answer in flight.
 */
static void
gconn_finish(struct gconn *c)
{
	gconn_log(c, NULL);
	c->phase = LINGER;
	if (SSL_shutdown(c->ssl) < 0)
		ERR_clear_error();
	shutdown(c->fd, SHUT_WR);
	bufferevent_disable(c->bev, EV_WRITE);
	arm_timer(c, LINGER_MS);
}

static void
gconn_written(struct bufferevent *bev, void *arg)
{
	struct gconn *c = arg;

	if (c->phase == WRITING &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		gconn_finish(c);
}

static void
respond_bytes(struct gconn *c, const char *data, size_t len, int status,
    int by_reference)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int rc;

	c->status = status;
	c->bytes = len;
	c->phase = WRITING;
	/* The snapshot outlives the write: it is held until gconn_free. */
	rc = by_reference ? evbuffer_add_reference(out, data, len, NULL, NULL)
			  : evbuffer_add(out, data, len);
	if (rc == -1) {
		gconn_free(c, "out of memory");
		return;
	}
	arm_timer(c, c->srv->cfg->write_ms);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
respond_status(struct gconn *c, int status, const char *meta)
{
	char line[256];
	int n;

	n = snprintf(line, sizeof(line), "%d %s\r\n", status, meta);
	respond_bytes(c, line, (size_t)n, status, 0);
}

static void
serve(struct gconn *c, const char *line, size_t len)
{
	const struct config *cfg = c->srv->cfg;
	const struct response *r;
	struct gemini_request req;
	const char *why = NULL;
	char meta[200];

	switch (url_parse_request(line, len, &req, &why)) {
	case URL_MALFORMED:
		snprintf(meta, sizeof(meta), "Bad request: %s", why);
		respond_status(c, 59, meta);
		return;
	case URL_OTHER_SCHEME:
		respond_status(c, 53, "Only gemini:// URLs are served here");
		return;
	case URL_OK:
		break;
	}
	if (!url_host_matches(req.host, cfg->host)) {
		respond_status(c, 53, "This server does not serve that host");
		return;
	}
	if (req.port != -1 && req.port != c->local_port &&
	    req.port != c->srv->gemini_port) {
		respond_status(c, 53, "This server does not serve that port");
		return;
	}
	c->snap = snapshot_ref(c->srv->snap);
	r = routes_get(&c->snap->gemini, req.path, strlen(req.path));
	if (r == NULL) {
		respond_status(c, 51, "Not found");
		return;
	}
	respond_bytes(c, r->data, r->len, r->status, 1);
}

static void
gconn_read(struct bufferevent *bev, void *arg)
{
	struct gconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t avail = evbuffer_get_length(in), look, line;
	const char *p, *lf;

	if (c->phase != REQUEST) {
		/* One request per connection: anything more is dropped. */
		evbuffer_drain(in, avail);
		return;
	}
	look = avail < LINE_MAX_BYTES + 1 ? avail : LINE_MAX_BYTES + 1;
	p = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
	lf = p ? memchr(p, '\n', look) : NULL;
	if (lf == NULL) {
		if (avail <= LINE_MAX_BYTES)
			return; /* wait for the rest, under the deadline */
		memcpy(c->req, p, LINE_MAX_BYTES);
		c->req_len = LINE_MAX_BYTES;
		evbuffer_drain(in, avail);
		respond_status(c, 59, "Bad request: longer than 1024 bytes");
		return;
	}
	line = (size_t)(lf - p);
	memcpy(c->req, p, line);
	c->req_len = line;
	if (line > 0 && p[line - 1] == '\r') {
		c->req_len--;
		serve(c, p, line - 1);
	} else
		respond_status(c, 59, "Bad request: the line must end in CRLF");
	evbuffer_drain(in, avail);
}

static void
gconn_event(struct bufferevent *bev, short what, void *arg)
{
	struct gconn *c = arg;
	char note[200];
	unsigned long e;

	if (what & BEV_EVENT_CONNECTED) {
		c->phase = REQUEST;
		arm_timer(c, c->srv->cfg->request_ms);
		return;
	}
	if (c->phase == LINGER) {
		gconn_free(c, NULL);
		return;
	}
	/*
	 * A client may send close_notify right after its request (TLS allows
	 * a half-close; gnutls-cli does it): the answer is still wanted.
	 * libevent reports the EOF before the read callback sees the bytes
	 * that came with it, so the request is read here first.
	 */
	if ((what & BEV_EVENT_EOF) && c->phase == REQUEST)
		gconn_read(bev, c);
	if ((what & BEV_EVENT_EOF) && c->phase == WRITING) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if ((e = bufferevent_get_openssl_error(bev)) != 0) {
		char msg[160];

		ERR_error_string_n(e, msg, sizeof(msg));
		snprintf(note, sizeof(note), "TLS error in %s: %s",
		    phase_names[c->phase], msg);
	} else
		snprintf(note, sizeof(note), "closed by client in %s",
		    phase_names[c->phase]);
	gconn_free(c, note);
}

void
gemini_accept(struct server *srv, int fd, const struct sockaddr *peer,
    int local_port)
{
	struct gconn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("gemini: out of memory for a new connection");
		close(fd);
		return;
	}
	srv->nconns++;
	c->srv = srv;
	c->fd = fd;
	c->local_port = local_port;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	log_addr(peer, c->client);
	if ((c->ssl = SSL_new(srv->ssl_ctx)) == NULL ||
	    (c->timer = evtimer_new(srv->base, gconn_timeout, c)) == NULL) {
		gconn_free(c, "out of memory");
		return;
	}
	c->bev = bufferevent_openssl_socket_new(srv->base, fd, c->ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		gconn_free(c, "out of memory");
		return;
	}
	/* Never buffer more than one request line, whatever the client sends. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, LINE_MAX_BYTES + 1);
	bufferevent_setcb(c->bev, gconn_read, gconn_written, gconn_event, c);
	bufferevent_enable(c->bev, EV_READ);
	arm_timer(c, srv->cfg->handshake_ms);
}
