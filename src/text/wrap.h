/*
 * wrap: display width and word wrapping of UTF-8 text for Gopher (pure),
 * with libunistring: widths by UAX #11 (East Asian wide characters count
 * two columns, combining marks none) and break opportunities by UAX #14.
 */
#ifndef CAPSULED_WRAP_H
#define CAPSULED_WRAP_H

#include <stddef.h>

#include "base/buf.h"

/*
 * Columns that s[0..len) takes on a terminal: East Asian wide and
 * fullwidth characters (and most emoji) 2, combining marks and other
 * zero-width characters 0, anything else 1. Each invalid UTF-8 byte counts
 * 1, and so does each control character: wrap_clean_line and
 * wrap_paragraph turn them into U+FFFD and a space.
 */
size_t wrap_width(const char *s, size_t len);

/*
 * Appends s cleaned for one line of a Gopher menu or text: TAB, CR, LF and
 * every other control character (C0, DEL, C1 U+0080 to U+009F, and the
 * separators U+2028 and U+2029) become a space, each invalid UTF-8 byte
 * U+FFFD, runs of spaces one space, with none left at either end; then
 * cut to at most max_cols columns between grapheme clusters. A cut string
 * ends in "…" (U+2026, one column) within the limit, with no space before
 * it; max_cols 0 appends nothing. The output is always valid UTF-8.
 * Returns the columns used.
 */
size_t wrap_clean_line(struct buf *out, const char *s, size_t len,
    size_t max_cols);

/*
 * Appends text (one paragraph, no line ends inside) wrapped to width
 * columns, each output line ending in CRLF: the first line starts with
 * first_prefix, later ones with rest_prefix (hanging indents and "> "
 * quotes), both counted in the width and written as given (NULL is "").
 * The text is cleaned first: controls (a stray LF or TAB included) become
 * a space and invalid UTF-8 bytes U+FFFD, so the output is valid UTF-8
 * with no line end but the CRLFs. Spaces inside a line are kept as
 * written.
 *
 * Breaks where UAX #14 allows (between words, after hyphens, between CJK
 * characters); spaces at a break are dropped, and trailing spaces are never
 * written. A word wider than a line of its own (a long URL) starts a new
 * line and is cut between grapheme clusters. No line is wider than width,
 * except when width cannot hold the prefix plus one character: then each
 * line still takes one character, so the output always ends.
 *
 * A line that would be a lone "." is written " ." instead: most clients
 * print a "." line, some take it for the end of the document, and few
 * undo RFC 1436's ".." escaping, so a space before the dot is the form
 * every client shows as intended. (At width 1 this line is the one place
 * the width is exceeded.)
 *
 * An empty text (or one of spaces) writes one line holding only the first
 * prefix with its trailing spaces removed.
 */
void wrap_paragraph(struct buf *out, const char *text, size_t len,
    size_t width, const char *first_prefix, const char *rest_prefix);

#endif
