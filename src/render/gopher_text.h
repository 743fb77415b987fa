/*
 * gopher_text: the Gopher text writer. A post's gemtext as wrapped plain
 * text (headings underlined, lists and quotes indented, each link a
 * "[n]" mark with the list of them after the text), and each of its
 * links mapped to the Gopher item a menu offers for it: the capsule's
 * own paths as native items, gopher:// as they are, the rest as URL:
 * items. Pure: the caller owns the buffer.
 */
#ifndef CAPSULED_GOPHER_TEXT_H
#define CAPSULED_GOPHER_TEXT_H

#include <stddef.h>

#include "base/buf.h"
#include "text/gemtext.h"

/* What every Gopher renderer writes with: menus, texts and links. */
struct gopher_opts {
	const char *host;    /* written into menus: the public name */
	int port;            /* written into menus: the public port */
	size_t width;        /* columns of text and menu display strings */
	const char *gemini_host; /* links to gemini://this-host/ are local */
};

/* One link of a post, as Gopher sees it. */
struct glink {
	char type;              /* item type */
	char selector[1100];
	char host[256];
	int port;
	char url[1300];         /* what the text's link list shows */
};

/* Maps one gemtext link, relative ones against dir ("/2013/08/"). */
void gopher_text_link(struct glink *g, const struct gopher_opts *o,
    const char *dir, const char *url, size_t len);

/* Calls fn for each link of a gemtext body, mapped, in order (n from 1). */
typedef void (*gopher_link_fn)(void *ctx, size_t n, const struct glink *g,
    const struct gemtext_line *line);
void gopher_text_each_link(const char *body, size_t len,
    const struct gopher_opts *o, const char *dir, gopher_link_fn fn,
    void *ctx);

/* text cleaned, cut to width, as one line underlined with c. */
void gopher_text_heading(struct buf *b, const char *text, size_t len,
    size_t width, char c);

/*
 * The gemtext body as wrapped text: each link becomes "[n] label" where
 * it stood, and the list of "[n] URL label" follows the text.
 */
void gopher_text_body(struct buf *b, const char *body, size_t len,
    size_t width, const struct gopher_opts *o, const char *dir);

#endif
