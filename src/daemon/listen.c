/*
 * listen: the listening sockets, one set per worker, each listener
 * given the functions that take what it accepts (the protocols'), and
 * the descriptor budget that caps the connections.
 */
#include "daemon/server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon/content.h"
#include "proto/limits.h"
#include "serve/gemini.h"
#include "serve/gopher.h"
#include "serve/log.h"
#include "serve/proxied.h"
#include "serve/worker.h"

#define BACKLOG 1024
/*
 * Seconds the kernel holds a new connection until its first byte comes
 * (TCP_DEFER_ACCEPT): a request then costs no wait for readability, and
 * a client that connects and says nothing costs no accept until then.
 * Its deadline starts when it is accepted, this much later at most.
 */
#define DEFER_ACCEPT_S STATE_DEFER_ACCEPT_S
#define MAX_WORKERS 64
/*
 * Descriptors kept free beyond those counted in fd_reserve, for what the
 * libraries open on their own (OpenSSL, libc) and a margin.
 */
#define FD_SPARE 8

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
		int deferred;

		if ((fd = bind_one(addr, port, 1, d)) == -1)
			return -1;
		if (listen(fd, BACKLOG) == -1) {
			diags_add(d, "listen", 0, 0, "%s port %d: %s", addr,
			    port, strerror(errno));
			close(fd);
			return -1;
		}
		deferred = setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT,
		    &defer, sizeof(defer)) == 0;
		if (worker_listen(&srv->workers[i], fd, port,
		    gemini ? "gemini" : "gopher", deferred,
		    proxied ? proxied_start : worker_dispatch,
		    gemini ? gemini_accept : gopher_accept) == -1) {
			diags_add(d, "listen", 0, 0, "%s port %d: more than "
			    "%d listeners", addr, port, WORKER_MAX_LISTENERS);
			close(fd);
			return -1;
		}
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

/* Descriptors open now: /proc says at once; else each number is tried. */
static size_t
open_fds(void)
{
	struct rlimit rl;
	struct dirent *e;
	rlim_t top = 65536;
	size_t n = 0;
	DIR *dir;

	if ((dir = opendir("/proc/self/fd")) != NULL) {
		while ((e = readdir(dir)) != NULL)
			n += e->d_name[0] != '.';
		closedir(dir);
		return n > 0 ? n - 1 : 0; /* not the one listing them */
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < top)
		top = rl.rlim_cur;
	for (rlim_t fd = 0; fd < top; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			n++;
	return n;
}

/*
 * The descriptors the server needs besides its connections, counted once
 * it is bound: every descriptor open by then (standard streams and any
 * inherited, the log, the listeners, every event loop and eventfd), the
 * most a reload opens at once (content_load's; the configuration and the
 * certificates are read before it, one file at a time), and a margin.
 * Counted rather than predicted, so an inherited descriptor cannot make
 * the cap too high.
 */
static size_t
fd_reserve(void)
{
	return open_fds() + CONTENT_FDS + FD_SPARE;
}

/*
 * max_connections as asked, or lower, so that the cap turns connections
 * away before accept(2) runs out of descriptors (EMFILE, which stalls
 * every listener for a moment) and before a reload cannot open its
 * files. Says why whenever it lowers what was asked (so at start, and at
 * each reload whose configuration asks for more); when the start returns
 * 0, there is no room for a single connection.
 */
int
server_connection_cap(const struct server *srv, int wanted, const char *when)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)wanted + srv->fd_reserve)
		return wanted;
	room = rl.rlim_cur > srv->fd_reserve ? rl.rlim_cur - srv->fd_reserve
					     : 0;
	if (room > 0)
		log_warn("%smax_connections lowered to %llu (%d asked): the "
		    "descriptor limit is %llu, and the server keeps %zu for "
		    "its listeners, event loops, log and a reload's files",
		    when, (unsigned long long)room, wanted,
		    (unsigned long long)rl.rlim_cur, srv->fd_reserve);
	return (int)room;
}

static int
cap_connections(struct server *srv, struct diags *d)
{
	int cap;

	srv->fd_reserve = fd_reserve();
	if ((cap = server_connection_cap(srv, srv->cfg->max_connections,
	    "")) < 1) {
		diags_add(d, "listen", 0, 0, "the descriptor limit (RLIMIT_NOFILE) "
		    "leaves no room for connections: the server needs %zu "
		    "for itself", srv->fd_reserve);
		return -1;
	}
	state_set_max_connections(&srv->st, cap);
	return 0;
}

/* A worker's thread is about to end (called from it). */
static void
worker_done(void *arg)
{
	struct server *srv = arg;
	uint64_t one = 1;

	(void)!write(srv->done_fd, &one, sizeof(one));
}

int
server_listen(struct server *srv, SSL_CTX *ctx, struct diags *d)
{
	const struct config *cfg = srv->cfg;
	const struct worker_hooks hooks = {gemini_worker_done, worker_done,
	    srv};
	struct limits *limits;

	if ((srv->base = event_base_new()) == NULL) {
		SSL_CTX_free(ctx);
		diags_add(d, "listen", 0, 0, "cannot start the event loop");
		return -1;
	}
	limits = limits_new((unsigned)cfg->max_per_address, cfg->rate,
	    cfg->burst);
	if (limits == NULL || state_init(&srv->st, limits) == -1) {
		limits_free(limits);
		SSL_CTX_free(ctx);
		diags_add(d, "listen", 0, 0, "out of memory");
		return -1;
	}
	state_swap_ssl_ctx(&srv->st, ctx);
	srv->nworkers = workers_wanted(cfg);
	srv->workers = calloc(srv->nworkers, sizeof(*srv->workers));
	srv->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	srv->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->workers == NULL || srv->done_fd == -1 || srv->ready_fd == -1) {
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
		if (worker_init(&srv->workers[i], &srv->st, (int)i,
		    &hooks) == -1) {
			diags_add(d, "listen", 0, 0, "cannot start worker %zu",
			    i);
			return -1;
		}
	return cap_connections(srv, d);
}
