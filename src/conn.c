/* conn: the bookkeeping both protocols share. */
#include "conn.h"

#include <event2/buffer.h>

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "limits.h"
#include "log.h"
#include "server.h"
#include "snapshot.h"

int
conn_start(struct conn *c, struct server *srv, const char *proto, int fd,
    const struct sockaddr *peer, event_callback_fn on_timeout,
    void (*close)(struct conn *, const char *))
{
	c->srv = srv;
	c->close = close;
	c->proto = proto;
	c->fd = fd;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	log_addr(peer, c->client);
	if (peer->sa_family == AF_INET6)
		memcpy(&c->peer, peer, sizeof(struct sockaddr_in6));
	else
		memcpy(&c->peer, peer, sizeof(struct sockaddr_in));
	if ((c->timer = evtimer_new(srv->base, on_timeout, c)) == NULL)
		return -1;
	srv->nconns++;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	return 0;
}

void
conn_arm(struct conn *c, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(c->timer, &tv);
}

void
conn_request(struct conn *c, const char *p, size_t n)
{
	if (n > sizeof(c->req))
		n = sizeof(c->req);
	memcpy(c->req, p, n);
	c->req_len = n;
}

struct snapshot *
conn_snapshot(struct conn *c)
{
	if (c->snap == NULL)
		c->snap = snapshot_ref(c->srv->snap);
	return c->snap;
}

static double
elapsed_ms(const struct conn *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - c->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - c->start.tv_nsec) / 1e6;
}

void
conn_log(struct conn *c, const char *note)
{
	if (c->logged)
		return;
	c->logged = 1;
	log_access(c->proto, c->client, c->req, c->req_len, c->status,
	    c->bytes, elapsed_ms(c), note);
}

void
conn_linger(struct conn *c)
{
	conn_log(c, NULL);
	shutdown(c->fd, SHUT_WR);
	bufferevent_disable(c->bev, EV_WRITE);
	bufferevent_enable(c->bev, EV_READ);
	conn_arm(c, CONN_LINGER_MS);
}

size_t
conn_unread(struct conn *c)
{
	int n = 0;

	if (ioctl(c->fd, FIONREAD, &n) == -1)
		n = 1; /* unknown: assume there is */
	return (size_t)n + evbuffer_get_length(bufferevent_get_input(c->bev));
}

void
conn_end(struct conn *c, const char *note)
{
	conn_log(c, note);
	if (c->timer) {
		event_free(c->timer);
		c->timer = NULL;
		if (c->prev)
			c->prev->next = c->next;
		else
			c->srv->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		c->srv->nconns--;
		if (c->counted)
			limits_release(c->srv->limits,
			    (struct sockaddr *)&c->peer);
		server_conn_ended(c->srv);
	}
	if (c->bev)
		bufferevent_free(c->bev); /* closes the socket (and frees TLS) */
	else if (c->fd != -1)
		close(c->fd);
	c->bev = NULL;
	c->fd = -1;
	snapshot_unref(c->snap);
	c->snap = NULL;
}

void
conn_close_all(struct server *srv, const char *note)
{
	while (srv->conns)
		srv->conns->close(srv->conns, note);
}
