/*
 * markdown: a CommonMark body (a Jekyll or Hugo post) as gemtext (pure).
 * libcmark parses it; a walk of its node tree hands every block to
 * gemwrite, so a .md post reads like an imported one:
 *
 * paragraphs, headings (levels 4-6 as 3), lists (nesting flattened,
 * ordered ones numbered), block quotes, code blocks (fenced or indented)
 * as ``` blocks with the info string as alt text, thematic breaks as
 * "---", links and images as link lines after their paragraph, emphasis
 * as its plain text, inline code as its text, hard breaks as line ends.
 * Raw HTML blocks go through html2gemtext (so a <div> or an <img> in a
 * post still counts, and a <script> still does not); inline HTML is
 * dropped but for <br>.
 */
#ifndef CAPSULED_MARKDOWN_H
#define CAPSULED_MARKDOWN_H

#include <stddef.h>

#include "base/buf.h"

/*
 * Appends the gemtext of md[0..len) to out. Returns 0, or -1 when memory
 * ran out.
 */
int markdown_to_gemtext(const char *md, size_t len, struct buf *out);

#endif
