/*
 * worker: one event loop on one thread. Each worker has its own
 * listening sockets (SO_REUSEPORT: the kernel spreads new connections
 * among the workers), its own connections, and its own buffered log
 * lines; what all of them share (the snapshot, the limits, the
 * connection count) lives in the server, behind a lock or an atomic.
 */
#ifndef CAPSULED_WORKER_H
#define CAPSULED_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <event2/event.h>

#include "model/config.h"
#include "proto/evict.h"
#include "proto/refusals.h"

struct server;
struct conn;
struct pending;

#define WORKER_MAX_LISTENERS (4 * CONFIG_MAX_LIST)

/* One listening socket and what arrives on it. */
struct listener {
	struct worker *w;
	int fd;
	int port;      /* the bound port */
	int gemini;    /* 1: Gemini, 0: Gopher */
	int proxied;   /* a PROXY header comes first */
	int deferred;  /* TCP_DEFER_ACCEPT: accepted when the first byte is in */
	struct event *ev;
};

struct worker {
	struct server *srv;
	int id;
	pthread_t thread;
	int started;
	struct event_base *base;
	struct listener listeners[WORKER_MAX_LISTENERS];
	size_t nlisteners;
	struct conn *conns;       /* open connections */
	size_t nconns;
	size_t peak;              /* nconns + npending at most, since a trim */
	struct pending *pending;  /* PROXY headers being read */
	size_t npending;
	/* Pre-request connections and pending ones, oldest first. */
	struct evict_list idle;
	struct refusals refusals; /* turned away this second */
	struct event *refusals_ev; /* ... and the summary line's time */
	struct event *resume;     /* accepting again after EMFILE */
	struct event *flush;      /* the log lines of this turn */
	struct event *trim;       /* memory back to the system when idle */
	struct event *stop_deadline;
	int wake_fd;              /* eventfd: the control thread's knock */
	struct event *wake;
	int stopping;
	atomic_int stop_asked;    /* worker_stop calls so far */
};

/* Sets up w's loop and events (its listeners are already bound). */
int worker_init(struct worker *w, struct server *srv, int id);

/* Runs w's loop on a new thread. */
int worker_start(struct worker *w);

/*
 * Asks w (from any thread) to stop: it closes its listeners and ends
 * once its connections are done, or cuts them after STOP_GRACE_MS; a
 * second call cuts them now.
 */
void worker_stop(struct worker *w);

/* Waits for w's thread and frees what w holds. */
void worker_free(struct worker *w);

/* A connection (or a pending one) of w has begun: counted in w->peak. */
void worker_conn_started(struct worker *w);

/*
 * A connection of w has ended: a stopping worker may now be done, and
 * after a crowd, memory goes back (a trim, a second later).
 */
void worker_conn_ended(struct worker *w);

/*
 * A client accepted on a plain listener: admitted by the limits (making
 * room when the server is full), then handed to its protocol.
 */
void worker_dispatch(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer);

/* A client admitted already (server_admit_client): to its protocol. */
void worker_serve(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, int counted, int slow_down);

/*
 * Over max_connections: closes w's oldest idle pre-request connection to
 * make room. Returns 0 when w has none to close.
 */
int worker_make_room(struct worker *w);

/*
 * Closes fd, turned away for why: logged at once if it is the first in a
 * second, else counted in the next summary line (refusals.h).
 */
void worker_refuse(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, enum refusal why);

#endif
