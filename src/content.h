/*
 * content: the content tree on disk, read into a new snapshot.
 *
 *   ROOT/site.yaml          the blog's identity (required)
 *   ROOT/posts/.../NAME.gmi  posts: front matter with title and date
 *   ROOT/pages/NAME.gmi      pages: front matter with a title
 *
 * Hidden files, symbolic links and other file types are skipped with a
 * message. Each bad file is reported and left out; the rest is served.
 */
#ifndef CAPSULED_CONTENT_H
#define CAPSULED_CONTENT_H

#include "diag.h"
#include "render_gemini.h"
#include "render_gopher.h"
#include "snapshot.h"

/*
 * Loads and renders. Every problem goes to d. Returns NULL only when
 * nothing can be served (no root, no usable site.yaml, no memory).
 */
struct snapshot *content_load(const char *root, const struct render_opts *o,
    const struct gopher_opts *go, struct diags *d);

#endif
