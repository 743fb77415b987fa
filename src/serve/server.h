/*
 * server: what every worker shares, and the control thread that owns it.
 *
 * The main thread binds the listening sockets (one set per worker), then
 * becomes the control thread (control.c), which has the content loaded
 * on the loader thread, starts the workers (worker.c: one event loop per
 * thread), and then waits for signals. Workers read the shared state
 * through the functions below; the current snapshot and TLS context are
 * swapped under a lock and reference-counted, so a connection keeps what
 * it started with.
 */
#ifndef CAPSULED_SERVER_H
#define CAPSULED_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "model/config.h"
#include "base/diag.h"
#include "render/snapshot.h"

struct reloader;
struct worker;

struct server {
	struct config *cfg;            /* the control thread's settings */
	struct event_base *base;       /* the control thread's loop */
	int gemini_port;               /* the bound ports (port 0 resolved) */
	int gopher_port;
	struct worker *workers;
	size_t nworkers;
	size_t running;                /* workers not yet finished */
	int done_fd;                   /* eventfd: a worker has finished */
	struct event *done;
	int ready_fd;                  /* eventfd: the first load is over */
	struct event *ready;
	struct event *sig_ev;          /* signals.c's eventfd */
	int stopping;                  /* the control thread's: SIGTERM came */
	int rc;                        /* control_run's result */
	size_t fd_reserve;             /* descriptors kept from connections */
	struct reloader *reloader;     /* the loader thread */
	int loaded;                    /* the loader thread's: first load done */
	atomic_int abandon;            /* a load under way gives up: stopping */
	/* Read by the workers; lock guards the three pointers. */
	pthread_mutex_t lock;
	int lock_ready;
	struct snapshot *snap;         /* what new connections are served from */
	SSL_CTX *ssl_ctx;              /* ... and their TLS context */
	struct limits *limits;         /* per client address */
	atomic_size_t nconns;          /* open connections, all workers */
	atomic_int max_connections;    /* the cap on nconns (reload sets it) */
	/* Reads the configuration again (SIGHUP); NULL: no reread. */
	int (*reread)(struct config *out, struct diags *d);
};

/*
 * Binds every listen address for each protocol, once per worker
 * (SO_REUSEPORT; IPv6 ones IPv6-only, so each family is bound
 * explicitly). With port 0 the first bind picks the port and the others
 * reuse it. Prints "listening PROTO ADDR PORT" for each address.
 */
int server_listen(struct server *srv, struct diags *d);

/*
 * Loads the content tree into a new snapshot (NULL on a fatal problem,
 * or when abandon was set meanwhile).
 */
struct snapshot *server_load(struct server *srv, struct diags *d);

/*
 * max_connections as wanted, or lowered to what the descriptor limit
 * leaves once fd_reserve is kept (saying so in the log, prefixed with
 * when); 0 when nothing is left.
 */
int server_connection_cap(const struct server *srv, int wanted,
    const char *when);

/* The current snapshot, referenced (any thread). */
struct snapshot *server_snapshot(struct server *srv);

/* The current TLS context, referenced (any thread). */
SSL_CTX *server_ssl_ctx(struct server *srv);

/*
 * Seconds the kernel holds a new connection until its first byte comes
 * (TCP_DEFER_ACCEPT); a connection accepted with nothing to read has
 * been silent this long already.
 */
#define SERVER_DEFER_ACCEPT_S 1

enum admit {
	ADMIT_OK,
	ADMIT_FULL,    /* max_connections are open (all workers) */
	ADMIT_ADDRESS, /* max_per_address are open from its address */
};

/*
 * Decides about a new connection before any byte is read (any thread):
 * ADMIT_OK to serve it (*counted and *slow_down set); else it must be
 * closed at once, or room made for it (ADMIT_FULL).
 */
enum admit server_admit(struct server *srv, const struct sockaddr *peer,
    int *counted, int *slow_down);

/*
 * The same for a connection whose PROXY header is still to come: it
 * counts against max_connections and, under the address that connected
 * (the proxy's), against max_per_address, but is charged no request of
 * the rate (that is its client's, once known). *counted as above.
 */
enum admit server_admit_pending(struct server *srv, const struct sockaddr *peer,
    int *counted);

/*
 * Its header read: the connection moves from the proxy's address (from,
 * counted there if from_counted) to its client's (to), whose limits then
 * apply, rate included. Its place in max_connections is kept; on
 * ADMIT_ADDRESS it is given up (the caller closes the connection).
 */
enum admit server_admit_client(struct server *srv, const struct sockaddr *from,
    int from_counted, const struct sockaddr *to, int *counted,
    int *slow_down);

/*
 * Whether the server is under pressure: more than PACE_PRESSURE_PERCENT
 * of max_connections open (any thread; an atomic read).
 */
int server_pressure(struct server *srv);

/*
 * A connection admitted by server_admit has ended (any thread); peer,
 * when the limits counted it, to release its place.
 */
void server_conn_closed(struct server *srv, const struct sockaddr *peer);

/* A worker's thread is about to end (called from it). */
void server_worker_done(struct server *srv);

void server_free(struct server *srv);

#endif
