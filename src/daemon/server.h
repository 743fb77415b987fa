/*
 * server: the process's serving side, owned by the control thread.
 *
 * The main thread binds the listening sockets (listen.c: one set per
 * worker), then becomes the control thread (control.c), which has the
 * content loaded on the loader thread, starts the workers (serve/worker.c:
 * one event loop per thread), and then waits for signals. What the
 * workers share is the state (serve/state.h): the current snapshot and
 * TLS context, swapped under its lock by a reload, the limits and the
 * connection count. Nothing below daemon/ knows this struct.
 */
#ifndef CAPSULED_SERVER_H
#define CAPSULED_SERVER_H

#include <stdatomic.h>
#include <stddef.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "base/diag.h"
#include "model/config.h"
#include "render/snapshot.h"
#include "serve/state.h"

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
	struct state st;               /* what the workers read */
	/* Reads the configuration again (SIGHUP); NULL: no reread. */
	int (*reread)(struct config *out, struct diags *d);
};

/*
 * Ready to listen: cfg (the control thread's settings from now on),
 * reread (reads the configuration again on SIGHUP; NULL: no reread) and
 * the ports asked for.
 */
void server_init(struct server *srv, struct config *cfg,
    int (*reread)(struct config *out, struct diags *d));

/*
 * Makes the control thread's event loop, takes ctx (the TLS context,
 * for the state), then binds every listen address for each protocol,
 * once per worker (SO_REUSEPORT; IPv6 ones IPv6-only, so each family is
 * bound explicitly). With port 0 the first bind picks the port and the others
 * reuse it. Prints "listening PROTO ADDR PORT" for each address.
 */
int server_listen(struct server *srv, SSL_CTX *ctx, struct diags *d);

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

void server_free(struct server *srv);

#endif
