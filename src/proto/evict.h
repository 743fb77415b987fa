/*
 * evict: a worker's pre-request connections, oldest first, so that a
 * full server can close the one that has waited longest without saying
 * anything (pure: an intrusive list; the caller passes the clock).
 *
 * Pre-request means no request byte yet: silent, or a TLS handshake not
 * finished, or a PROXY header not read whole. Two queues:
 *  - silent: accepted with nothing to read on a TCP_DEFER_ACCEPT
 *    listener, so the kernel already held it for a second of silence;
 *    any of them may go, the oldest first;
 *  - waiting: it has sent something (part of a ClientHello, of a PROXY
 *    header); it may go once it has been idle EVICT_MIN_IDLE_MS, so a
 *    handshake that is moving is never cut to make room for another.
 */
#ifndef CAPSULED_EVICT_H
#define CAPSULED_EVICT_H

#include <stddef.h>

/* A round trip on a slow link, and then some. */
#define EVICT_MIN_IDLE_MS 1000

enum evict_queue { EVICT_SILENT, EVICT_WAITING };

/* Embedded in what can be evicted (struct conn, a PROXY-pending one). */
struct evict_item {
	struct evict_item *prev, *next;
	long since_ms;           /* its last byte, or its accept */
	unsigned char queue;     /* enum evict_queue */
	unsigned char listed;
	/* Closes what it is embedded in, to make room (set by its owner). */
	void (*close)(struct evict_item *it);
};

struct evict_list {
	struct evict_item *head[2], *tail[2];
	size_t n[2];
};

/* Appends it (not listed) to the queue, as of now_ms. */
void evict_add(struct evict_list *l, struct evict_item *it,
    enum evict_queue q, long now_ms);

/* It has sent a byte at now_ms: the newest of the waiting ones. */
void evict_touch(struct evict_list *l, struct evict_item *it, long now_ms);

/* Takes it off the list (no-op when it is not listed). */
void evict_remove(struct evict_list *l, struct evict_item *it);

/* The one to close now to make room, or NULL (not taken off the list). */
struct evict_item *evict_pick(const struct evict_list *l, long now_ms);

/* How many are listed. */
size_t evict_count(const struct evict_list *l);

#endif
