/*
 * hash: FNV-1a over bytes, for the open-addressing tables (routes, the
 * search index, the per-address limits). Fast for short keys and good
 * enough for tables that are filled once or keyed by addresses.
 */
#ifndef CAPSULED_HASH_H
#define CAPSULED_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t
hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

#endif
