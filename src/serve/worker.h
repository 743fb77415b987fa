/*
 * worker: one event loop on one thread. Each worker has its own
 * listening sockets (SO_REUSEPORT: the kernel spreads new connections
 * among the workers), its own connections, and its own buffered log
 * lines; what all of them share (the snapshot, the limits, the
 * connection count) is the state's (state.h), behind a lock or an
 * atomic. Nothing here knows a protocol: a listener carries the
 * functions that take what it accepts.
 */
#ifndef CAPSULED_WORKER_H
#define CAPSULED_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "model/config.h"
#include "proto/evict.h"
#include "proto/refusals.h"
#include "serve/state.h"

struct worker;
struct listener;

#define WORKER_MAX_LISTENERS (4 * CONFIG_MAX_LIST)

/*
 * What takes a socket accepted on l: the PROXY reader (proxied.c) or
 * worker_dispatch, which admits it and hands it to l->serve.
 */
typedef void worker_accept_fn(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, socklen_t len);
/* A protocol's start of an admitted connection (gemini.c, gopher.c). */
typedef void worker_serve_fn(struct worker *w, const struct listener *l,
    int fd, const struct sockaddr *peer, int counted, int slow_down);

/* One listening socket and what arrives on it. */
struct listener {
	struct worker *w;
	int fd;
	int port;      /* the bound port */
	const char *proto; /* "gemini", "gopher": for the log */
	int deferred;  /* TCP_DEFER_ACCEPT: accepted when the first byte is in */
	worker_accept_fn *accept;
	worker_serve_fn *serve;
	struct event *ev;
};

/*
 * One of a worker's open connections (a connection or a PROXY header
 * being read), embedded in its owner's struct: the worker only counts
 * them, and closes them all with close when it stops.
 */
struct worker_member {
	TAILQ_ENTRY(worker_member) link;
	void (*close)(struct worker_member *m, const char *note);
};
TAILQ_HEAD(worker_members, worker_member);

/* What the side that made the workers is told (daemon/). */
struct worker_hooks {
	void (*thread_end)(void); /* on the worker's thread, as it ends */
	void (*done)(void *arg);  /* ... and last: it has ended */
	void *arg;
};

struct worker {
	struct state *st;
	struct worker_hooks hooks;
	int id;
	pthread_t thread;
	int started;
	struct event_base *base;
	struct listener listeners[WORKER_MAX_LISTENERS];
	size_t nlisteners;
	struct worker_members members; /* open connections and pending */
	size_t nopen;
	size_t peak;              /* nopen at most, since a trim */
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

/* Milliseconds of CLOCK_MONOTONIC: every deadline's and the evict list's. */
long worker_clock_ms(void);

/*
 * Adds a listener bound to fd (listening already) to w, before
 * worker_init: -1 when w has WORKER_MAX_LISTENERS.
 */
int worker_listen(struct worker *w, int fd, int port, const char *proto,
    int deferred, worker_accept_fn *accept, worker_serve_fn *serve);

/*
 * Sets up w's loop and events (its listeners are already added), to read
 * st and tell hooks.
 */
int worker_init(struct worker *w, struct state *st, int id,
    const struct worker_hooks *hooks);

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
void worker_join(struct worker *w, struct worker_member *m);
/* ... and is no longer w's (closed, or handed on to a protocol). */
void worker_leave(struct worker *w, struct worker_member *m);

/*
 * A connection of w has ended: a stopping worker may now be done, and
 * after a crowd, memory goes back (a trim, a second later).
 */
void worker_conn_ended(struct worker *w);

/*
 * A client accepted on a plain listener: admitted by the limits (making
 * room when the server is full), then handed to its protocol.
 */
worker_accept_fn worker_dispatch;

/* A client admitted already (state_admit_client): to l->serve. */
void worker_serve(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, int counted, int slow_down);

/* Closes every member of w (stopping), each with note. */
void worker_close_all(struct worker *w, const char *note);

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
