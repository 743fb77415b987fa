/*
 * finish: a loaded site made whole, and freed whole. site.c orders the
 * posts; tags.c and search.c build on that order; this is the one place
 * that knows all three, so that none of them includes another's header
 * but site.h.
 */
#ifndef CAPSULED_FINISH_H
#define CAPSULED_FINISH_H

#include "model/site.h"

/*
 * Orders the posts and builds years and months (site_order), the tags
 * (tags.h) and the search index (search.h). A duplicate post or page is
 * named to dup(ctx, file) and freed. Returns 0, or -1 (memory).
 */
int site_finish(struct site *s, void (*dup)(void *ctx, const char *file),
    void *ctx);

/*
 * site_finish in its two steps: the model (all of the above but the
 * search index), then the index, which only reads the model and so may
 * be built on one thread while the pages are rendered on another.
 */
int site_finish_model(struct site *s,
    void (*dup)(void *ctx, const char *file), void *ctx);
int site_index(struct site *s);

/* Frees the index, the tags and the site, and leaves it empty. */
void site_free(struct site *s);

#endif
