/*
 * server: the control thread: binding, the workers, signals, reload, and
 * the state the workers share.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "content.h"
#include "limits.h"
#include "log.h"
#include "tls.h"
#include "worker.h"

#define BACKLOG 1024
/*
 * Seconds the kernel holds a new connection until its first byte comes
 * (TCP_DEFER_ACCEPT): a request then costs no wait for readability, and
 * a client that connects and says nothing costs no accept until then.
 * Its deadline starts when it is accepted, this much later at most.
 */
#define DEFER_ACCEPT_S 1
#define MAX_WORKERS 64

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
server_admit(struct server *srv, const struct sockaddr *peer, int *counted,
    int *slow_down, const char **why)
{
	size_t max = (size_t)atomic_load(&srv->max_connections);
	enum limit_verdict v;

	*counted = *slow_down = 0;
	if (atomic_fetch_add(&srv->nconns, 1) >= max) {
		atomic_fetch_sub(&srv->nconns, 1);
		*why = "over the connection cap: closed";
		return 0;
	}
	pthread_mutex_lock(&srv->lock);
	v = limits_admit(srv->limits, peer, now_seconds());
	pthread_mutex_unlock(&srv->lock);
	switch (v) {
	case LIMIT_OK:
		*counted = 1;
		return 1;
	case LIMIT_RATE:
		*slow_down = 1; /* answered 44 / an error item */
		return 1;
	case LIMIT_CONCURRENT:
		break;
	}
	atomic_fetch_sub(&srv->nconns, 1);
	*why = "too many connections from this address: closed";
	return 0;
}

void
server_conn_closed(struct server *srv, const struct sockaddr *peer)
{
	atomic_fetch_sub(&srv->nconns, 1);
	if (peer == NULL)
		return;
	pthread_mutex_lock(&srv->lock);
	limits_release(srv->limits, peer);
	pthread_mutex_unlock(&srv->lock);
}

struct snapshot *
server_snapshot(struct server *srv)
{
	struct snapshot *s;

	pthread_mutex_lock(&srv->lock);
	s = snapshot_ref(srv->snap);
	pthread_mutex_unlock(&srv->lock);
	return s;
}

SSL_CTX *
server_ssl_ctx(struct server *srv)
{
	SSL_CTX *ctx;

	pthread_mutex_lock(&srv->lock);
	ctx = srv->ssl_ctx;
	if (ctx != NULL && SSL_CTX_up_ref(ctx) != 1)
		ctx = NULL;
	pthread_mutex_unlock(&srv->lock);
	return ctx;
}

/*
 * One socket bound to addr:port; returns the fd or -1 with d filled.
 * shared: SO_REUSEPORT, one of the workers' sockets on the same port.
 */
static int
bind_one(const char *addr, int port, int shared, struct diags *d)
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
	if (shared &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
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
 * addr:port for every worker. A first bind without SO_REUSEPORT makes
 * sure nobody listens there yet: with SO_REUSEPORT alone, a second
 * capsuled (or anything of the same user) could bind the same port and
 * silently take half the connections. Returns the port, or -1.
 */
static int
listen_addr(struct server *srv, const char *addr, int port, int gemini,
    int proxied, struct diags *d)
{
	int probe, fd, defer = DEFER_ACCEPT_S;

	if ((probe = bind_one(addr, port, 0, d)) == -1)
		return -1;
	if (port == 0)
		port = local_port(probe);
	close(probe);
	for (size_t i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];
		struct listener *l = &w->listeners[w->nlisteners];

		if ((fd = bind_one(addr, port, 1, d)) == -1)
			return -1;
		if (listen(fd, BACKLOG) == -1) {
			diags_add(d, "listen", 0, 0, "%s port %d: %s", addr,
			    port, strerror(errno));
			close(fd);
			return -1;
		}
		l->deferred = setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT,
		    &defer, sizeof(defer)) == 0;
		l->fd = fd;
		l->port = port;
		l->gemini = gemini;
		l->proxied = proxied;
		l->w = w;
		w->nlisteners++;
	}
	return port;
}

/*
 * Binds one protocol on every listen address, and on every proxy_listen
 * address (whose clients send a PROXY header first); returns the port,
 * or -1.
 */
static int
listen_proto(struct server *srv, const char *proto, int port, int gemini,
    struct diags *d)
{
	const struct config *cfg = srv->cfg;
	const struct config_list *lists[2] = {&cfg->listen, &cfg->proxy_listen};

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < lists[k]->n; i++) {
			const char *addr = lists[k]->v[i];

			/* Port 0: the first bind chooses, the others follow. */
			if ((port = listen_addr(srv, addr, port, gemini, (int)k,
			    d)) == -1)
				return -1;
			log_info("listening %s %s %d%s", proto, addr, port,
			    k ? " proxy" : "");
		}
	}
	return port;
}

/* One per CPU this process may run on (taskset and cpusets count). */
static size_t
workers_wanted(const struct config *cfg)
{
	cpu_set_t set;
	long n = cfg->workers;

	if (n == 0)
		n = sched_getaffinity(0, sizeof(set), &set) == 0
		    ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (size_t)n;
}

int
server_listen(struct server *srv, struct diags *d)
{
	const struct config *cfg = srv->cfg;

	if (pthread_mutex_init(&srv->lock, NULL) != 0) {
		diags_add(d, "listen", 0, 0, "cannot make a lock");
		return -1;
	}
	srv->lock_ready = 1;
	atomic_store(&srv->max_connections, cfg->max_connections);
	srv->limits = limits_new((unsigned)cfg->max_per_address, cfg->rate,
	    cfg->burst);
	srv->nworkers = workers_wanted(cfg);
	srv->workers = calloc(srv->nworkers, sizeof(*srv->workers));
	srv->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->limits == NULL || srv->workers == NULL || srv->done_fd == -1) {
		diags_add(d, "listen", 0, 0, "out of memory");
		return -1;
	}
	if (cfg->gemini_port == -1 && cfg->gopher_port == -1) {
		diags_add(d, "listen", 0, 0, "both protocols are off");
		return -1;
	}
	if (cfg->gemini_port != -1 &&
	    (srv->gemini_port = listen_proto(srv, "gemini", cfg->gemini_port,
		1, d)) == -1)
		return -1;
	if (cfg->gopher_port != -1 &&
	    (srv->gopher_port = listen_proto(srv, "gopher", cfg->gopher_port,
		0, d)) == -1)
		return -1;
	for (size_t i = 0; i < srv->nworkers; i++)
		if (worker_init(&srv->workers[i], srv, (int)i) == -1) {
			diags_add(d, "listen", 0, 0, "cannot start worker %zu",
			    i);
			return -1;
		}
	return 0;
}

struct snapshot *
server_load(struct server *srv, struct diags *d)
{
	const struct config *cfg = srv->cfg;
	struct render_opts o = {cfg->host, srv->gemini_port};
	struct gopher_opts go;
	struct snapshot *snap;

	go.host = cfg->gopher_host ? cfg->gopher_host : cfg->host;
	go.port = cfg->gopher_public_port ? cfg->gopher_public_port
					  : srv->gopher_port;
	go.width = (size_t)cfg->gopher_width;
	go.gemini_host = cfg->host;
	snap = content_load(cfg->root, &o, &go, d);
	if (snap && snapshot_serve(snap, cfg, srv->gemini_port,
	    srv->gopher_port) == -1) {
		diags_add(d, cfg->root, 0, 0, "out of memory");
		snapshot_unref(snap);
		return NULL;
	}
	return snap;
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
	struct limits *l, *swap;

	KEEP(listen, same_list(&old->listen, &nc->listen));
	KEEP(proxy_listen, same_list(&old->proxy_listen, &nc->proxy_listen));
	KEEP(gemini_port, old->gemini_port == nc->gemini_port);
	KEEP(gopher_port, old->gopher_port == nc->gopher_port);
	KEEP(user, same_string(old->user, nc->user));
	KEEP(group, same_string(old->group, nc->group));
	KEEP(chroot, old->chroot == nc->chroot);
	KEEP(log, same_string(old->log, nc->log));
	KEEP(workers, old->workers == nc->workers);
	if (nc->chroot)
		KEEP(root, 1); /* "/" inside the chroot, whatever the file says */
	prev = *old;
	*old = *nc;
	config_free(&prev);
	l = limits_new((unsigned)old->max_per_address, old->rate, old->burst);
	if (l != NULL) {
		/* Open connections release into a table that never counted
		 * them, which is harmless: the count starts afresh. */
		pthread_mutex_lock(&srv->lock);
		swap = srv->limits;
		srv->limits = l;
		pthread_mutex_unlock(&srv->lock);
		limits_free(swap);
	}
	atomic_store(&srv->max_connections, old->max_connections);
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
	struct snapshot *snap, *old;
	SSL_CTX *ctx, *swap;
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
		pthread_mutex_lock(&srv->lock);
		swap = srv->ssl_ctx;
		srv->ssl_ctx = ctx;
		pthread_mutex_unlock(&srv->lock);
		SSL_CTX_free(swap);
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
		pthread_mutex_lock(&srv->lock);
		old = srv->snap;
		srv->snap = snap;
		pthread_mutex_unlock(&srv->lock);
		snapshot_unref(old); /* or its last connection will */
		/* Said once it is true: a test may ask for the new at once. */
		log_info("reloaded: %zu posts, %zu pages", snap->site.nposts,
		    snap->site.npages);
	}
	diags_free(&d);
}


/* A worker has finished: when all have, the control loop ends too. */
static void
worker_finished(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	srv->running -= n < srv->running ? (size_t)n : srv->running;
	if (srv->running == 0)
		event_base_loopbreak(srv->base);
}

void
server_worker_done(struct server *srv)
{
	uint64_t one = 1;

	(void)!write(srv->done_fd, &one, sizeof(one));
}

static void
reopen_log(evutil_socket_t sig, short what, void *arg)
{
	log_reopen();
}

/*
 * The first SIGTERM (or SIGINT) stops accepting and lets the answers in
 * flight finish, for a grace time; a second one ends them now.
 */
static void
stop(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	if (!srv->stopping)
		log_info("signal %d: stopping, %zu connections open",
		    (int)sig, atomic_load(&srv->nconns));
	srv->stopping = 1;
	for (size_t i = 0; i < srv->nworkers; i++)
		worker_stop(&srv->workers[i]);
}

int
server_run(struct server *srv)
{
	sigset_t all, old;
	int rc = 0;

	srv->sig_hup = evsignal_new(srv->base, SIGHUP, reload, srv);
	srv->sig_term = evsignal_new(srv->base, SIGTERM, stop, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, stop, srv);
	srv->sig_usr1 = evsignal_new(srv->base, SIGUSR1, reopen_log, srv);
	srv->done = event_new(srv->base, srv->done_fd, EV_READ | EV_PERSIST,
	    worker_finished, srv);
	if (!srv->sig_hup || !srv->sig_term || !srv->sig_int ||
	    !srv->sig_usr1 || !srv->done)
		return -1;
	evsignal_add(srv->sig_usr1, NULL);
	evsignal_add(srv->sig_hup, NULL);
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	event_add(srv->done, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Signals are the control thread's: the workers block them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (size_t i = 0; i < srv->nworkers; i++) {
		if (worker_start(&srv->workers[i]) == -1) {
			log_warn("cannot start worker %zu", i);
			rc = -1;
			break;
		}
		srv->running++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == -1)
		stop(SIGTERM, 0, srv);
	if (srv->running > 0 && event_base_dispatch(srv->base) == -1)
		rc = -1;
	for (size_t i = 0; i < srv->nworkers; i++)
		worker_free(&srv->workers[i]);
	srv->nworkers = 0;
	return rc;
}

void
server_free(struct server *srv)
{
	struct event *evs[] = {srv->sig_hup, srv->sig_term, srv->sig_int,
	    srv->sig_usr1, srv->done};

	for (size_t i = 0; i < srv->nworkers; i++)
		worker_free(&srv->workers[i]);
	free(srv->workers);
	srv->workers = NULL;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	if (srv->done_fd > 0)
		close(srv->done_fd);
	snapshot_unref(srv->snap);
	limits_free(srv->limits);
	if (srv->ssl_ctx)
		SSL_CTX_free(srv->ssl_ctx);
	if (srv->base)
		event_base_free(srv->base);
	if (srv->lock_ready)
		pthread_mutex_destroy(&srv->lock);
	log_flush();
}
