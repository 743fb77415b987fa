/*
 * frontmatter: the "---" block at the top of a post or page, read into
 * post metadata (pure).
 */
#ifndef CAPSULED_FRONTMATTER_H
#define CAPSULED_FRONTMATTER_H

#include <stddef.h>

#include "base/date.h"

struct post_meta {
	char *title;       /* required */
	struct date date;  /* required for posts (FM_NEED_DATE) */
	int has_date;
	struct date updated;
	int has_updated;
	char *author;      /* NULL when absent */
	char *lang;
	char *summary;
	char *slug;
	char *source;      /* the original URL */
	char **tags;       /* as written; duplicates (case-insensitive) dropped */
	size_t ntags;
	int draft;
	long comments;     /* -1 when absent */
};

struct fm_error {
	unsigned line, col; /* 1-based, in the whole file */
	char msg[200];
};

enum { FM_NEED_DATE = 1 };

/*
 * Reads the front matter of a file of len bytes. The file must start with
 * a line "---" and the block ends at the next line that is exactly "---"
 * or "..." (a CR before the LF is allowed). On success returns 0, fills
 * meta and sets *body_off to the first byte after the closing line and
 * *body_line to its line number. On failure returns -1, fills err with
 * the position of the problem, and leaves meta empty (nothing to free).
 *
 * Errors: no front matter, an unterminated block, YAML errors, a block that
 * is not a mapping, a missing or empty title, a missing date when
 * (flags & FM_NEED_DATE), a date that date_parse refuses (at the value's
 * position), wrong types (tags not a string or a list of strings, draft not
 * a boolean, comments not a non-negative integer), and what caps.h
 * refuses: a title over CAPS_TITLE_BYTES, more than CAPS_TAGS tags (at
 * the tag that is one too many). Unknown keys are
 * ignored; a known key written twice is an error. A null or blank value
 * counts as absent. Strings are returned as written but for white space
 * trimmed at both ends (UTF-8 has been checked); each renderer cleans them
 * for its own protocol.
 */
int frontmatter_parse(const char *buf, size_t len, int flags,
    struct post_meta *meta, size_t *body_off, unsigned *body_line,
    struct fm_error *err);

void post_meta_free(struct post_meta *meta);

#endif
