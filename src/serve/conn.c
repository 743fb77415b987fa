/* conn: the bookkeeping and socket work both protocols share. */
#include "serve/conn.h"

#include <errno.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "proto/limits.h"
#include "serve/log.h"
#include "serve/state.h"
#include "render/snapshot.h"
#include "serve/worker.h"

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

/* worker_member.close: c is the member's container; its protocol ends it. */
static void
conn_closed_by_worker(struct worker_member *m, const char *note)
{
	struct conn *c = (struct conn *)((char *)m -
	    offsetof(struct conn, member));

	c->close(c, note);
}

/* evict_item.close: c is the item's container. */
static void
conn_evicted(struct evict_item *it)
{
	struct conn *c = (struct conn *)((char *)it -
	    offsetof(struct conn, idle));

	conn_evict(c);
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
	c->snap = state_snapshot(w->st);
	c->on_io = on_io;
	/* Assigned, not allocated: the events live in c (see worker.c). */
	event_assign(&c->ev, w->base, fd, 0, conn_io, c);
	evtimer_assign(&c->timer, w->base, on_timeout, c);
	c->io = CONN_IDLE;
	c->member.close = conn_closed_by_worker;
	worker_join(w, &c->member);
	c->idle.close = conn_evicted;
	evict_add(&w->idle, &c->idle, EVICT_WAITING, worker_clock_ms());
}

void
conn_arm(struct conn *c, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(&c->timer, &tv);
}

void
conn_arm_pre(struct conn *c, int configured_ms, int waited_ms)
{
	conn_arm(c, pace_deadline(configured_ms, state_pressure(c->w->st),
	    waited_ms));
}

void
conn_silent(struct conn *c, int configured_ms)
{
	if (!c->deferred || !c->idle.listed)
		return;
	evict_remove(&c->w->idle, &c->idle);
	evict_add(&c->w->idle, &c->idle, EVICT_SILENT, worker_clock_ms());
	if (state_pressure(c->w->st))
		conn_arm_pre(c, configured_ms, STATE_DEFER_ACCEPT_S * 1000);
}

void
conn_touch(struct conn *c)
{
	evict_touch(&c->w->idle, &c->idle, worker_clock_ms());
}

void
conn_request_begun(struct conn *c)
{
	evict_remove(&c->w->idle, &c->idle);
}

void
conn_evict(struct conn *c)
{
	c->logged = 1; /* counted in the worker's summary line instead */
	c->close(c, NULL);
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
conn_keep_rest(struct conn *c)
{
	size_t rest = c->out_len - c->out_off;
	char *p;

	if (rest == 0 || (p = malloc(rest)) == NULL)
		return rest == 0 ? 0 : -1;
	memcpy(p, c->out + c->out_off, rest);
	free(c->owned);
	c->owned = p;
	c->out = p;
	c->out_len = rest;
	c->out_off = 0;
	return 0;
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
			if (errno != EAGAIN)
				return -1;
			if (c->owned != NULL && c->out_off > 0)
				(void)conn_keep_rest(c); /* else all is kept */
			return 0;
		}
		c->out_off += (size_t)n;
		/*
		 * Progress, for the write deadline: a time stamp here, and
		 * the timer looks at it when it fires, rather than a timer
		 * re-armed on every write.
		 */
		if (c->writing) {
			c->wrote += (size_t)n;
			c->pace.progress_ms = worker_clock_ms();
		}
	}
	free(c->owned);
	c->owned = NULL;
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return 1;
}

void
conn_write_begin(struct conn *c, size_t length)
{
	int ms = c->snap->cfg.write_ms;

	conn_request_begun(c);
	c->writing = 1;
	c->length = length;
	c->wrote = 0;
	pace_start(&c->pace, worker_clock_ms());
	/* Answers written in less than this never see the timer fire. */
	conn_arm(c, (int)pace_interval(ms));
}

void
conn_write_done(struct conn *c)
{
	c->complete = 1;
	c->bytes = c->length;
}

/* Bytes the socket took that are still in the kernel, unacknowledged. */
static size_t
unacked(const struct conn *c)
{
	int q;

	if (ioctl(c->fd, SIOCOUTQ, &q) == -1 || q < 0)
		return 0;
	return (size_t)q;
}

/* Of what the socket took for the answer, what the client acknowledged. */
static size_t
acked(const struct conn *c)
{
	size_t q = unacked(c);

	return c->wrote > q ? c->wrote - q : 0;
}

const char *
conn_write_due(struct conn *c)
{
	int ms = c->snap->cfg.write_ms;
	long next;

	if (c->complete)
		return "linger over"; /* logged already: the linger's end */
	switch (pace_check(&c->pace, worker_clock_ms(), acked(c), ms, &next)) {
	case PACE_GOING:
		conn_arm(c, (int)next);
		return NULL;
	case PACE_IDLE:
		return "timeout in write";
	case PACE_SLOW:
		break;
	}
	return "too slow in write (under 1 KB/s)";
}

/* A queue this big tells its data to memory ratio (conn_room). */
#define ROOM_RATIO_MIN 16384

size_t
conn_room(struct conn *c)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);
	size_t sndbuf, queued, room, q;

	if (getsockopt(c->fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == -1 ||
	    len < sizeof(mi))
		return CONN_ROOM_UNKNOWN;
	sndbuf = mi[SK_MEMINFO_SNDBUF];
	queued = mi[SK_MEMINFO_WMEM_QUEUED];
	if (queued >= sndbuf)
		return 0;
	room = sndbuf - queued;
	/*
	 * The kernel counts a buffer's memory, not its data: with a small
	 * window from the client each segment is a buffer of its own, and
	 * half of the memory is overhead. The queue's own ratio of data to
	 * memory says how much data the free memory holds; a queue of a
	 * few segments (the handshake's last, not yet acknowledged) says
	 * little, and asking costs a system call more: then the worst seen,
	 * 42 % (a 536-byte MSS and a 2 KB window), so two fifths.
	 */
	if (queued < ROOM_RATIO_MIN || (q = unacked(c)) == 0)
		return room / 5 * 2;
	return (size_t)((double)room * (double)q / (double)queued);
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

/*
 * The answer was cut: what the client had (the kernel's count of what it
 * acknowledged), why, and a reset, so the client sees an error where a
 * FIN would have looked like the end of a whole answer.
 */
static void
cut(struct conn *c, const char *why)
{
	struct linger now = {1, 0};
	char note[160];
	size_t got = acked(c);

	c->bytes = c->plain ? c->plain(c, got) : got;
	if (c->bytes > c->length)
		c->bytes = c->length;
	snprintf(note, sizeof(note), "%s: cut after %zu of %zu bytes",
	    why ? why : c->note ? c->note : "closed", c->bytes, c->length);
	conn_log(c, note);
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now));
}

void
conn_end(struct conn *c, const char *note)
{
	struct worker *w = c->w;

	if (c->fd != -1 && c->writing && !c->complete && !c->logged)
		cut(c, note);
	conn_log(c, note);
	if (c->fd == -1)
		return;
	evict_remove(&w->idle, &c->idle);
	if (c->io != CONN_IDLE)
		event_del(&c->ev);
	evtimer_del(&c->timer);
	worker_leave(w, &c->member);
	close(c->fd);
	c->fd = -1;
	free(c->owned);
	c->owned = NULL;
	state_released(w->st, c->counted ? &c->peer.sa : NULL);
	snapshot_unref(c->snap);
	c->snap = NULL;
	worker_conn_ended(w);
}
