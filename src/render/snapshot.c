/* snapshot: the refcounted, read-only result of one load. */
#include "render/snapshot.h"

#include <malloc.h>
#include <stdlib.h>

#include "model/finish.h"

struct snapshot *
snapshot_new(void)
{
	struct snapshot *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	atomic_init(&s->refs, 1);
	site_init(&s->site);
	routes_init(&s->gemini);
	routes_init(&s->gopher);
	s->loaded = time(NULL);
	return s;
}

struct snapshot *
snapshot_ref(struct snapshot *s)
{
	/* None yet (the first load failed): none to give, as unref takes. */
	if (s != NULL)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
snapshot_unref(struct snapshot *s)
{
	if (s == NULL)
		return;
	/* The last reference frees; acq_rel orders every reader's use first. */
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	routes_free(&s->gemini);
	routes_free(&s->gopher);
	site_free(&s->site);
	config_free(&s->cfg);
	free(s);
	/*
	 * A snapshot is most of the process's memory, and glibc keeps what
	 * was freed unless asked: without this, RSS stayed near twice the
	 * snapshot after every reload (bench/memory.sh).
	 */
	malloc_trim(0);
}

int
snapshot_serve(struct snapshot *s, const struct config *cfg,
    int gemini_port, int gopher_port)
{
	const struct config *c = &s->cfg;

	if (config_copy(&s->cfg, cfg) == -1)
		return -1;
	s->gemini_port = gemini_port;
	snapshot_gopher_opts(c, gopher_port, &s->gopher_opts);
	return 0;
}

void
snapshot_gopher_opts(const struct config *c, int gopher_port,
    struct gopher_opts *go)
{
	go->host = c->gopher_host ? c->gopher_host : c->host;
	go->port = c->gopher_public_port ? c->gopher_public_port : gopher_port;
	go->width = (size_t)c->gopher_width;
	go->gemini_host = c->host;
}
