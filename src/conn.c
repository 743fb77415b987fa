/* conn: the bookkeeping and socket work both protocols share. */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "limits.h"
#include "log.h"
#include "server.h"
#include "snapshot.h"
#include "worker.h"

/*
 * The client's last bytes, thrown away until its FIN (or the deadline).
 * closed: the FIN has come (EV_CLOSED), so a short read took the last.
 */
static void
linger_read(struct conn *c, int closed)
{
	char sink[4096];
	ssize_t n;

	do
		n = read(c->fd, sink, sizeof(sink));
	while (n == -1 && errno == EINTR);
	if ((n > 0 && (!closed || (size_t)n == sizeof(sink))) ||
	    (n == -1 && errno == EAGAIN))
		return;
	c->close(c, NULL);
}

/* The socket's one callback: the protocol's, or the linger's. */
static void
conn_io(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->lingering)
		linger_read(c, (what & EV_CLOSED) != 0);
	else
		c->on_io(fd, what, c);
}

void
conn_start(struct conn *c, struct worker *w, const char *proto, int fd,
    const struct sockaddr *peer, int counted, int slow_down,
    event_callback_fn on_io, event_callback_fn on_timeout,
    void (*close)(struct conn *, const char *))
{
	c->w = w;
	c->close = close;
	c->proto = proto;
	c->fd = fd;
	c->counted = counted != 0;
	c->slow_down = slow_down != 0;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	memcpy(&c->peer, peer, peer->sa_family == AF_INET6
	    ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	c->snap = server_snapshot(w->srv);
	c->on_io = on_io;
	/* Assigned, not allocated: the events live in c (see worker.c). */
	event_assign(&c->ev, w->base, fd, 0, conn_io, c);
	evtimer_assign(&c->timer, w->base, on_timeout, c);
	c->io = CONN_IDLE;
	w->nconns++;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
}

void
conn_arm(struct conn *c, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(&c->timer, &tv);
}

void
conn_wait(struct conn *c, enum conn_io io)
{
	if (c->io == io)
		return;
	if (c->io != CONN_IDLE)
		event_del(&c->ev);
	c->io = io;
	if (io == CONN_IDLE)
		return;
	event_assign(&c->ev, c->w->base, c->fd,
	    (io == CONN_READ ? EV_READ | EV_CLOSED : EV_WRITE) | EV_PERSIST,
	    conn_io, c);
	event_add(&c->ev, NULL);
}

long
conn_read(struct conn *c, size_t max)
{
	ssize_t n;

	if (max > sizeof(c->req))
		max = sizeof(c->req);
	if (c->req_len >= max)
		return -2; /* the caller should have stopped reading */
	do
		n = read(c->fd, c->req + c->req_len, max - c->req_len);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		c->req_len += (size_t)n;
		return (long)n;
	}
	if (n == 0)
		return 0;
	return errno == EAGAIN ? -1 : -2;
}

void
conn_answer(struct conn *c, const char *data, size_t len, char *owned)
{
	free(c->owned);
	c->owned = owned;
	c->out = data;
	c->out_len = len;
	c->out_off = 0;
}

int
conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off,
		    c->out_len - c->out_off);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->out_off += (size_t)n;
	}
	free(c->owned);
	c->owned = NULL;
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return 1;
}

static void
elapsed(const struct conn *c, struct timespec *now)
{
	clock_gettime(CLOCK_MONOTONIC, now);
	now->tv_sec -= c->start.tv_sec;
	now->tv_nsec -= c->start.tv_nsec;
	if (now->tv_nsec < 0) {
		now->tv_sec--;
		now->tv_nsec += 1000000000L;
	}
}

void
conn_log(struct conn *c, const char *note)
{
	struct timespec took;

	if (c->logged)
		return;
	c->logged = 1;
	elapsed(c, &took);
	log_access(c->proto, &c->peer.sa, c->req, c->req_len, c->status,
	    c->bytes, &took, note ? note : c->note);
}

void
conn_finish(struct conn *c, enum conn_finish how)
{
	int unread = 1;

	conn_log(c, NULL);
	if (how == CONN_CLOSE_IF_DRAINED &&
	    ioctl(c->fd, FIONREAD, &unread) == -1)
		unread = 1; /* unknown: assume there is */
	if (how == CONN_CLOSE || (how == CONN_CLOSE_IF_DRAINED && !unread)) {
		c->close(c, NULL);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->lingering = 1;
	conn_wait(c, CONN_READ);
	conn_arm(c, CONN_LINGER_MS);
}

void
conn_end(struct conn *c, const char *note)
{
	struct worker *w = c->w;

	conn_log(c, note);
	if (c->fd == -1)
		return;
	if (c->io != CONN_IDLE)
		event_del(&c->ev);
	evtimer_del(&c->timer);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	close(c->fd);
	c->fd = -1;
	free(c->owned);
	c->owned = NULL;
	server_conn_closed(w->srv, c->counted ? &c->peer.sa : NULL);
	snapshot_unref(c->snap);
	c->snap = NULL;
	worker_conn_ended(w);
}

void
conn_close_all(struct worker *w, const char *note)
{
	while (w->conns)
		w->conns->close(w->conns, note);
}
