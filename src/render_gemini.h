/*
 * render_gemini: every Gemini response of a site, rendered once (pure).
 */
#ifndef CAPSULED_RENDER_GEMINI_H
#define CAPSULED_RENDER_GEMINI_H

#include "route.h"
#include "site.h"

struct render_opts {
	const char *host;  /* public host name, for absolute URLs (feeds) */
	int port;          /* public Gemini port; 1965 is left out of URLs */
};

/*
 * Adds to t: "/" (home), "/YYYY/" and "/YYYY/MM/" (with 31 redirects from
 * the forms without a slash), every post at "/YYYY/MM/slug.gmi", every
 * page at "/name.gmi", "/atom.xml" and "/robots.txt". Returns 0 or -1
 * (memory).
 */
int render_gemini(const struct site *s, const struct render_opts *o,
    struct routes *t);

#endif
