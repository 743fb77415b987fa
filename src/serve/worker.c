/* worker: one event loop on one thread: accept, dispatch, stop. */
#include "serve/worker.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event_struct.h>

#include "base/addr.h"
#include "serve/log.h"

#define ACCEPT_PAUSE_MS 100
#define STOP_GRACE_MS 10000 /* answers in flight get this long on SIGTERM */
#define TRIM_AFTER_S 1      /* quiet this long: free memory goes back */
#define TRIM_PEAK_MIN 64    /* connections at once worth a trim after */
#define ACCEPT_BATCH 64     /* connections accepted in one turn, at most */

long
worker_clock_ms(void)
{
	struct timespec ts;

	/* The coarse clock is read from the vDSO on every clocksource. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
worker_listen(struct worker *w, int fd, int port, const char *proto,
    int deferred, worker_accept_fn *accept, worker_serve_fn *serve)
{
	struct listener *l;

	if (w->nlisteners == WORKER_MAX_LISTENERS)
		return -1;
	l = &w->listeners[w->nlisteners++];
	l->w = w;
	l->fd = fd;
	l->port = port;
	l->proto = proto;
	l->deferred = deferred;
	l->accept = accept;
	l->serve = serve;
	return 0;
}

static void
refusals_arm(struct worker *w)
{
	struct timeval tv = {REFUSALS_WINDOW_MS / 1000,
	    (REFUSALS_WINDOW_MS % 1000) * 1000};

	evtimer_add(w->refusals_ev, &tv);
}

/*
 * Each worker owns its connections (SO_REUSEPORT: the kernel hashes each
 * new connection to one worker's listener), so each makes room among its
 * own: when the shared count is at the cap, the worker that accepted the
 * newcomer closes its own oldest idle pre-request connection, and a
 * worker that has none refuses. No lock and no message between workers:
 * the hash spreads a flood of silent sockets evenly, so a worker with
 * none of them is one whose slots all hold clients being served, and
 * turning the newcomer away is then what the cap is for. A few tries,
 * since another worker may take the freed place first.
 */
#define ROOM_TRIES 4

int
worker_make_room(struct worker *w)
{
	struct evict_item *it = evict_pick(&w->idle, worker_clock_ms());

	if (it == NULL)
		return 0;
	if (refusals_evicted(&w->refusals, worker_clock_ms()))
		refusals_arm(w);
	it->close(it); /* off the list, and its place given back */
	return 1;
}

void
worker_refuse(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, enum refusal why)
{
	if (refusals_add(&w->refusals, why, worker_clock_ms())) {
		struct timespec none = {0, 0};
		char note[80];

		snprintf(note, sizeof(note), "%s: closed", refusal_reason(why));
		log_access(l->proto, peer, "", 0, 0, 0,
		    &none, note);
		refusals_arm(w);
	}
	close(fd);
}

void
worker_serve(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, int counted, int slow_down)
{
	l->serve(w, l, fd, peer, counted, slow_down);
}

void
worker_dispatch(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer, socklen_t len)
{
	int counted, slow;
	enum admit a;

	for (int i = 0; (a = state_admit(w->st, peer, &counted, &slow)) ==
	    ADMIT_FULL && i < ROOM_TRIES && worker_make_room(w); i++)
		;
	if (a != ADMIT_OK) {
		worker_refuse(w, l, fd, peer, a == ADMIT_FULL ? REFUSED_FULL
							      : REFUSED_ADDRESS);
		return;
	}
	worker_serve(w, l, fd, peer, counted, slow);
}

static void
listeners_enable(struct worker *w, int on)
{
	for (size_t i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].ev)
			on ? event_add(w->listeners[i].ev, NULL)
			   : event_del(w->listeners[i].ev);
}

static void
resume_accepting(evutil_socket_t fd, short what, void *arg)
{
	listeners_enable(arg, 1);
}

/*
 * Accepts what waits, up to ACCEPT_BATCH a turn so that connections
 * already open are not starved by a flood. With TCP_DEFER_ACCEPT every
 * connection comes with its request, and is answered right here; the
 * turn's access lines then go out in one write.
 */
static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct listener *l = arg;
	struct worker *w = l->w;

	for (int i = 0; i < ACCEPT_BATCH && l->ev != NULL; i++) {
		union addr_any peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(lfd, &peer.sa, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd == -1) {
			struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};

			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			/*
			 * Out of descriptors (or another accept error): stop
			 * accepting for a moment instead of spinning on a
			 * listener that stays readable.
			 */
			log_warn("accept: %s; pausing %d ms", strerror(errno),
			    ACCEPT_PAUSE_MS);
			listeners_enable(w, 0);
			evtimer_add(w->resume, &tv);
			return;
		}
		l->accept(w, l, fd, &peer.sa, len);
	}
}

static void
close_listeners(struct worker *w)
{
	for (size_t i = 0; i < w->nlisteners; i++) {
		if (w->listeners[i].ev)
			event_free(w->listeners[i].ev);
		w->listeners[i].ev = NULL;
		if (w->listeners[i].fd != -1)
			close(w->listeners[i].fd);
		w->listeners[i].fd = -1;
	}
	w->nlisteners = 0;
}

static void
stop_now(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	if (w->nopen > 0)
		log_warn("stopping: %zu connections cut at the deadline",
		    w->nopen);
	worker_close_all(w, "server stopping");
	event_base_loopbreak(w->base);
}

/* The control thread knocked: the first time stop accepting, then cut. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = {STOP_GRACE_MS / 1000, 0};
	uint64_t n;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	if (w->stopping || atomic_load(&w->stop_asked) > 1) {
		stop_now(-1, 0, w);
		return;
	}
	w->stopping = 1;
	close_listeners(w);
	evtimer_del(w->resume);
	if (w->nopen == 0) {
		event_base_loopbreak(w->base);
		return;
	}
	evtimer_add(w->stop_deadline, &tv);
}

/*
 * Memory goes back after a crowd has gone, not only once nobody is left:
 * with a steady trickle of clients (or one slow one) a worker is never
 * idle, and a flood's memory would stay for good. Worth a trim: the count
 * is down to a quarter of a peak of at least TRIM_PEAK_MIN, or to none.
 */
static int
worth_trim(const struct worker *w)
{
	size_t open = w->nopen;

	return open == 0 || (w->peak >= TRIM_PEAK_MIN && open <= w->peak / 4);
}

void
worker_conn_ended(struct worker *w)
{
	struct timeval tv = {TRIM_AFTER_S, 0};

	if (w->stopping) {
		if (w->nopen == 0)
			event_base_loopbreak(w->base);
		return;
	}
	if (worth_trim(w) && !evtimer_pending(w->trim, NULL))
		evtimer_add(w->trim, &tv);
}

void
worker_join(struct worker *w, struct worker_member *m)
{
	TAILQ_INSERT_HEAD(&w->members, m, link);
	if (++w->nopen > w->peak)
		w->peak = w->nopen;
}

void
worker_leave(struct worker *w, struct worker_member *m)
{
	TAILQ_REMOVE(&w->members, m, link);
	w->nopen--;
}

void
worker_close_all(struct worker *w, const char *note)
{
	struct worker_member *m;

	/* Each close takes its member off the list. */
	while ((m = TAILQ_FIRST(&w->members)) != NULL)
		m->close(m, note);
}

/*
 * A while after a crowd has gone: the memory it needed goes back to the
 * system. Each thread allocates from its own malloc arena, and glibc
 * returns an arena's free pages only when asked (docs/ROBUSTNESS.md:
 * without this, waves of slow clients left RSS a little higher after
 * each; without the peak, a flood's memory stayed while one client was
 * left). At most once a TRIM_AFTER_S.
 */
static void
trim_memory(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	if (!worth_trim(w))
		return;
	malloc_trim(0);
	w->peak = w->nopen;
}

/* The second's summary of refused connections (refusals.h). */
static void
refusals_due(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	char line[300];
	int again;

	if (refusals_flush(&w->refusals, worker_clock_ms(), line, sizeof(line),
	    &again))
		log_warn("%s", line);
	if (again)
		refusals_arm(w);
}

static void
flush_log(evutil_socket_t fd, short what, void *arg)
{
	log_flush();
}

/* The first access line of a turn: flush when the turn's events are done. */
static void
schedule_flush(void *arg)
{
	struct worker *w = arg;

	event_active(w->flush, EV_TIMEOUT, 0);
}

int
worker_init(struct worker *w, struct state *st, int id,
    const struct worker_hooks *hooks)
{
	struct event_config *ec;

	/* conn.c assigns events inside its structs: the sizes must agree. */
	if (event_get_struct_event_size() != sizeof(struct event))
		return -1;
	w->st = st;
	w->hooks = *hooks;
	w->id = id;
	TAILQ_INIT(&w->members);
	atomic_init(&w->stop_asked, 0);
	/*
	 * No locks: a base belongs to one thread. No change list either:
	 * it defers a closed connection's EPOLL_CTL_DEL past the close(),
	 * when another worker may already have the descriptor's number
	 * for a new connection (ThreadSanitizer saw it).
	 */
	if ((ec = event_config_new()) == NULL)
		return -1;
	event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);
	w->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (w->base == NULL)
		return -1;
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd == -1 ||
	    (w->wake = event_new(w->base, w->wake_fd, EV_READ | EV_PERSIST,
		on_wake, w)) == NULL ||
	    (w->resume = evtimer_new(w->base, resume_accepting, w)) == NULL ||
	    (w->stop_deadline = evtimer_new(w->base, stop_now, w)) == NULL ||
	    (w->flush = event_new(w->base, -1, 0, flush_log, w)) == NULL ||
	    (w->trim = evtimer_new(w->base, trim_memory, w)) == NULL ||
	    (w->refusals_ev = evtimer_new(w->base, refusals_due, w)) == NULL)
		return -1;
	event_add(w->wake, NULL);
	for (size_t i = 0; i < w->nlisteners; i++) {
		struct listener *l = &w->listeners[i];

		if ((l->ev = event_new(w->base, l->fd, EV_READ | EV_PERSIST,
		    on_accept, l)) == NULL)
			return -1;
		event_add(l->ev, NULL);
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	log_buffer(schedule_flush, w);
	event_base_dispatch(w->base);
	refusals_due(-1, 0, w); /* what the last second refused */
	if (w->hooks.thread_end)
		w->hooks.thread_end();
	log_flush();
	log_buffer(NULL, NULL);
	if (w->hooks.done)
		w->hooks.done(w->hooks.arg);
	return NULL;
}

int
worker_start(struct worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	w->started = 1;
	return 0;
}

void
worker_stop(struct worker *w)
{
	uint64_t one = 1;

	atomic_fetch_add(&w->stop_asked, 1);
	(void)!write(w->wake_fd, &one, sizeof(one));
}

void
worker_free(struct worker *w)
{
	struct event *evs[] = {w->wake, w->resume, w->stop_deadline, w->flush,
	    w->trim, w->refusals_ev};

	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
	close_listeners(w);
	if (w->base == NULL)
		return;
	worker_close_all(w, "server stopping");
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	if (w->wake_fd > 0)
		close(w->wake_fd);
	event_base_free(w->base);
	w->base = NULL;
}
