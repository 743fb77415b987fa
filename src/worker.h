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

#include "config.h"

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
	struct pending *pending;  /* PROXY headers being read */
	size_t npending;
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

/* A connection of w has ended: a stopping worker may now be done. */
void worker_conn_ended(struct worker *w);

/*
 * A client with its address settled (after the PROXY header, if any):
 * admitted by the limits, then handed to its protocol.
 */
void worker_dispatch(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer);

#endif
