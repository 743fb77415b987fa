/*
 * route: the table from a request path to its ready response (pure).
 *
 * Every response is rendered at load into one buffer (header and body
 * together) so that serving is a lookup and a write. The entries sit in
 * one array in the order they were added; an open-addressing index of
 * 32-bit slots (FNV-1a) finds them, and their bytes, paths and responses,
 * are copied into the table's pool (pool.h): at 10,000 posts a table of
 * pointers and one allocation per string cost more than the paths
 * themselves. Filled once, then only read, by any thread.
 */
#ifndef CAPSULED_ROUTE_H
#define CAPSULED_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/pool.h"

/* 24 bytes, with the path 40: a table holds some 40,000 of them. */
struct response {
	char *data;        /* header and body, ready to write */
	uint32_t len;      /* routes_add refuses more than RESPONSE_MAX */
	uint32_t body_off; /* where the body starts (after the header) */
	uint16_t status;   /* for the access log: Gemini status, or 0 */
	uint8_t menu;      /* Gopher: a menu (it has a Gopher+ form) */
	uint8_t shared;    /* data is another entry's too (routes_alias) */
};
#define RESPONSE_MAX UINT32_MAX

struct route {
	const char *path; /* NUL-terminated, in the table's pool */
	uint32_t path_len;
	struct response resp;
};

struct routes {
	struct route *v;   /* the entries, in the order they were added */
	size_t n, vcap;
	uint32_t *slots;   /* index into v, plus one; 0 is empty */
	size_t cap;        /* slots: a power of two, or 0 */
	struct pool bytes; /* every path and response */
};

/*
 * Gives r the bytes b holds (buf_steal) and leaves b empty. A failed
 * buffer, or a response over RESPONSE_MAX, is freed and r gets none,
 * which routes_add refuses.
 */
void response_take(struct response *r, struct buf *b);

void routes_init(struct routes *t);
void routes_free(struct routes *t);

/*
 * Adds path -> response: copies resp->data into the table and frees it
 * (even on failure). Returns 0, -1 on memory, 1 when the path was
 * already there (the first one stays). The response the table holds may
 * move (take a copy of it, as routes_alias does); its bytes do not.
 */
int routes_add(struct routes *t, const char *path, size_t path_len,
    struct response *resp);

/*
 * Adds path -> the same bytes as of, not copied (which must outlive t's
 * use of them: an entry of t, or of a table freed after t). Returns as
 * routes_add.
 */
int routes_alias(struct routes *t, const char *path, size_t path_len,
    const struct response *of);

/* Gives back what the table holds beyond its entries (after the last add). */
void routes_seal(struct routes *t);

const struct response *routes_get(const struct routes *t, const char *path,
    size_t path_len);

/*
 * Calls fn for every entry of t, aliases too, sorted by path (bytewise):
 * what --export writes. Stops at fn's -1. Returns 0, or -1 (fn's, or
 * memory).
 */
int routes_each_sorted(const struct routes *t,
    int (*fn)(void *ctx, const struct route *r), void *ctx);

#endif
