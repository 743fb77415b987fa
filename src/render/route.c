/* route: path -> ready response: dense entries, a 32-bit index. */
#include "render/route.h"

#include "base/hash.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
response_take(struct response *r, struct buf *b)
{
	size_t len = b->len;

	if (len > RESPONSE_MAX) {
		buf_free(b);
		r->data = NULL;
		r->len = 0;
		return;
	}
	/*
	 * Shrunk first (buf_steal), though routes_add copies the bytes into
	 * its pool at their size anyway: the buffers freed at their size
	 * leave the heap 0.65 MB smaller at 10,000 posts of 2 KB (measured;
	 * taken as they were, with the buffer's doubled room, they did not).
	 */
	r->data = buf_steal(b, &len);
	r->len = (uint32_t)len;
}

void
routes_init(struct routes *t)
{
	memset(t, 0, sizeof(*t));
	pool_init(&t->bytes);
}

void
routes_free(struct routes *t)
{
	pool_free(&t->bytes);
	free(t->v);
	free(t->slots);
	routes_init(t);
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
	char *data;

	if (resp->data == NULL || path_len > UINT32_MAX)
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
	if ((r->path = pool_copy(&t->bytes, path, path_len)) == NULL)
		goto fail;
	data = resp->data;
	if (!resp->shared && resp->len >= POOL_ADOPT_MIN) {
		/* Kept where it was made: no second copy while it is added. */
		resp->data = NULL;
		if ((data = pool_adopt(&t->bytes, data)) == NULL)
			goto fail;
	} else if (!resp->shared) {
		if ((data = pool_copy(&t->bytes, resp->data, resp->len)) == NULL)
			goto fail;
		free(resp->data);
	}
	r->path_len = (uint32_t)path_len;
	r->resp = *resp;
	r->resp.data = data;
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

static int
cmp_route(const void *a, const void *b)
{
	return strcmp((*(const struct route *const *)a)->path,
	    (*(const struct route *const *)b)->path);
}

int
routes_each_sorted(const struct routes *t,
    int (*fn)(void *ctx, const struct route *r), void *ctx)
{
	const struct route **sorted;
	int rc = 0;

	if ((sorted = calloc(t->n + 1, sizeof(*sorted))) == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		sorted[i] = &t->v[i];
	qsort(sorted, t->n, sizeof(*sorted), cmp_route);
	for (size_t i = 0; i < t->n && rc == 0; i++)
		rc = fn(ctx, sorted[i]);
	free(sorted);
	return rc;
}
