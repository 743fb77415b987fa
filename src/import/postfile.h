/*
 * postfile: the file an imported post is written as (pure): its front
 * matter (title, date, updated, author, tags, source, comments, draft),
 * the gemtext body, and the line "import_hash: HEX" last in the front
 * matter, the SHA-256 of the file without that line. A file whose hash
 * still matches was not edited since it was imported, so a later import
 * may replace it; any other is the author's.
 */
#ifndef CAPSULED_POSTFILE_H
#define CAPSULED_POSTFILE_H

#include <stddef.h>

#include "base/buf.h"

/* One post, as read from an export. */
struct postfile {
	char *title, *date, *updated, *author, *source, *slug;
	char **tags;
	size_t ntags;
	long comments;    /* -1: none given */
	int draft;
	struct buf body;  /* gemtext */
};

/* Frees what p holds (not p). */
void postfile_free(struct postfile *p);

/* The file's bytes (to free), *len of them; NULL when out of memory. */
char *postfile_render(const struct postfile *p, size_t *len);

/* Whether data holds a hash line that the rest of it hashes to. */
int postfile_untouched(const char *data, size_t len);

#endif
