/*
 * gemwrite: gemtext written a block at a time (pure). The one emitter the
 * converters share (html2gemtext for Blogger's HTML, markdown for
 * CommonMark posts): they walk their trees and call these functions; it
 * decides every line, so the two write the same gemtext for the same
 * structure.
 *
 * What it writes:
 * - Inline text with its white space collapsed (HTML's rules, and U+00A0
 *   collapses too), control characters dropped, invalid UTF-8 replaced by
 *   U+FFFD. A text line that would read as another line type ("=>", "#",
 *   ">", "* ", "```") gets one leading space.
 * - A blank line between top-level blocks (paragraphs, headings, lists,
 *   quotations, preformatted blocks); none inside lists and quotations,
 *   never two in a row, none at the start or the end.
 * - Headings at levels 1-3 (deeper ones as level 3).
 * - List items as "* ", nested ones flattened: "* › " per level below the
 *   first (white space after "* " would be trimmed by every reader), and
 *   ordered items numbered: "* 1. ", "* › 2. ".
 * - Quotations as "> " lines, nested ones as "> > ".
 * - Links and images gathered as "=> URL label" lines after the block
 *   that holds them (after the whole list or quotation when inside one).
 *   A link whose only content is one image gives one line: the link's URL
 *   with the image's alt text. Images without alt text are labelled
 *   "Image". URLs that lead nowhere in gemtext (empty, "#fragment",
 *   javascript:, data:, vbscript:) give no line; white space and control
 *   bytes in a URL are percent-encoded. The same URL and label twice in
 *   one block give one line.
 * - Preformatted text between "```" lines, verbatim but for control
 *   characters, with a line that starts with "```" shifted by one space.
 */
#ifndef CAPSULED_GEMWRITE_H
#define CAPSULED_GEMWRITE_H

#include <stddef.h>

#include "base/buf.h"

#define GEMWRITE_LIST_MAX 16 /* ordered-list numbers kept this deep */

struct gemwrite_link {
	char *url;
	char *label; /* "" when none */
};

struct gemwrite {
	struct buf *out;
	struct buf line;   /* inline text of the line being built */
	struct buf label;  /* text of the link being read */
	int space;         /* a collapsed white space is pending in line */
	int label_space;   /* ... in label */
	int cell;          /* a table cell began: " | " before its text */
	int heading;       /* 1..3 inside a heading */
	int quote;         /* depth of quotations */
	int list;          /* depth of lists */
	int ordered[GEMWRITE_LIST_MAX];
	long number[GEMWRITE_LIST_MAX]; /* next number of each ordered list */
	long item_number;  /* number of the current item's first line, or -1 */
	int item_first;    /* the next line is its item's first */
	int link;          /* depth of links (nested ones count, do nothing) */
	char *link_url;    /* NULL: a link that leads nowhere */
	size_t link_first; /* first pending line added inside the link */
	size_t link_images;/* image lines added inside it */
	char *link_alt;    /* alt text of its first image */
	struct gemwrite_link *links; /* pending link lines */
	size_t nlinks, caplinks;
	int blank;         /* a blank line is wanted before the next line */
	int last_blank;    /* the last line written was blank */
	size_t lines;      /* lines written */
	int failed;
};

/* Writes into out (appended to; its failure flag is checked at the end). */
void gemwrite_init(struct gemwrite *w, struct buf *out);

/*
 * Closes whatever is open, writes the pending links and frees the
 * writer's memory. Returns 0, or -1 if memory ran out at any point.
 */
int gemwrite_finish(struct gemwrite *w);

/* Inline text, len bytes; white space collapses. */
void gemwrite_text(struct gemwrite *w, const char *s, size_t len);
/* A hard line break: ends the line; on an empty line, a paragraph break. */
void gemwrite_break(struct gemwrite *w);
/* Ends the line, and the paragraph (a blank line follows at top level). */
void gemwrite_para(struct gemwrite *w);
/* Ends the line only (a <div>, a table row, a definition). */
void gemwrite_line(struct gemwrite *w);
/* Within a line: a new table cell, " | " from the one before. */
void gemwrite_cell(struct gemwrite *w);

void gemwrite_heading(struct gemwrite *w, int level);
void gemwrite_heading_end(struct gemwrite *w);
/* start: the first number of an ordered list. */
void gemwrite_list(struct gemwrite *w, int ordered, long start);
void gemwrite_list_end(struct gemwrite *w);
void gemwrite_item(struct gemwrite *w);
void gemwrite_item_end(struct gemwrite *w);
void gemwrite_quote(struct gemwrite *w);
void gemwrite_quote_end(struct gemwrite *w);
/* A thematic break: a "---" line. */
void gemwrite_rule(struct gemwrite *w);

/*
 * A preformatted block of len bytes; alt (may be NULL) is its alt text.
 * Lines ending in LF, CRLF or CR; blank lines at both ends dropped; an
 * empty block writes nothing.
 */
void gemwrite_pre(struct gemwrite *w, const char *alt, const char *text,
    size_t len);

/* A link around inline content; url may be NULL (a link to nowhere). */
void gemwrite_link(struct gemwrite *w, const char *url);
void gemwrite_link_end(struct gemwrite *w);
/* An image: a pending "=> src alt" line (alt NULL or "": "Image"). */
void gemwrite_image(struct gemwrite *w, const char *src, const char *alt);
/* A pending link line, for links the caller read itself (in <pre>). */
void gemwrite_link_line(struct gemwrite *w, const char *url,
    const char *label);

#endif
