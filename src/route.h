/*
 * route: the table from a request path to its ready response (pure).
 *
 * Every response is rendered at load into one buffer (header and body
 * together) so that serving is a lookup and a write. Open addressing with
 * FNV-1a; the table is filled once and then only read, by any thread.
 */
#ifndef CAPSULED_ROUTE_H
#define CAPSULED_ROUTE_H

#include <stddef.h>

struct response {
	char *data;    /* header and body, ready to write */
	size_t len;
	int status;    /* for the access log: Gemini status, or 0 */
	size_t body_off; /* where the body starts (after the header) */
	int menu;      /* Gopher: a menu (it has a Gopher+ form) */
	int shared;    /* data belongs to another entry (routes_alias) */
};

struct route {
	char *path;
	size_t path_len;
	struct response resp;
};

struct routes {
	struct route *slots;
	size_t cap;   /* a power of two, or 0 */
	size_t n;
};

void routes_init(struct routes *t);
void routes_free(struct routes *t);

/*
 * Adds path -> response; takes ownership of resp->data (freed even on
 * failure). Returns 0, -1 on memory, 1 when the path was already there
 * (the first one stays).
 */
int routes_add(struct routes *t, const char *path, size_t path_len,
    struct response *resp);

/*
 * Adds path -> the same bytes as of (which must outlive t's use of them:
 * an entry of t, or of a table freed after t). Returns as routes_add.
 */
int routes_alias(struct routes *t, const char *path, size_t path_len,
    const struct response *of);

const struct response *routes_get(const struct routes *t, const char *path,
    size_t path_len);

#endif
