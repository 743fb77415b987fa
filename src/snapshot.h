/*
 * snapshot: one loaded site and every response rendered from it,
 * immutable and reference-counted.
 *
 * A connection takes a reference when it starts and drops it when it
 * closes; a reload builds a new snapshot beside the old one and swaps the
 * server's pointer, so the old one is freed by its last connection.
 */
#ifndef CAPSULED_SNAPSHOT_H
#define CAPSULED_SNAPSHOT_H

#include <stdatomic.h>
#include <time.h>

#include "route.h"
#include "site.h"

struct snapshot {
	atomic_long refs;
	struct site site;
	struct routes gemini;  /* path -> Gemini response */
	struct routes gopher;  /* selector -> menu or text */
	struct routes gopher_plus; /* selector -> Gopher+ form of a menu */
	time_t loaded;
};

/* A new empty snapshot holding one reference. */
struct snapshot *snapshot_new(void);
struct snapshot *snapshot_ref(struct snapshot *s);
void snapshot_unref(struct snapshot *s);

#endif
