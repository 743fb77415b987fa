/*
 * control: the control thread. It runs the first load and every reload
 * on the loader thread (reloader.c), starts the workers once there is
 * something to serve, and acts on the signals that signals.c counted:
 * SIGHUP asks for a reload, SIGTERM and SIGINT stop (abandoning a load
 * under way), SIGUSR1 reopens the log. It never does slow work itself,
 * so a stop is acted on at once whatever a load is doing.
 */
#include "daemon/control.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proto/limits.h"
#include "serve/log.h"
#include "daemon/reloader.h"
#include "daemon/signals.h"
#include "serve/tls.h"
#include "serve/worker.h"

/*
 * After SIGTERM, how long the control thread waits for an abandoned load
 * to notice: it gives up between files and render steps, but one step
 * of a huge tree can take longer, and the stop must not wait for it.
 */
#define STOP_WAIT_MS 500

static void
kept(void *ctx, const char *key)
{
	log_warn("reload: %s changes at the next start", key);
}

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
	int cap;

	config_keep_started(old, nc, kept, NULL);
	prev = *old;
	*old = *nc;
	config_free(&prev);
	l = limits_new((unsigned)old->max_per_address, old->rate, old->burst);
	if (l != NULL) {
		/* Open connections release into a table that never counted
		 * them, which is harmless: the count starts afresh. */
		limits_free(state_swap_limits(&srv->st, l));
	}
	cap = server_connection_cap(srv, old->max_connections, "reload: ");
	state_set_max_connections(&srv->st, cap > 0 ? cap : 1);
	log_set_format(old->log_format, old->anonymize);
}

static int
abandoned(struct server *srv)
{
	return atomic_load(&srv->abandon) != 0;
}

/*
 * A reload: the configuration, the certificate and the content are read
 * again, on the loader thread. Each is swapped in only when it loaded
 * without a single problem; otherwise the server keeps what it had and
 * logs why. Connections keep their own references (the snapshot's
 * refcount, the SSL_CTX's), so nothing in flight changes. A stop asked
 * meanwhile abandons it between two steps (content_load looks between
 * files too): what it built is dropped, and the stop goes on.
 */
static void
reload(struct server *srv, const char *why, unsigned merged)
{
	struct snapshot *snap;
	SSL_CTX *ctx;
	struct diags d;

	if (merged > 1)
		log_info("reloading (%s; %u requests merged)", why, merged);
	else
		log_info("reloading (%s)", why);
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
	if (abandoned(srv))
		goto abandon;
	if ((ctx = tls_server_ctx(srv->cfg->cert_dir, srv->cfg->host,
	    srv->cfg->aliases.v, srv->cfg->aliases.n, &d)) != NULL) {
		SSL_CTX_free(state_swap_ssl_ctx(&srv->st, ctx));
	} else {
		diags_print(&d, stderr, "reload: ");
		log_warn("reload: keeping the previous certificate");
		diags_free(&d);
		diags_init(&d);
	}
	if (abandoned(srv))
		goto abandon;
	snap = server_load(srv, &d);
	if (abandoned(srv)) {
		snapshot_unref(snap);
		goto abandon;
	}
	diags_print(&d, stderr, "reload: ");
	if (snap == NULL || d.n > 0) {
		log_warn("reload: %zu problems; still serving the previous "
		    "content", d.n);
		snapshot_unref(snap);
	} else {
		/* The old one goes, or its last connection frees it. */
		snapshot_unref(state_swap_snapshot(&srv->st, snap));
		/* Said once it is true: a test may ask for the new at once. */
		log_info("reloaded: %zu posts, %zu pages", snap->site.nposts,
		    snap->site.npages);
	}
	diags_free(&d);
	return;
abandon:
	log_info("reload abandoned: the server is stopping");
	diags_free(&d);
}

/*
 * The first load, on the loader thread too, so that the control loop
 * answers signals meanwhile. It runs as the serving user, inside the
 * sandbox, exactly as every reload will: a file that user cannot read is
 * a problem now, not a post that vanishes at the first SIGHUP. Unlike a
 * reload, it serves what loaded and warns about the rest. The control
 * loop learns through ready_fd that the state has a snapshot (or is not).
 */
static void
first_load(struct server *srv, unsigned merged)
{
	struct snapshot *snap;
	struct diags d;
	uint64_t one = 1;

	/* Asked before it began: it reads the tree as they wanted. */
	if (merged > 1)
		log_info("first load: %u reload request%s merged into it",
		    merged - 1, merged > 2 ? "s" : "");
	diags_init(&d);
	snap = server_load(srv, &d);
	if (abandoned(srv)) {
		snapshot_unref(snap);
		log_info("first load abandoned: the server is stopping");
	} else {
		diags_print(&d, stderr, "warning: ");
		if (snap == NULL) {
			fprintf(stderr, "capsuled: nothing to serve\n");
			/* No reload after this one: the server ends. */
			atomic_store(&srv->abandon, 1);
		} else {
			snapshot_unref(state_swap_snapshot(&srv->st, snap));
			log_info("serving %s: %zu posts, %zu pages",
			    srv->cfg->root, snap->site.nposts,
			    snap->site.npages);
		}
	}
	diags_free(&d);
	(void)!write(srv->ready_fd, &one, sizeof(one));
}

/* The loader thread's job: the first load, then each reload. */
static void
load_job(void *arg, const char *why, unsigned merged)
{
	struct server *srv = arg;

	if (!srv->loaded) {
		srv->loaded = 1;
		first_load(srv, merged);
	} else if (!abandoned(srv))
		reload(srv, why, merged);
}

/*
 * Asks for a reload, for the reason given (it is logged), and returns at
 * once: the reload runs on the loader thread, and requests made while one
 * runs are merged into a single next one. SIGHUP comes here; so will the
 * tree watch (issue 15, inotify) when the content changes. Any thread,
 * but never a signal handler (it takes a lock). Ignored once stopping.
 */
void
control_want_reload(struct server *srv, const char *why)
{
	if (srv->reloader != NULL && !abandoned(srv))
		reloader_want(srv->reloader, why);
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

/*
 * The first SIGTERM (or SIGINT) abandons a load under way, stops
 * accepting and lets the answers in flight finish, for a grace time; a
 * second one ends them now. Before the workers run (the first load), it
 * ends the control loop at once.
 */
static void
stop(struct server *srv, int sig)
{
	if (!srv->stopping)
		log_info("signal %d: stopping, %zu connections open", sig,
		    state_open(&srv->st));
	srv->stopping = 1;
	atomic_store(&srv->abandon, 1);
	if (srv->running == 0) {
		event_base_loopbreak(srv->base);
		return;
	}
	for (size_t i = 0; i < srv->nworkers; i++)
		worker_stop(&srv->workers[i]);
}

/*
 * The handlers (signals.c) only count; here is what each means. A stop
 * goes first: a SIGHUP in the same breath must not start a reload.
 */
static void
on_signals(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	unsigned term, intr, hup;
	uint64_t n;

	/* Drained first: a signal after this wakes the loop again. */
	(void)!read(fd, &n, sizeof(n));
	term = signals_take(SIGTERM);
	intr = signals_take(SIGINT);
	hup = signals_take(SIGHUP);
	for (unsigned i = 0; i < term + intr && i < 2; i++)
		stop(srv, i < term ? SIGTERM : SIGINT);
	if (signals_take(SIGUSR1) > 0)
		log_reopen();
	while (hup-- > 0)
		control_want_reload(srv, "SIGHUP");
}

static void
start_workers(struct server *srv)
{
	sigset_t all, old;

	/* Signals are the control thread's: the workers block them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (size_t i = 0; i < srv->nworkers; i++) {
		if (worker_start(&srv->workers[i]) == -1) {
			log_warn("cannot start worker %zu", i);
			srv->rc = -1;
			break;
		}
		srv->running++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (srv->rc == -1)
		stop(srv, SIGTERM);
}

/* The first load is over: serve what it made, or end. */
static void
on_first_load(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct snapshot *snap;
	uint64_t n;

	(void)!read(fd, &n, sizeof(n));
	if (srv->stopping || srv->running > 0)
		return;
	if ((snap = state_snapshot(&srv->st)) == NULL) {
		srv->rc = -1; /* "nothing to serve", said by the load */
		event_base_loopbreak(srv->base);
		return;
	}
	snapshot_unref(snap);
	start_workers(srv);
}

int
control_run(struct server *srv)
{
	srv->sig_ev = event_new(srv->base, signals_fd(), EV_READ | EV_PERSIST,
	    on_signals, srv);
	srv->ready = event_new(srv->base, srv->ready_fd, EV_READ | EV_PERSIST,
	    on_first_load, srv);
	srv->done = event_new(srv->base, srv->done_fd, EV_READ | EV_PERSIST,
	    worker_finished, srv);
	if (signals_fd() == -1 || !srv->sig_ev || !srv->ready || !srv->done)
		return -1;
	event_add(srv->sig_ev, NULL);
	event_add(srv->ready, NULL);
	event_add(srv->done, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Started here, inside the sandbox, which it inherits. */
	if ((srv->reloader = reloader_start(load_job, srv)) == NULL) {
		log_warn("cannot start the loader thread");
		return -1;
	}
	control_want_reload(srv, "start");
	if (event_base_dispatch(srv->base) == -1)
		srv->rc = -1;
	atomic_store(&srv->abandon, 1);
	/* The workers have ended (or never started): joined first. */
	for (size_t i = 0; i < srv->nworkers; i++)
		worker_free(&srv->workers[i]);
	srv->nworkers = 0;
	if (reloader_stop(srv->reloader, STOP_WAIT_MS) == -1) {
		/* It still uses srv: nothing may be freed under it. */
		log_warn("stopping without waiting for the abandoned load");
		log_flush();
		_exit(srv->rc == 0 ? 0 : 1);
	}
	srv->reloader = NULL;
	return srv->rc;
}

