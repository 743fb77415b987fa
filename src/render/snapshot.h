/*
 * snapshot: one loaded site and every response rendered from it,
 * immutable and reference-counted.
 *
 * A connection takes a reference when it starts and drops it when it
 * closes; a reload builds a new snapshot beside the old one and swaps the
 * server's pointer, so the old one is freed by its last connection.
 *
 * It also holds what it was built with (a copy of the settings, the
 * bound ports), so that a connection reads nothing that a reload on
 * another thread could change under it.
 */
#ifndef CAPSULED_SNAPSHOT_H
#define CAPSULED_SNAPSHOT_H

#include <stdatomic.h>
#include <time.h>

#include "model/config.h"
#include "render/render_gopher.h"
#include "render/route.h"
#include "model/site.h"

struct snapshot {
	atomic_long refs;
	struct site site;
	struct routes gemini;  /* path -> Gemini response */
	struct routes gopher;  /* selector -> menu or text */
	time_t loaded;
	struct config cfg;     /* the settings it was rendered with (a copy) */
	int gemini_port;       /* bound: a request may name it */
	struct gopher_opts gopher_opts; /* what search menus name */
};

/* A new empty snapshot holding one reference. */
struct snapshot *snapshot_new(void);
/* Another reference to s, which is returned; NULL gives NULL. */
struct snapshot *snapshot_ref(struct snapshot *s);

/*
 * Gives s what it was rendered with: a copy of cfg, the bound ports.
 * Returns -1 on memory.
 */
int snapshot_serve(struct snapshot *s, const struct config *cfg,
    int gemini_port, int gopher_port);
void snapshot_unref(struct snapshot *s);

/*
 * What Gopher menus name, from c and the bound Gopher port: the public
 * host (gopher_host, else host) and port (gopher_public_port, else the
 * bound one), the width, and the Gemini host whose links are local. The
 * one place that rule is written.
 */
void snapshot_gopher_opts(const struct config *c, int gopher_port,
    struct gopher_opts *go);

#endif
