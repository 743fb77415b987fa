/* finish: the site's order, tags and index built in turn, and freed. */
#include "model/finish.h"

#include "model/search.h"
#include "model/tags.h"

int
site_finish_model(struct site *s, void (*dup)(void *ctx, const char *file),
    void *ctx)
{
	return site_order(s, dup, ctx) == -1 || tags_build(s) == -1 ? -1 : 0;
}

int
site_index(struct site *s)
{
	/* Built with the snapshot: a query never reads or renders a post. */
	return (s->search = search_build(s->posts, s->nposts)) == NULL ? -1 : 0;
}

int
site_finish(struct site *s, void (*dup)(void *ctx, const char *file),
    void *ctx)
{
	return site_finish_model(s, dup, ctx) == -1 || site_index(s) == -1
	    ? -1 : 0;
}

void
site_free(struct site *s)
{
	search_free(s->search);
	s->search = NULL;
	tags_free(s);
	site_clear(s);
}
