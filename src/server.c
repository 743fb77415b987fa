/* server: listeners, accept, signals, reload. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "content.h"
#include "gemini.h"
#include "gopher.h"
#include "limits.h"
#include "proxy.h"
#include "log.h"
#include "tls.h"

#define BACKLOG 1024
#define ACCEPT_PAUSE_MS 100
#define STOP_GRACE_MS 10000 /* answers in flight get this long on SIGTERM */

struct listen_ctx {
	struct server *srv;
	int port;
};

static int
local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Over the total cap a connection is accepted and closed at once, so it
 * neither waits in the backlog nor costs a handshake; so is one more from
 * an address that already holds its share.
 */
int
server_admit(struct server *srv, int fd, const struct sockaddr *peer,
    const char *proto, int *counted, int *slow_down)
{
	const struct config *cfg = srv->cfg;
	const char *why = NULL;
	char client[64];

	*counted = *slow_down = 0;
	if (srv->nconns + srv->npending >= (size_t)cfg->max_connections)
		why = "over the connection cap: closed";
	else {
		switch (limits_admit(srv->limits, peer, now_seconds())) {
		case LIMIT_OK:
			*counted = 1;
			return 1;
		case LIMIT_RATE:
			*slow_down = 1; /* answered 44 / an error item */
			return 1;
		case LIMIT_CONCURRENT:
			why = "too many connections from this address: closed";
			break;
		}
	}
	log_addr(peer, client);
	log_access(proto, client, "", 0, 0, 0, 0, why);
	close(fd);
	return 0;
}

/* A client with its address settled: admitted, then the protocol's own. */
static void
dispatch(struct server *srv, int fd, const struct sockaddr *peer, int gemini)
{
	int counted, slow;

	if (!server_admit(srv, fd, peer, gemini ? "gemini" : "gopher",
		&counted, &slow))
		return;
	if (gemini)
		gemini_accept(srv, fd, peer, local_port(fd), counted, slow);
	else
		gopher_accept(srv, fd, peer, counted, slow);
}

static void
gemini_accepted(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *peer, int len, void *arg)
{
	dispatch(arg, fd, peer, 1);
}

static void
gopher_accepted(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *peer, int len, void *arg)
{
	dispatch(arg, fd, peer, 0);
}

/*
 * A connection from a proxy: its PROXY header is read first, byte-exact,
 * so that what follows (a TLS ClientHello, a selector) is left in the
 * socket for the protocol. Until the header is whole, every byte that
 * came is header, so it can be taken; once it is whole, exactly its rest.
 */
struct pending {
	struct pending *prev, *next; /* srv->pending: freed if we stop */
	struct server *srv;
	int fd, gemini;
	struct sockaddr_storage peer;
	struct event *ev;
	unsigned char got[PROXY_MAX];
	size_t len;
};

static void
pending_end(struct pending *p, const char *why)
{
	char client[64];

	if (p->prev)
		p->prev->next = p->next;
	else
		p->srv->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->srv->npending--;

	if (why) {
		log_addr((struct sockaddr *)&p->peer, client);
		log_access(p->gemini ? "gemini" : "gopher", client, "", 0, 0, 0,
		    0, why);
		close(p->fd);
	}
	event_free(p->ev);
	free(p);
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
		struct server *srv = p->srv;
		struct sockaddr_storage from = h.has_addr ? h.src : p->peer;
		int gemini = p->gemini;

		pending_end(p, NULL);
		dispatch(srv, fd, (struct sockaddr *)&from, gemini);
	}
}

static void
proxied(struct server *srv, int fd, const struct sockaddr *peer, int len,
    int gemini)
{
	struct timeval tv = {srv->cfg->handshake_ms / 1000,
	    (srv->cfg->handshake_ms % 1000) * 1000};
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL || (p->ev = event_new(srv->base, fd,
	    EV_READ | EV_PERSIST, pending_read, p)) == NULL) {
		free(p);
		close(fd);
		log_warn("out of memory for a proxied connection");
		return;
	}
	p->srv = srv;
	p->fd = fd;
	p->gemini = gemini;
	p->next = srv->pending;
	if (srv->pending)
		srv->pending->prev = p;
	srv->pending = p;
	srv->npending++;
	memcpy(&p->peer, peer, (size_t)len < sizeof(p->peer) ? (size_t)len
							     : sizeof(p->peer));
	event_add(p->ev, &tv);
}

static void
gemini_proxied(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *peer, int len, void *arg)
{
	proxied(arg, fd, peer, len, 1);
}

static void
gopher_proxied(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *peer, int len, void *arg)
{
	proxied(arg, fd, peer, len, 0);
}

static void
resume_accepting(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	for (size_t i = 0; i < srv->nlisteners; i++)
		evconnlistener_enable(srv->listeners[i]);
}

/*
 * Out of descriptors (or another accept error): stop accepting for a
 * moment instead of spinning on a listener that stays readable.
 */
static void
accept_error(struct evconnlistener *l, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};
	int e = EVUTIL_SOCKET_ERROR();

	log_warn("accept: %s; pausing %d ms", strerror(e), ACCEPT_PAUSE_MS);
	for (size_t i = 0; i < srv->nlisteners; i++)
		evconnlistener_disable(srv->listeners[i]);
	evtimer_add(srv->resume, &tv);
}

/* One socket bound to addr:port; returns the fd or -1 with d filled. */
static int
bind_one(const char *addr, int port, struct diags *d)
{
	struct addrinfo hints = {0}, *res;
	char portstr[8];
	int fd, on = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if ((rc = getaddrinfo(addr, portstr, &hints, &res)) != 0) {
		diags_add(d, "listen", 0, 0, "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (res->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1)
		goto fail;
	freeaddrinfo(res);
	return fd;
fail:
	diags_add(d, "listen", 0, 0, "%s port %d: %s", addr, port,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

/*
 * Binds one protocol on every listen address, and on every proxy_listen
 * address with the PROXY-reading callback; returns the port, or -1.
 */
static int
listen_proto(struct server *srv, const char *proto, int port,
    evconnlistener_cb cb, evconnlistener_cb proxy_cb, struct diags *d)
{
	const struct config *cfg = srv->cfg;
	const struct config_list *lists[2] = {&cfg->listen, &cfg->proxy_listen};
	struct evconnlistener *l;
	int fd;

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < lists[k]->n; i++) {
			const char *addr = lists[k]->v[i];

			if ((fd = bind_one(addr, port, d)) == -1)
				return -1;
			/* Port 0: the first bind chooses, the others follow. */
			if (port == 0)
				port = local_port(fd);
			l = evconnlistener_new(srv->base, k ? proxy_cb : cb, srv,
			    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
			    BACKLOG, fd);
			if (l == NULL) {
				diags_add(d, "listen", 0, 0, "%s port %d: %s",
				    addr, port, strerror(errno));
				close(fd);
				return -1;
			}
			evconnlistener_set_error_cb(l, accept_error);
			srv->listeners[srv->nlisteners++] = l;
			log_info("listening %s %s %d%s", proto, addr, port,
			    k ? " proxy" : "");
		}
	}
	return port;
}

int
server_listen(struct server *srv, struct diags *d)
{
	const struct config *cfg = srv->cfg;

	srv->limits = limits_new((unsigned)cfg->max_per_address, cfg->rate,
	    cfg->burst);
	if ((srv->resume = evtimer_new(srv->base, resume_accepting, srv)) ==
	    NULL || srv->limits == NULL) {
		diags_add(d, "listen", 0, 0, "out of memory");
		return -1;
	}
	if (cfg->gemini_port == -1 && cfg->gopher_port == -1) {
		diags_add(d, "listen", 0, 0, "both protocols are off");
		return -1;
	}
	if (cfg->gemini_port != -1 &&
	    (srv->gemini_port = listen_proto(srv, "gemini", cfg->gemini_port,
		gemini_accepted, gemini_proxied, d)) == -1)
		return -1;
	if (cfg->gopher_port != -1 &&
	    (srv->gopher_port = listen_proto(srv, "gopher", cfg->gopher_port,
		gopher_accepted, gopher_proxied, d)) == -1)
		return -1;
	return 0;
}

void
server_gopher_opts(const struct server *srv, struct gopher_opts *go)
{
	const struct config *cfg = srv->cfg;

	go->host = cfg->gopher_host ? cfg->gopher_host : cfg->host;
	go->port = cfg->gopher_public_port ? cfg->gopher_public_port
					   : srv->gopher_port;
	go->width = (size_t)cfg->gopher_width;
	go->gemini_host = cfg->host;
}

struct snapshot *
server_load(struct server *srv, struct diags *d)
{
	struct render_opts o = {srv->cfg->host, srv->gemini_port};
	struct gopher_opts go;

	server_gopher_opts(srv, &go);
	return content_load(srv->cfg->root, &o, &go, d);
}

static int
same_list(const struct config_list *a, const struct config_list *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

static int
same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/*
 * A setting a reload cannot change keeps its live value: it is swapped
 * back from the old configuration into the new one (which then frees the
 * value the file asked for), and the log says it waits for a restart.
 */
#define KEEP(field, same)						\
	do {								\
		__typeof__(nc->field) tmp_ = nc->field;			\
		if (!(same))						\
			log_warn("reload: %s changes at the next start",	\
			    #field);					\
		nc->field = old->field;					\
		old->field = tmp_;					\
	} while (0)

/*
 * A reread configuration takes effect where it can while serving: names,
 * Gopher host, port and width, time limits, connection limits, log
 * format. What the process set up before dropping its privileges
 * (listeners, ports, user, chroot, the log's destination, and the root
 * inside a chroot) stays until the next start.
 */
static void
reconfigure(struct server *srv, struct config *nc)
{
	struct config *old = srv->cfg, prev;
	struct limits *l;

	KEEP(listen, same_list(&old->listen, &nc->listen));
	KEEP(proxy_listen, same_list(&old->proxy_listen, &nc->proxy_listen));
	KEEP(gemini_port, old->gemini_port == nc->gemini_port);
	KEEP(gopher_port, old->gopher_port == nc->gopher_port);
	KEEP(user, same_string(old->user, nc->user));
	KEEP(group, same_string(old->group, nc->group));
	KEEP(chroot, old->chroot == nc->chroot);
	KEEP(log, same_string(old->log, nc->log));
	if (nc->chroot)
		KEEP(root, 1); /* "/" inside the chroot, whatever the file says */
	prev = *old;
	*old = *nc;
	config_free(&prev);
	l = limits_new((unsigned)old->max_per_address, old->rate, old->burst);
	if (l != NULL) {
		/* Open connections release into a table that never counted
		 * them, which is harmless: the count starts afresh. */
		limits_free(srv->limits);
		srv->limits = l;
	}
	log_set_format(old->log_format, old->anonymize);
}

/*
 * SIGHUP: the certificate and the content are read again. Each is swapped
 * in only when it loaded without a single problem; otherwise the server
 * keeps what it had and logs why. Connections keep their own references
 * (the snapshot's refcount, the SSL_CTX's), so nothing in flight changes.
 */
static void
reload(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct snapshot *snap;
	SSL_CTX *ctx;
	struct diags d;

	diags_init(&d);
	if (srv->reread) {
		struct config nc;

		if (srv->reread(&nc, &d) == -1) {
			diags_print(&d, stderr, "reload: ");
			log_warn("reload: the configuration has problems; "
			    "keeping it as it was");
			config_free(&nc);
			diags_free(&d);
			diags_init(&d);
		} else
			reconfigure(srv, &nc);
	}
	if ((ctx = tls_server_ctx(srv->cfg->cert_dir, srv->cfg->host,
	    srv->cfg->aliases.v, srv->cfg->aliases.n, &d)) != NULL) {
		SSL_CTX_free(srv->ssl_ctx);
		srv->ssl_ctx = ctx;
	} else {
		diags_print(&d, stderr, "reload: ");
		log_warn("reload: keeping the previous certificate");
		diags_free(&d);
		diags_init(&d);
	}
	snap = server_load(srv, &d);
	diags_print(&d, stderr, "reload: ");
	if (snap == NULL || d.n > 0) {
		log_warn("reload: %zu problems; still serving the previous "
		    "content", d.n);
		snapshot_unref(snap);
	} else {
		snapshot_unref(srv->snap);
		srv->snap = snap;
		log_info("reloaded: %zu posts, %zu pages", snap->site.nposts,
		    snap->site.npages);
	}
	diags_free(&d);
}

void
server_conn_ended(struct server *srv)
{
	if (srv->stopping && srv->nconns == 0)
		event_base_loopbreak(srv->base);
}

static void
stop_now(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	log_warn("stopping: %zu connections cut at the deadline", srv->nconns);
	conn_close_all(srv, "server stopping");
	event_base_loopbreak(srv->base);
}

/*
 * The first SIGTERM (or SIGINT) stops accepting and lets the answers in
 * flight finish, for at most STOP_GRACE_MS; a second one ends them now.
 */
static void
reopen_log(evutil_socket_t sig, short what, void *arg)
{
	log_reopen();
}

static void
stop(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = {STOP_GRACE_MS / 1000, 0};

	if (srv->stopping) {
		stop_now(-1, 0, srv);
		return;
	}
	srv->stopping = 1;
	log_info("signal %d: stopping, %zu connections open", (int)sig,
	    srv->nconns);
	for (size_t i = 0; i < srv->nlisteners; i++)
		evconnlistener_free(srv->listeners[i]);
	srv->nlisteners = 0;
	evtimer_del(srv->resume);
	if (srv->nconns == 0) {
		event_base_loopbreak(srv->base);
		return;
	}
	srv->stop_deadline = evtimer_new(srv->base, stop_now, srv);
	if (srv->stop_deadline == NULL)
		stop_now(-1, 0, srv);
	else
		evtimer_add(srv->stop_deadline, &tv);
}

int
server_run(struct server *srv)
{
	srv->sig_hup = evsignal_new(srv->base, SIGHUP, reload, srv);
	srv->sig_term = evsignal_new(srv->base, SIGTERM, stop, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, stop, srv);
	srv->sig_usr1 = evsignal_new(srv->base, SIGUSR1, reopen_log, srv);
	if (!srv->sig_hup || !srv->sig_term || !srv->sig_int || !srv->sig_usr1)
		return -1;
	evsignal_add(srv->sig_usr1, NULL);
	evsignal_add(srv->sig_hup, NULL);
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	signal(SIGPIPE, SIG_IGN);
	return event_base_dispatch(srv->base) == -1 ? -1 : 0;
}

void
server_free(struct server *srv)
{
	for (size_t i = 0; i < srv->nlisteners; i++)
		evconnlistener_free(srv->listeners[i]);
	if (srv->sig_hup)
		event_free(srv->sig_hup);
	if (srv->sig_term)
		event_free(srv->sig_term);
	if (srv->sig_int)
		event_free(srv->sig_int);
	if (srv->sig_usr1)
		event_free(srv->sig_usr1);
	if (srv->resume)
		event_free(srv->resume);
	if (srv->stop_deadline)
		event_free(srv->stop_deadline);
	conn_close_all(srv, "server stopping");
	while (srv->pending)
		pending_end(srv->pending, "server stopping");
	snapshot_unref(srv->snap);
	limits_free(srv->limits);
	if (srv->ssl_ctx)
		SSL_CTX_free(srv->ssl_ctx);
	if (srv->base)
		event_base_free(srv->base);
}
