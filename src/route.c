/* route: path -> ready response: dense entries, a 32-bit index. */
#include "route.h"

#include "hash.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Paths are copied into blocks that never move, so entries can point in. */
#define PATH_BLOCK 65536

struct path_block {
	struct path_block *next;
	size_t used, cap;
	char bytes[];
};

void
routes_init(struct routes *t)
{
	memset(t, 0, sizeof(*t));
}

void
routes_free(struct routes *t)
{
	struct path_block *b, *next;

	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i].resp.shared)
			free(t->v[i].resp.data);
	for (b = t->paths; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(t->v);
	free(t->slots);
	routes_init(t);
}

static char *
path_copy(struct routes *t, const char *path, size_t len)
{
	struct path_block *b = t->paths;
	char *p;

	if (b == NULL || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > PATH_BLOCK ? len + 1 : PATH_BLOCK;

		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = t->paths;
		t->paths = b;
	}
	p = b->bytes + b->used;
	memcpy(p, path, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

/* The slot that holds path, or the empty one where it would go. */
static uint32_t *
slot_for(const struct routes *t, const char *path, size_t len)
{
	size_t mask = t->cap - 1, i = hash_bytes(path, len) & mask;

	for (;;) {
		uint32_t s = t->slots[i];
		const struct route *r;

		if (s == 0)
			return &t->slots[i];
		r = &t->v[s - 1];
		if (r->path_len == len && memcmp(r->path, path, len) == 0)
			return &t->slots[i];
		i = (i + 1) & mask;
	}
}

/* Keeps the load under one half so probes stay short. */
static int
routes_grow(struct routes *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	uint32_t *old = t->slots;

	if (ncap > (size_t)UINT32_MAX ||
	    (t->slots = calloc(ncap, sizeof(*t->slots))) == NULL) {
		t->slots = old;
		return -1;
	}
	t->cap = ncap;
	for (size_t i = 0; i < t->n; i++)
		*slot_for(t, t->v[i].path, t->v[i].path_len) = (uint32_t)i + 1;
	free(old);
	return 0;
}

int
routes_add(struct routes *t, const char *path, size_t path_len,
    struct response *resp)
{
	struct route *r;
	uint32_t *slot;

	if (resp->data == NULL)
		return -1;
	if ((t->n + 1) * 2 > t->cap && routes_grow(t) == -1)
		goto fail;
	slot = slot_for(t, path, path_len);
	if (*slot != 0) {
		if (!resp->shared)
			free(resp->data);
		resp->data = NULL;
		return 1;
	}
	if (t->n == t->vcap) {
		size_t vcap = t->vcap ? t->vcap * 2 : 32;

		if ((r = realloc(t->v, vcap * sizeof(*r))) == NULL)
			goto fail;
		t->v = r;
		t->vcap = vcap;
	}
	r = &t->v[t->n];
	if ((r->path = path_copy(t, path, path_len)) == NULL)
		goto fail;
	r->path_len = path_len;
	r->resp = *resp;
	resp->data = NULL;
	*slot = (uint32_t)++t->n;
	return 0;
fail:
	if (!resp->shared)
		free(resp->data);
	resp->data = NULL;
	return -1;
}

int
routes_alias(struct routes *t, const char *path, size_t path_len,
    const struct response *of)
{
	struct response r = *of;

	r.shared = 1;
	return routes_add(t, path, path_len, &r);
}

void
routes_seal(struct routes *t)
{
	struct route *v;

	if (t->n == 0 || t->n == t->vcap)
		return;
	/* Only shrinking: a failure keeps the larger array, which works. */
	if ((v = realloc(t->v, t->n * sizeof(*v))) != NULL) {
		t->v = v;
		t->vcap = t->n;
	}
}

const struct response *
routes_get(const struct routes *t, const char *path, size_t path_len)
{
	uint32_t s;

	if (t->cap == 0)
		return NULL;
	s = *slot_for(t, path, path_len);
	return s ? &t->v[s - 1].resp : NULL;
}
