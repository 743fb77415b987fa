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

#include <stdatomic.h>

#include "base/diag.h"
#include "render/render_gemini.h"
#include "render/render_gopher.h"
#include "render/snapshot.h"

/* Directories below posts/ a load descends, at most. */
#define CONTENT_DEPTH_MAX 16
/*
 * Descriptors a load holds open at once, at most: the root, posts/, one
 * per directory level below it, and the file being read (or the dup a
 * directory is listed through). The server keeps this many free.
 */
#define CONTENT_FDS (CONTENT_DEPTH_MAX + 4)

/*
 * Loads and renders. Every problem goes to d. Returns NULL only when
 * nothing can be served (no root, no usable site.yaml, no memory), or
 * when the post and page files add up to more than max_bytes (0: no
 * limit; max_content_bytes): that tree is refused whole, as the walk
 * reaches the file that passes it; or when *cancel (NULL: never) became
 * non-zero: it is looked at between files and between render steps, so
 * a load gives up within one step.
 */
struct snapshot *content_load(const char *root, const struct render_opts *o,
    const struct gopher_opts *go, size_t max_bytes, const atomic_int *cancel,
    struct diags *d);

#endif
