/*
 * html2gemtext: an HTML fragment (a blog post's body) as gemtext (pure).
 * libxml2's HTML parser reads it as a browser would (unclosed and
 * misnested tags repaired, entities decoded, any charset declaration
 * inside ignored: the input is UTF-8); gemwrite decides the lines.
 *
 * Elements: p and br; div, tr and the other blocks as lines; h1-h6; ul,
 * ol (with start) and li; blockquote; pre (its text verbatim); hr; table
 * cells joined by " | "; a and img as link lines. script, style, iframe,
 * noscript, object, embed, template, svg, math, form controls and the
 * head are dropped with everything inside them; other elements give
 * their text. See gemwrite.h for the lines.
 */
#ifndef CAPSULED_HTML2GEMTEXT_H
#define CAPSULED_HTML2GEMTEXT_H

#include <stddef.h>

#include "base/buf.h"
#include "text/gemwrite.h"

/*
 * Appends the gemtext of html[0..len) to out. Returns 0, or -1 when
 * memory ran out (out then holds part of it, or is marked failed).
 */
int html2gemtext(const char *html, size_t len, struct buf *out);

/*
 * The same, written into a writer that is already open: how the
 * CommonMark converter passes on a post's raw HTML blocks.
 */
int html2gemtext_write(struct gemwrite *w, const char *html, size_t len);

/*
 * Sets up libxml2 once: call it at start-up, before any sandbox, so that
 * nothing it does on first use happens later.
 */
void html2gemtext_init(void);

#endif
