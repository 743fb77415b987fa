/* worker: one event loop on one thread: accept, dispatch, stop. */
#include "worker.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event_struct.h>

#include "conn.h"
#include "gemini.h"
#include "gopher.h"
#include "log.h"
#include "proxied.h"
#include "server.h"

#define ACCEPT_PAUSE_MS 100
#define STOP_GRACE_MS 10000 /* answers in flight get this long on SIGTERM */
#define TRIM_AFTER_S 1      /* idle this long: free memory goes back */
#define ACCEPT_BATCH 64     /* connections accepted in one turn, at most */

void
worker_dispatch(struct worker *w, struct listener *l, int fd,
    const struct sockaddr *peer)
{
	const char *why = NULL;
	int counted, slow;

	if (!server_admit(w->srv, peer, &counted, &slow, &why)) {
		struct timespec none = {0, 0};

		log_access(l->gemini ? "gemini" : "gopher", peer, "", 0, 0, 0,
		    &none, why);
		close(fd);
		return;
	}
	if (l->gemini)
		gemini_accept(w, l, fd, peer, counted, slow);
	else
		gopher_accept(w, l, fd, peer, counted, slow);
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
		union conn_addr peer;
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
		if (l->proxied)
			proxied_start(w, l, fd, &peer.sa, len);
		else
			worker_dispatch(w, l, fd, &peer.sa);
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

	if (w->nconns + w->npending > 0)
		log_warn("stopping: %zu connections cut at the deadline",
		    w->nconns + w->npending);
	conn_close_all(w, "server stopping");
	proxied_close_all(w, "server stopping");
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
	if (w->nconns + w->npending == 0) {
		event_base_loopbreak(w->base);
		return;
	}
	evtimer_add(w->stop_deadline, &tv);
}

void
worker_conn_ended(struct worker *w)
{
	struct timeval tv = {TRIM_AFTER_S, 0};

	if (w->nconns + w->npending > 0)
		return;
	if (w->stopping)
		event_base_loopbreak(w->base);
	else if (!evtimer_pending(w->trim, NULL))
		evtimer_add(w->trim, &tv);
}

/*
 * Idle for a while: the memory a burst needed goes back to the system.
 * Each thread allocates from its own malloc arena, and glibc returns an
 * arena's free pages only when asked (docs/ROBUSTNESS.md: without this,
 * waves of slow clients left RSS a little higher after each).
 */
static void
trim_memory(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	if (w->nconns + w->npending == 0)
		malloc_trim(0);
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
worker_init(struct worker *w, struct server *srv, int id)
{
	struct event_config *ec;

	/* conn.c assigns events inside its structs: the sizes must agree. */
	if (event_get_struct_event_size() != sizeof(struct event))
		return -1;
	w->srv = srv;
	w->id = id;
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
	    (w->trim = evtimer_new(w->base, trim_memory, w)) == NULL)
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
	log_flush();
	log_buffer(NULL, NULL);
	server_worker_done(w->srv);
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
	    w->trim};

	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
	close_listeners(w);
	if (w->base == NULL)
		return;
	conn_close_all(w, "server stopping");
	proxied_close_all(w, "server stopping");
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	if (w->wake_fd > 0)
		close(w->wake_fd);
	event_base_free(w->base);
	w->base = NULL;
}
