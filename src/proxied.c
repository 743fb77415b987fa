/*
 * proxied: reading the PROXY header byte-exact, so that what follows (a
 * TLS ClientHello, a selector) is left in the socket for the protocol.
 * Until the header is whole, every byte that came is header, so it can
 * be taken; once it is whole, exactly its rest.
 */
#include "proxied.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "proxy.h"
#include "server.h"
#include "snapshot.h"
#include "worker.h"

struct pending {
	struct pending *prev, *next; /* the worker's: freed if it stops */
	struct worker *w;
	struct listener *l;
	int fd;
	union conn_addr peer;
	struct event *ev;
	unsigned char got[PROXY_MAX];
	size_t len;
};

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
	if (why) {
		struct timespec none = {0, 0};

		log_access(p->l->gemini ? "gemini" : "gopher", &p->peer.sa, "",
		    0, 0, 0, &none, why);
		close(p->fd);
	}
	event_free(p->ev);
	free(p);
	if (why)
		worker_conn_ended(w);
}

static void
pending_read(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	unsigned char all[PROXY_MAX];
	struct proxy_header h;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		pending_end(p, "timeout in PROXY header");
		return;
	}
	n = recv(fd, all + p->len, sizeof(all) - p->len, MSG_PEEK);
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		pending_end(p, "closed before the PROXY header");
		return;
	}
	memcpy(all, p->got, p->len);
	switch (proxy_parse(all, p->len + (size_t)n, &h)) {
	case PROXY_BAD:
		pending_end(p, "bad PROXY header");
		return;
	case PROXY_INCOMPLETE:
		if (p->len + (size_t)n == sizeof(all) ||
		    recv(fd, p->got + p->len, (size_t)n, 0) != n) {
			pending_end(p, "bad PROXY header");
			return;
		}
		p->len += (size_t)n;
		return;
	case PROXY_OK:
		break;
	}
	if (recv(fd, all, h.consumed - p->len, 0) != (ssize_t)(h.consumed -
	    p->len)) {
		pending_end(p, "bad PROXY header");
		return;
	}
	{
		/* No longer pending when admitted: it is not counted twice. */
		struct worker *w = p->w;
		struct listener *l = p->l;
		union conn_addr from;

		if (h.has_addr)
			memcpy(&from, &h.src, sizeof(from));
		else
			from = p->peer;
		pending_end(p, NULL);
		worker_dispatch(w, l, fd, &from.sa);
	}
}

void
proxied_start(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, socklen_t len)
{
	struct snapshot *snap = server_snapshot(w->srv);
	int ms = snap->cfg.handshake_ms;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	struct pending *p = calloc(1, sizeof(*p));

	snapshot_unref(snap);
	if (p == NULL || (p->ev = event_new(w->base, fd, EV_READ | EV_PERSIST,
	    pending_read, p)) == NULL) {
		free(p);
		close(fd);
		log_warn("out of memory for a proxied connection");
		return;
	}
	p->w = w;
	p->l = l;
	p->fd = fd;
	p->next = w->pending;
	if (w->pending)
		w->pending->prev = p;
	w->pending = p;
	w->npending++;
	memcpy(&p->peer, peer, (size_t)len < sizeof(p->peer) ? (size_t)len
							     : sizeof(p->peer));
	event_add(p->ev, &tv);
}

void
proxied_close_all(struct worker *w, const char *why)
{
	while (w->pending)
		pending_end(w->pending, why);
}
