/* reloader: a job on its own thread; requests during a run make one more. */
#include "daemon/reloader.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct reloader {
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* a request, quit, or the thread's end */
	pthread_t thread;
	reloader_fn *fn;
	void *arg;
	unsigned wanted;            /* requests not begun yet */
	char why[64];               /* the first of them */
	int quit;                   /* asked to end */
	int ended;                  /* the thread is about to return */
};

static void *
reloader_main(void *p)
{
	struct reloader *r = p;
	char why[sizeof(r->why)];
	unsigned n;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (r->wanted == 0 && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->quit)
			break;
		n = r->wanted;
		r->wanted = 0;
		snprintf(why, sizeof(why), "%s", r->why);
		/* Unlocked while it runs: requests meanwhile add up. */
		pthread_mutex_unlock(&r->mu);
		r->fn(r->arg, why, n);
		pthread_mutex_lock(&r->mu);
	}
	r->ended = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct reloader *
reloader_start(reloader_fn *fn, void *arg)
{
	struct reloader *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc;

	if (r == NULL)
		return NULL;
	r->fn = fn;
	r->arg = arg;
	/* Monotonic, so reloader_stop's deadline ignores clock changes. */
	if (pthread_condattr_init(&ca) != 0) {
		free(r);
		return NULL;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0 || pthread_mutex_init(&r->mu, NULL) != 0) {
		if (rc == 0)
			pthread_cond_destroy(&r->cv);
		free(r);
		return NULL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->thread, NULL, reloader_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	return r;
}

void
reloader_want(struct reloader *r, const char *why)
{
	pthread_mutex_lock(&r->mu);
	if (r->wanted++ == 0)
		snprintf(r->why, sizeof(r->why), "%s", why);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

int
reloader_stop(struct reloader *r, int ms)
{
	struct timespec end;
	int ended;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	r->quit = 1;
	pthread_cond_broadcast(&r->cv);
	while (!r->ended &&
	    pthread_cond_timedwait(&r->cv, &r->mu, &end) == 0)
		;
	ended = r->ended;
	pthread_mutex_unlock(&r->mu);
	if (!ended) {
		/* Never joined now: detached, it is no thread leak. */
		pthread_detach(r->thread);
		return -1;
	}
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
	return 0;
}
