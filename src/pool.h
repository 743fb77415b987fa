/*
 * pool: bytes that live exactly as long as their owner (a route table),
 * copied into large blocks taken from the system and given back whole
 * (pure: no state beyond the pool).
 *
 * A 10,000-post capsule has some 40,000 responses and paths. One malloc
 * each costs a header apiece, and when a reload frees them they leave
 * holes that keep the heap's pages resident; in blocks of their own they
 * cost nothing extra and go back to the system when the old snapshot
 * does. Copies never move.
 */
#ifndef CAPSULED_POOL_H
#define CAPSULED_POOL_H

#include <stddef.h>

struct pool_block;

struct pool {
	struct pool_block *blocks; /* the newest first: it has the room */
};

void pool_init(struct pool *p);
void pool_free(struct pool *p);

/* A copy of s[0..n) followed by a NUL, in p; NULL on memory. */
char *pool_copy(struct pool *p, const void *s, size_t n);

#endif
