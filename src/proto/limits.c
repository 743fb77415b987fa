/* limits: per-address token buckets and connection counts. */
#include "proto/limits.h"

#include "base/addr.h"
#include "base/hash.h"
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 16384   /* a power of two: addresses tracked at once */
#define PROBE 32      /* slots looked at before giving up on a key */

struct slot {
	unsigned char key[17]; /* family byte, then up to 16 address bytes */
	int used;
	unsigned conns;
	double tokens;
	double last;           /* when tokens were last topped up */
};

struct limits {
	unsigned per_addr;
	double rate, burst;
	size_t tracked;
	struct slot slots[SLOTS];
};

struct limits *
limits_new(unsigned per_addr, double rate, double burst)
{
	struct limits *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->per_addr = per_addr;
	l->rate = rate;
	l->burst = burst < 1 ? 1 : burst;
	return l;
}

void
limits_free(struct limits *l)
{
	free(l);
}

/* The bucket of an address: IPv4 whole, IPv6 its /64 (see limits.h). */
static void
make_key(const struct sockaddr *sa, unsigned char key[17])
{
	struct sockaddr_in v4;

	/* ::ffff:a.b.c.d is a.b.c.d, not one of all IPv4 in ::ffff:0:0/64 */
	sa = addr_canonical(sa, &v4);
	memset(key, 0, 17);
	key[0] = (unsigned char)sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key + 1, &((const struct sockaddr_in6 *)sa)->sin6_addr, 8);
}

/* A slot is free again once it holds no connection and a full bucket. */
static int
idle(const struct limits *l, const struct slot *s, double now)
{
	double tokens = s->tokens + (now - s->last) * l->rate;

	return s->conns == 0 && (l->rate <= 0 || tokens >= l->burst);
}

/*
 * The slot of key, or a free or idle one to take. NULL when every slot
 * probed is busy: the caller then lets the client in untracked, since
 * refusing strangers because the table is full would be a denial of
 * service of its own.
 */
static struct slot *
find(struct limits *l, const unsigned char key[17], double now, int create)
{
	size_t h = (size_t)hash_bytes(key, 17);
	struct slot *spare = NULL;

	for (size_t i = 0; i < PROBE; i++) {
		struct slot *s = &l->slots[(h + i) & (SLOTS - 1)];

		if (s->used && memcmp(s->key, key, 17) == 0)
			return s;
		if (spare == NULL && (!s->used || idle(l, s, now)))
			spare = s;
	}
	if (!create || spare == NULL)
		return NULL;
	if (!spare->used)
		l->tracked++;
	memcpy(spare->key, key, 17);
	spare->used = 1;
	spare->conns = 0;
	spare->tokens = l->burst;
	spare->last = now;
	return spare;
}

/* One more connection from sa, charged a token of the rate if rated. */
static enum limit_verdict
take(struct limits *l, const struct sockaddr *sa, double now, int rated)
{
	unsigned char key[17];
	struct slot *s;

	make_key(sa, key);
	if ((s = find(l, key, now, 1)) == NULL)
		return LIMIT_OK;
	if (l->per_addr > 0 && s->conns >= l->per_addr)
		return LIMIT_CONCURRENT;
	if (rated && l->rate > 0) {
		s->tokens += (now - s->last) * l->rate;
		if (s->tokens > l->burst)
			s->tokens = l->burst;
		s->last = now;
		if (s->tokens < 1)
			return LIMIT_RATE;
		s->tokens -= 1;
	}
	s->conns++;
	return LIMIT_OK;
}

enum limit_verdict
limits_admit(struct limits *l, const struct sockaddr *sa, double now)
{
	return take(l, sa, now, 1);
}

void
limits_release(struct limits *l, const struct sockaddr *sa)
{
	unsigned char key[17];
	struct slot *s;

	make_key(sa, key);
	/* now = 0 only matters for taking a slot, which create=0 never does */
	if ((s = find(l, key, 0, 0)) != NULL && s->conns > 0)
		s->conns--;
}

enum limit_verdict
limits_hold(struct limits *l, const struct sockaddr *sa, double now)
{
	return take(l, sa, now, 0);
}

size_t
limits_tracked(const struct limits *l)
{
	return l->tracked;
}
