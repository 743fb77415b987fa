/*
 * state: what every connection of every worker reads and counts, behind
 * one lock and two atomics: the current snapshot and TLS context (each
 * handed out referenced, so a connection keeps what it started with
 * while a reload swaps them), the per-address limits, and the count of
 * open connections against max_connections.
 *
 * The control side (daemon/) sets them; the workers only call the
 * functions below, from any thread.
 */
#ifndef CAPSULED_STATE_H
#define CAPSULED_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include "render/snapshot.h"

struct limits;

struct state {
	pthread_mutex_t lock;          /* guards the three pointers */
	int lock_ready;
	struct snapshot *snap;         /* what new connections are served from */
	SSL_CTX *ssl_ctx;              /* ... and their TLS context */
	struct limits *limits;         /* per client address */
	atomic_size_t nconns;          /* open connections, all workers */
	atomic_int max_connections;    /* the cap on nconns (reload sets it) */
};

/*
 * Seconds the kernel holds a new connection until its first byte comes
 * (TCP_DEFER_ACCEPT); a connection accepted with nothing to read has
 * been silent this long already.
 */
#define STATE_DEFER_ACCEPT_S 1

/* Empty, with limits (taken over; freed by state_free). 0, or -1. */
int state_init(struct state *st, struct limits *limits);
void state_free(struct state *st);

/* The current snapshot / TLS context, referenced (any thread). */
struct snapshot *state_snapshot(struct state *st);
SSL_CTX *state_ssl_ctx(struct state *st);

/*
 * Puts in a new snapshot, TLS context or limits (taken over) and returns
 * the one it replaces, for the caller to drop: unreferenced, freed.
 */
struct snapshot *state_swap_snapshot(struct state *st, struct snapshot *s);
SSL_CTX *state_swap_ssl_ctx(struct state *st, SSL_CTX *ctx);
struct limits *state_swap_limits(struct state *st, struct limits *l);
void state_set_max_connections(struct state *st, int max);
size_t state_open(struct state *st);

enum admit {
	ADMIT_OK,
	ADMIT_FULL,    /* max_connections are open (all workers) */
	ADMIT_ADDRESS, /* max_per_address are open from its address */
};

/*
 * Decides about a new connection before any byte is read: ADMIT_OK to
 * serve it (*counted and *slow_down set); else it must be closed at
 * once, or room made for it (ADMIT_FULL).
 */
enum admit state_admit(struct state *st, const struct sockaddr *peer,
    int *counted, int *slow_down);

/*
 * The same for a connection whose PROXY header is still to come: it
 * counts against max_connections and, under the address that connected
 * (the proxy's), against max_per_address, but is charged no request of
 * the rate (that is its client's, once known). *counted as above.
 */
enum admit state_admit_pending(struct state *st, const struct sockaddr *peer,
    int *counted);

/*
 * Its header read: the connection moves from the proxy's address (from,
 * counted there if from_counted) to its client's (to), whose limits then
 * apply, rate included. Its place in max_connections is kept; on
 * ADMIT_ADDRESS it is given up (the caller closes the connection).
 */
enum admit state_admit_client(struct state *st, const struct sockaddr *from,
    int from_counted, const struct sockaddr *to, int *counted,
    int *slow_down);

/*
 * Whether the server is under pressure: more than PACE_PRESSURE_PERCENT
 * of max_connections open (an atomic read).
 */
int state_pressure(struct state *st);

/*
 * An admitted connection has ended: its place in max_connections back,
 * and peer's under the limits when they counted it (else NULL).
 */
void state_released(struct state *st, const struct sockaddr *peer);

#endif
