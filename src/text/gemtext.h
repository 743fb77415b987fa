/*
 * gemtext: the line types of text/gemini (gemtext v0.24.1), read one line
 * at a time (pure). The one parser every renderer uses.
 */
#ifndef CAPSULED_GEMTEXT_H
#define CAPSULED_GEMTEXT_H

#include <stddef.h>

enum gemtext_kind {
	GT_TEXT,      /* a paragraph line (may be empty: a blank line) */
	GT_LINK,      /* "=>" URL [label] */
	GT_HEADING1,  /* "#" */
	GT_HEADING2,  /* "##" */
	GT_HEADING3,  /* "###" */
	GT_LIST,      /* "* " */
	GT_QUOTE,     /* ">" */
	GT_PRE_START, /* "```" opening a block; text is its alt text */
	GT_PRE,       /* a line inside a preformatted block, verbatim */
	GT_PRE_END,   /* "```" closing a block */
};

struct gemtext_line {
	enum gemtext_kind kind;
	const char *text;   /* the content: heading, item, quote, text, alt,
			       link label (empty when none), verbatim line */
	size_t text_len;
	const char *url;    /* GT_LINK: the URL */
	size_t url_len;
};

struct gemtext_reader {
	const char *buf;
	size_t len, off;
	int pre;            /* inside a preformatted block */
};

void gemtext_init(struct gemtext_reader *r, const char *buf, size_t len);

/*
 * Reads the next line into *line (pointers into buf, nothing copied; the
 * line end, LF or CRLF, is not part of any field). Leading whitespace after
 * a line-type prefix is skipped; trailing whitespace of headings, items,
 * quotes, labels, alt text and URLs is dropped; text and preformatted
 * lines are kept as written. A link line with no URL ("=>" alone) is
 * GT_TEXT; "=>url" needs no space. Headings need no space ("#title");
 * list items do ("*word" is text). A label-less link has text_len 0, and
 * url is NULL for every other kind. Inside a block, any line starting with
 * "```" closes it (the rest of that line is ignored). A block still open
 * at the end of the text gets no GT_PRE_END: renderers close it themselves.
 * Text ending in a line end has no empty line after it; empty input has
 * no lines. Returns 1, or 0 at the end of the text.
 */
int gemtext_next(struct gemtext_reader *r, struct gemtext_line *line);

/*
 * The link lines of buf[0..len), as gemtext_next reads them, counted up
 * to max + 1: when there are more than max, *over (if not NULL) gets the
 * offset of the line of the one past max.
 */
size_t gemtext_links(const char *buf, size_t len, size_t max, size_t *over);

#endif
