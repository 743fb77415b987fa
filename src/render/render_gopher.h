/*
 * render_gopher: every Gopher menu and text of a site, rendered once from
 * the same model and gemtext as the capsule (pure).
 */
#ifndef CAPSULED_RENDER_GOPHER_H
#define CAPSULED_RENDER_GOPHER_H

#include <stddef.h>

#include "base/buf.h"
#include "render/gopher_text.h"
#include "render/route.h"
#include "model/site.h"

/*
 * Adds to t every selector: "/" (and ""), "/YYYY/" and "/YYYY/MM/" (and
 * without the slash), "/YYYY/MM/slug.txt", "/YYYY/MM/slug/links/" (and
 * without the slash), "/name.txt" for pages, "/tags/" and every
 * "/tags/<slug>/" (and without the slash; a slug with %XX also in UTF-8),
 * "/search" (the prompt: a menu with the type 7 item), "/caps.txt",
 * "/robots.txt". Menus are marked (response.menu) and kept under their
 * selector with the slash (gopher_lookup answers the one without).
 * Returns 0 or -1 (memory).
 */
int render_gopher(const struct site *s, const struct gopher_opts *o,
    struct routes *t);

/*
 * render_gopher in its two parts: the menus (home, years, months, tags,
 * search prompt, caps.txt, robots.txt) read the model only; the texts
 * (every post with its links menu, every page) read the bodies too.
 */
int render_gopher_menus(const struct site *s, const struct gopher_opts *o,
    struct routes *t);
int render_gopher_texts(const struct site *s, const struct gopher_opts *o,
    struct routes *t);

/*
 * The Gopher+ form of a menu (what the UMN client asks for with "TAB $"
 * before it shows one): "+-1", then each item as "+INFO: item", then
 * ".". Items are not marked Gopher+ (no TAB + after the port): the
 * client then fetches them as plain Gopher, the only way they are
 * served. Made when asked, not kept: only that client asks.
 */
void render_gopher_plus(struct buf *b, const char *menu, size_t len);

/*
 * The response to selector sel[0..len) in a table render_gopher filled:
 * a menu answers to its selector without the trailing slash too. NULL
 * when there is none.
 */
const struct response *gopher_lookup(const struct routes *t, const char *sel,
    size_t len);

/*
 * The answer to "/search TAB words" (taken as typed: no %-decoding): a
 * menu of the posts that hold every word, best first, each with a snippet
 * as info lines; the prompt menu again for no words; an error item for
 * too many words or bytes. b->failed tells of memory.
 */
void render_gopher_search(struct buf *b, const struct site *s,
    const struct gopher_opts *o, const char *words, size_t len);

/* An error item and the end of the menu: "3msg TAB TAB error.host TAB 1". */
void render_gopher_error(struct buf *b, const char *msg);

/*
 * The small HTML page a "URL:" selector answers with, which sends the
 * browser on to url (escaped for HTML, never trusted).
 */
void render_gopher_url_page(struct buf *b, const char *url, size_t len);

#endif
