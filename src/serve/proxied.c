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
#include "serve/server.h"
#include "render/snapshot.h"
#include "serve/worker.h"

struct pending {
	struct pending *prev, *next; /* the worker's: freed if it stops */
	struct worker *w;
	struct listener *l;
	int fd;
	int counted;        /* in the limits, under the proxy's address */
	union conn_addr peer;
	struct event *ev;
	struct evict_item idle; /* pre-request: may be closed to make room */
	long deadline_ms;   /* for the whole header (conn_clock_ms) */
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

	if (p->prev)
		p->prev->next = p->next;
	else
		w->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	w->npending--;
	evict_remove(&w->idle, &p->idle);
	if (why) {
		struct timespec none = {0, 0};

		if (*why)
			log_access(p->l->gemini ? "gemini" : "gopher",
			    &p->peer.sa, "", 0, 0, 0, &none, why);
		close(p->fd);
		server_conn_closed(w->srv, p->counted ? &p->peer.sa : NULL);
	}
	event_free(p->ev);
	free(p);
	if (why)
		worker_conn_ended(w);
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
	union conn_addr proxy = p->peer, from = p->peer;
	int fd = p->fd, proxy_counted = p->counted, counted, slow;

	if (h->has_addr)
		memcpy(&from, &h->src, sizeof(from));
	pending_end(p, NULL);
	if (server_admit_client(w->srv, &proxy.sa, proxy_counted, &from.sa,
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
	long left = p->deadline_ms - conn_clock_ms();
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
	evict_touch(&p->w->idle, &p->idle, conn_clock_ms());
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

	for (int i = 0; (a = server_admit_pending(w->srv, peer, counted)) ==
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
		server_conn_closed(w->srv, counted ? peer : NULL);
		log_warn("out of memory for a proxied connection");
		return;
	}
	snap = server_snapshot(w->srv);
	ms = snap->cfg.handshake_ms;
	snapshot_unref(snap);
	p->w = w;
	p->l = l;
	p->fd = fd;
	p->counted = counted;
	p->next = w->pending;
	if (w->pending)
		w->pending->prev = p;
	w->pending = p;
	w->npending++;
	worker_conn_started(w);
	memcpy(&p->peer, peer, (size_t)len < sizeof(p->peer) ? (size_t)len
							     : sizeof(p->peer));
	p->idle.close = pending_evicted;
	evict_add(&w->idle, &p->idle, EVICT_WAITING, conn_clock_ms());
	p->deadline_ms = conn_clock_ms() +
	    pace_deadline(ms, server_pressure(w->srv), 0);
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
	evict_add(&w->idle, &p->idle, EVICT_SILENT, conn_clock_ms());
	if (server_pressure(w->srv)) {
		p->deadline_ms = conn_clock_ms() + pace_deadline(ms, 1,
		    SERVER_DEFER_ACCEPT_S * 1000);
		pending_arm(p);
	}
}

void
proxied_close_all(struct worker *w, const char *why)
{
	while (w->pending)
		pending_end(w->pending, why);
}
