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
struct pool_chunk;

struct pool {
	struct pool_block *blocks; /* the newest first: it has the room */
	struct pool_chunk *chunks; /* taken over (pool_adopt) */
};

/*
 * From this size a copy would get a block of its own, so a buffer is
 * better kept where it is (pool_adopt) than copied.
 */
#define POOL_ADOPT_MIN (256u * 1024)

void pool_init(struct pool *p);
void pool_free(struct pool *p);

/* A copy of s[0..n) followed by a NUL, in p; NULL on memory. */
char *pool_copy(struct pool *p, const void *s, size_t n);

/*
 * Takes data (from malloc) into p, which frees it with the rest: a big
 * page or body stays where it was made, not copied (a 15 MB page was a
 * second 15 MB while it was copied). Returns data, or NULL on memory,
 * when data is freed.
 */
char *pool_adopt(struct pool *p, char *data);

#endif
