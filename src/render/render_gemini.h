/*
 * render_gemini: every Gemini response of a site, rendered once (pure).
 */
#ifndef CAPSULED_RENDER_GEMINI_H
#define CAPSULED_RENDER_GEMINI_H

#include <stddef.h>

#include "base/buf.h"
#include "render/route.h"
#include "model/site.h"

struct render_opts {
	const char *host;  /* public host name, for absolute URLs (feeds) */
	int port;          /* public Gemini port; 1965 is left out of URLs */
};

/*
 * Adds to t: "/" (home), "/YYYY/" and "/YYYY/MM/" (with 31 redirects from
 * the forms without a slash), every post at "/YYYY/MM/slug.gmi", every
 * page at "/name.gmi", "/tags/" and each "/tags/<slug>/" (decoded, as
 * url.c hands paths over; 31 from the forms without a slash), "/search"
 * (10, the prompt), "/atom.xml", "/robots.txt" and, when site.yaml names
 * one, "/favicon.txt". Returns 0 or -1 (memory).
 */
int render_gemini(const struct site *s, const struct render_opts *o,
    struct routes *t);

/*
 * render_gemini in its two parts. The texts (every post and page) come
 * first: each holds its body as written (less its leading blank lines),
 * so that the loader can read the bodies there and free the copies it
 * read from disk; at, if not NULL, gets where each body is in its
 * response: at[i] for post i, at[nposts + j] for page j. The indexes
 * (home, years, months, tags, feed, robots, search prompt, favicon) read
 * the model only.
 */
struct gemini_span {
	size_t off, len;
};

int render_gemini_texts(const struct site *s, struct routes *t,
    struct gemini_span *at);
int render_gemini_indexes(const struct site *s, const struct render_opts *o,
    struct routes *t);

/* Where a post is served: "/YYYY/MM/slug.gmi" (out: 512 bytes will do). */
void gemini_post_path(char *out, size_t n, const struct post *p);

/*
 * The whole response to "/search?query" (query still percent-encoded, as
 * url.c leaves it): 20 and the posts that hold every word, best first,
 * each in the dated link form with a quoted snippet; 10 again for an empty
 * or a too long query; 59 for one that is not UTF-8 once decoded. Reads
 * s->search only. Returns the status; b->failed tells of memory.
 */
int render_gemini_search(struct buf *b, const struct site *s,
    const char *query, size_t len);

#endif
