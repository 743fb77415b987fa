/*
 * server: the event loop, the listening sockets, signals and the current
 * snapshot. Connections of each protocol live in their own module.
 */
#ifndef CAPSULED_SERVER_H
#define CAPSULED_SERVER_H

#include <stddef.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "config.h"
#include "diag.h"
#include "snapshot.h"

struct server {
	struct event_base *base;
	struct config *cfg;
	SSL_CTX *ssl_ctx;
	struct snapshot *snap;         /* what new requests are served from */
	struct evconnlistener *listeners[4 * CONFIG_MAX_LIST];
	size_t nlisteners;
	int gemini_port;               /* the bound ports (port 0 resolved) */
	int gopher_port;
	struct event *sig_hup, *sig_term, *sig_int, *sig_usr1, *resume;
	size_t nconns;                 /* open connections */
	struct conn *conns;            /* ... all of them, to end on stop */
	struct pending *pending;       /* PROXY headers being read */
	size_t npending;
	int stopping;                  /* SIGTERM seen: no new connections */
	struct event *stop_deadline;
	struct limits *limits;         /* per client address */
	/* Reads the configuration again (SIGHUP); NULL: no reread. */
	int (*reread)(struct config *out, struct diags *d);
};

struct conn;

/*
 * Binds every listen address for each protocol (IPv6 ones IPv6-only, so
 * each family is bound explicitly). With port 0 the first bind picks the
 * port and the others reuse it. Prints "listening PROTO ADDR PORT" for
 * each.
 */
int server_listen(struct server *srv, struct diags *d);

/* What Gopher menus name: the public host and port, and the width. */
struct gopher_opts;
void server_gopher_opts(const struct server *srv, struct gopher_opts *go);

/* Loads the content tree into a new snapshot (NULL on a fatal problem). */
struct snapshot *server_load(struct server *srv, struct diags *d);

/* Serves until SIGTERM or SIGINT; SIGHUP reloads the content. */
int server_run(struct server *srv);

/*
 * Decides about a new connection before any byte is read: 1 to serve it
 * (c->counted and c->slow_down set), 0 when it was closed at once (over
 * the total cap, or too many open from its address) and logged.
 */
struct conn;
struct pending;
int server_admit(struct server *srv, int fd, const struct sockaddr *peer,
    const char *proto, int *counted, int *slow_down);

/* A connection has ended: a stopping server may now be done. */
void server_conn_ended(struct server *srv);

void server_free(struct server *srv);

#endif
