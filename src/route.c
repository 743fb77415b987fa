/* route: path -> ready response, an open-addressing hash table. */
#include "route.h"

#include "hash.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
routes_init(struct routes *t)
{
	memset(t, 0, sizeof(*t));
}

void
routes_free(struct routes *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->slots[i].path);
		if (!t->slots[i].resp.shared)
			free(t->slots[i].resp.data);
	}
	free(t->slots);
	routes_init(t);
}

static struct route *
slot_for(struct route *slots, size_t cap, const char *path, size_t len)
{
	size_t i = hash_bytes(path, len) & (cap - 1);

	while (slots[i].path != NULL &&
	    (slots[i].path_len != len || memcmp(slots[i].path, path, len) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Keeps the load under one half so probes stay short. */
static int
routes_grow(struct routes *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	struct route *ns, *r;

	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].path == NULL)
			continue;
		r = slot_for(ns, ncap, t->slots[i].path, t->slots[i].path_len);
		*r = t->slots[i];
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

int
routes_add(struct routes *t, const char *path, size_t path_len,
    struct response *resp)
{
	struct route *r;

	if (resp->data == NULL)
		return -1;
	if ((t->n + 1) * 2 > t->cap && routes_grow(t) == -1)
		goto fail;
	r = slot_for(t->slots, t->cap, path, path_len);
	if (r->path != NULL) {
		if (!resp->shared)
			free(resp->data);
		resp->data = NULL;
		return 1;
	}
	if ((r->path = malloc(path_len + 1)) == NULL)
		goto fail;
	memcpy(r->path, path, path_len);
	r->path[path_len] = '\0';
	r->path_len = path_len;
	r->resp = *resp;
	resp->data = NULL;
	t->n++;
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

const struct response *
routes_get(const struct routes *t, const char *path, size_t path_len)
{
	const struct route *r;

	if (t->cap == 0)
		return NULL;
	r = slot_for(t->slots, t->cap, path, path_len);
	return r->path ? &r->resp : NULL;
}
