/*
 * proxied: reading the PROXY header byte-exact, so that what follows (a
 * TLS ClientHello, a selector) is left in the socket for the protocol.
 * Until the header is whole, every byte that came is header, so it can
 * be taken; once it is whole, exactly its rest.
 *
 * A connection waiting for its header holds a slot like any other: it
 * counts against max_connections and, under the address that connected
 * (the proxy's, or whoever connects to a proxy_listen address), against
 * max_per_address; it is a pre-request connection, closed first when the
 * server is full and shown the shorter deadline under pressure. Once the
 * header is read its place in the per-address count moves to the client
 * the header names.
 */
#include "serve/proxied.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve/conn.h"
#include "serve/log.h"
#include "proto/pace.h"
#include "proto/proxy.h"
#include "serve/state.h"
#include "render/snapshot.h"
#include "serve/worker.h"

struct pending {
	struct worker_member member; /* the worker's: freed if it stops */
	struct worker *w;
	struct listener *l;
	int fd;
	int counted;        /* in the limits, under the proxy's address */
	union addr_any peer;
	struct event *ev;
	struct evict_item idle; /* pre-request: may be closed to make room */
	long deadline_ms;   /* for the whole header (worker_clock_ms) */
	unsigned char got[PROXY_MAX];
	size_t len;
};

/*
 * Ends p. With why, p's connection is closed and its places (in
 * max_connections and under the proxy's address) are given back ("":
 * evicted, counted in the worker's summary rather than logged); without,
 * the connection goes on to its protocol, and its places with it.
 */
static void
pending_end(struct pending *p, const char *why)
{
	struct worker *w = p->w;

	worker_leave(w, &p->member);
	evict_remove(&w->idle, &p->idle);
	if (why) {
		struct timespec none = {0, 0};

		if (*why)
			log_access(p->l->proto,
			    &p->peer.sa, "", 0, 0, 0, &none, why);
		close(p->fd);
		state_released(w->st, p->counted ? &p->peer.sa : NULL);
	}
	event_free(p->ev);
	free(p);
	if (why)
		worker_conn_ended(w);
}

/* worker_member.close: the worker is stopping. */
static void
pending_closed_by_worker(struct worker_member *m, const char *note)
{
	pending_end((struct pending *)((char *)m -
	    offsetof(struct pending, member)), note);
}

static void
pending_evicted(struct evict_item *it)
{
	pending_end((struct pending *)((char *)it -
	    offsetof(struct pending, idle)), "");
}

/* The header is whole: the connection is its client's from now on. */
static void
header_read(struct pending *p, const struct proxy_header *h)
{
	struct worker *w = p->w;
	struct listener *l = p->l;
	union addr_any proxy = p->peer, from = p->peer;
	int fd = p->fd, proxy_counted = p->counted, counted, slow;

	if (h->has_addr)
		memcpy(&from, &h->src, sizeof(from));
	pending_end(p, NULL);
	if (state_admit_client(w->st, &proxy.sa, proxy_counted, &from.sa,
	    &counted, &slow) != ADMIT_OK) {
		worker_refuse(w, l, fd, &from.sa, REFUSED_ADDRESS);
		worker_conn_ended(w);
		return;
	}
	worker_serve(w, l, fd, &from.sa, counted, slow);
}

/* Arms p's deadline: what is left of the one it got at accept. */
static void
pending_arm(struct pending *p)
{
	long left = p->deadline_ms - worker_clock_ms();
	struct timeval tv;

	if (left < 1)
		left = 1;
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	event_add(p->ev, &tv);
}

/*
 * Reads what has come of the header. Returns -1 when nothing had (p
 * waits), 0 otherwise (p may be gone: ended, or handed on).
 */
static int
pending_take(struct pending *p)
{
	unsigned char all[PROXY_MAX];
	struct proxy_header h;
	int fd = p->fd;
	ssize_t n;

	n = recv(fd, all + p->len, sizeof(all) - p->len, MSG_PEEK);
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return -1;
		pending_end(p, "closed before the PROXY header");
		return 0;
	}
	evict_touch(&p->w->idle, &p->idle, worker_clock_ms());
	memcpy(all, p->got, p->len);
	switch (proxy_parse(all, p->len + (size_t)n, &h)) {
	case PROXY_BAD:
		pending_end(p, "bad PROXY header");
		return 0;
	case PROXY_INCOMPLETE:
		if (p->len + (size_t)n == sizeof(all) ||
		    recv(fd, p->got + p->len, (size_t)n, 0) != n) {
			pending_end(p, "bad PROXY header");
			return 0;
		}
		p->len += (size_t)n;
		/* One deadline for the whole header, however it trickles
		 * (EV_PERSIST would start the timeout afresh). */
		pending_arm(p);
		return 0;
	case PROXY_OK:
		break;
	}
	if (recv(fd, all, h.consumed - p->len, 0) != (ssize_t)(h.consumed -
	    p->len)) {
		pending_end(p, "bad PROXY header");
		return 0;
	}
	header_read(p, &h);
	return 0;
}

static void
pending_read(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;

	if (what & EV_TIMEOUT)
		pending_end(p, "timeout in PROXY header");
	else
		pending_take(p);
}

/* Admitted (making room when the server is full), or turned away. */
static int
admit(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, int *counted)
{
	enum admit a;

	for (int i = 0; (a = state_admit_pending(w->st, peer, counted)) ==
	    ADMIT_FULL && i < 4 && worker_make_room(w); i++)
		;
	if (a == ADMIT_OK)
		return 1;
	worker_refuse(w, l, fd, peer, a == ADMIT_FULL ? REFUSED_FULL
						      : REFUSED_ADDRESS);
	return 0;
}

void
proxied_start(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, socklen_t len)
{
	struct snapshot *snap;
	struct pending *p;
	int counted, ms;

	if (!admit(w, l, fd, peer, &counted))
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->ev = event_new(w->base, fd, EV_READ | EV_PERSIST, pending_read,
	    p)) == NULL) {
		free(p);
		close(fd);
		state_released(w->st, counted ? peer : NULL);
		log_warn("out of memory for a proxied connection");
		return;
	}
	snap = state_snapshot(w->st);
	ms = snap->cfg.handshake_ms;
	snapshot_unref(snap);
	p->w = w;
	p->l = l;
	p->fd = fd;
	p->counted = counted;
	p->member.close = pending_closed_by_worker;
	worker_join(w, &p->member);
	memcpy(&p->peer, peer, (size_t)len < sizeof(p->peer) ? (size_t)len
							     : sizeof(p->peer));
	p->idle.close = pending_evicted;
	evict_add(&w->idle, &p->idle, EVICT_WAITING, worker_clock_ms());
	p->deadline_ms = worker_clock_ms() +
	    pace_deadline(ms, state_pressure(w->st), 0);
	pending_arm(p);
	/*
	 * With TCP_DEFER_ACCEPT the header came with the connection: read
	 * it now. One that came with nothing was silent in the kernel for a
	 * second already: the first to go, and under pressure that second
	 * counts against its deadline.
	 */
	if (!l->deferred || pending_take(p) == 0)
		return;
	evict_remove(&w->idle, &p->idle);
	evict_add(&w->idle, &p->idle, EVICT_SILENT, worker_clock_ms());
	if (state_pressure(w->st)) {
		p->deadline_ms = worker_clock_ms() + pace_deadline(ms, 1,
		    STATE_DEFER_ACCEPT_S * 1000);
		pending_arm(p);
	}
}
