/* state: the snapshot, TLS context, limits and counts every worker shares. */
#include "serve/state.h"

#include <time.h>

#include "proto/limits.h"
#include "proto/pace.h"

int
state_init(struct state *st, struct limits *limits)
{
	if (pthread_mutex_init(&st->lock, NULL) != 0)
		return -1;
	st->lock_ready = 1;
	st->limits = limits;
	st->snap = NULL;
	st->ssl_ctx = NULL;
	atomic_init(&st->nconns, 0);
	atomic_init(&st->max_connections, 0);
	return 0;
}

void
state_free(struct state *st)
{
	snapshot_unref(st->snap);
	st->snap = NULL;
	limits_free(st->limits);
	st->limits = NULL;
	if (st->ssl_ctx)
		SSL_CTX_free(st->ssl_ctx);
	st->ssl_ctx = NULL;
	if (st->lock_ready)
		pthread_mutex_destroy(&st->lock);
	st->lock_ready = 0;
}

struct snapshot *
state_snapshot(struct state *st)
{
	struct snapshot *s;

	pthread_mutex_lock(&st->lock);
	s = snapshot_ref(st->snap);
	pthread_mutex_unlock(&st->lock);
	return s;
}

SSL_CTX *
state_ssl_ctx(struct state *st)
{
	SSL_CTX *ctx;

	pthread_mutex_lock(&st->lock);
	ctx = st->ssl_ctx;
	if (ctx != NULL && SSL_CTX_up_ref(ctx) != 1)
		ctx = NULL;
	pthread_mutex_unlock(&st->lock);
	return ctx;
}

struct snapshot *
state_swap_snapshot(struct state *st, struct snapshot *s)
{
	struct snapshot *old;

	pthread_mutex_lock(&st->lock);
	old = st->snap;
	st->snap = s;
	pthread_mutex_unlock(&st->lock);
	return old;
}

SSL_CTX *
state_swap_ssl_ctx(struct state *st, SSL_CTX *ctx)
{
	SSL_CTX *old;

	pthread_mutex_lock(&st->lock);
	old = st->ssl_ctx;
	st->ssl_ctx = ctx;
	pthread_mutex_unlock(&st->lock);
	return old;
}

struct limits *
state_swap_limits(struct state *st, struct limits *l)
{
	struct limits *old;

	pthread_mutex_lock(&st->lock);
	old = st->limits;
	st->limits = l;
	pthread_mutex_unlock(&st->lock);
	return old;
}

void
state_set_max_connections(struct state *st, int max)
{
	atomic_store(&st->max_connections, max);
}

size_t
state_open(struct state *st)
{
	return atomic_load(&st->nconns);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One more in max_connections, unless all are taken. */
static int
take_slot(struct state *st)
{
	size_t max = (size_t)atomic_load(&st->max_connections);

	if (atomic_fetch_add(&st->nconns, 1) >= max) {
		atomic_fetch_sub(&st->nconns, 1);
		return 0;
	}
	return 1;
}

/*
 * The limits' verdict on a connection holding a place in max_connections:
 * served (counted under its address, or over its rate: answered 44 or an
 * error item), or turned away, its place given back.
 */
static enum admit
verdict(struct state *st, enum limit_verdict v, int *counted, int *slow_down)
{
	*counted = v == LIMIT_OK;
	if (slow_down)
		*slow_down = v == LIMIT_RATE;
	if (v != LIMIT_CONCURRENT)
		return ADMIT_OK;
	atomic_fetch_sub(&st->nconns, 1);
	return ADMIT_ADDRESS;
}

/*
 * Over the total cap a connection is accepted and closed at once (unless
 * the worker makes room: worker.c), so it neither waits in the backlog
 * nor costs a handshake; so is one more from an address that already
 * holds its share.
 */
enum admit
state_admit(struct state *st, const struct sockaddr *peer, int *counted,
    int *slow_down)
{
	enum limit_verdict v;

	*counted = *slow_down = 0;
	if (!take_slot(st))
		return ADMIT_FULL;
	pthread_mutex_lock(&st->lock);
	v = limits_admit(st->limits, peer, now_seconds());
	pthread_mutex_unlock(&st->lock);
	return verdict(st, v, counted, slow_down);
}

enum admit
state_admit_pending(struct state *st, const struct sockaddr *peer,
    int *counted)
{
	enum limit_verdict v;

	*counted = 0;
	if (!take_slot(st))
		return ADMIT_FULL;
	pthread_mutex_lock(&st->lock);
	v = limits_hold(st->limits, peer, now_seconds());
	pthread_mutex_unlock(&st->lock);
	return verdict(st, v, counted, NULL);
}

enum admit
state_admit_client(struct state *st, const struct sockaddr *from,
    int from_counted, const struct sockaddr *to, int *counted,
    int *slow_down)
{
	enum limit_verdict v;

	pthread_mutex_lock(&st->lock);
	if (from_counted)
		limits_release(st->limits, from);
	v = limits_admit(st->limits, to, now_seconds());
	pthread_mutex_unlock(&st->lock);
	return verdict(st, v, counted, slow_down);
}

int
state_pressure(struct state *st)
{
	return pace_pressure(atomic_load(&st->nconns),
	    (size_t)atomic_load(&st->max_connections));
}

void
state_released(struct state *st, const struct sockaddr *peer)
{
	atomic_fetch_sub(&st->nconns, 1);
	if (peer == NULL)
		return;
	pthread_mutex_lock(&st->lock);
	limits_release(st->limits, peer);
	pthread_mutex_unlock(&st->lock);
}
