/*
 * markdown: cmark's iterator gives every node twice (enter and exit) but
 * leaves once; that order is exactly gemwrite's.
 */
#include "text/markdown.h"

#include <string.h>
#include <strings.h>

#include <cmark.h>

#include "text/gemwrite.h"
#include "text/html2gemtext.h"

/* "<br>", "<br/>", "<BR />": the one inline tag that means something. */
static int
is_br(const char *s)
{
	if (s == NULL || strncasecmp(s, "<br", 3) != 0)
		return 0;
	s += 3;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s == '/')
		s++;
	return strcmp(s, ">") == 0;
}

/* The plain text under node (an image's alt text). */
static void
text_under(cmark_node *node, struct buf *b)
{
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		const char *s;

		if (ev != CMARK_EVENT_ENTER)
			continue;
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			if ((s = cmark_node_get_literal(n)) != NULL)
				buf_puts(b, s);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_putc(b, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

static void
image(struct gemwrite *w, cmark_node *n)
{
	struct buf alt;

	buf_init(&alt);
	text_under(n, &alt);
	buf_putc(&alt, '\0');
	if (alt.failed)
		w->failed = 1;
	gemwrite_image(w, cmark_node_get_url(n), alt.failed ? "" : alt.data);
	buf_free(&alt);
}

static void
code_block(struct gemwrite *w, cmark_node *n)
{
	const char *s = cmark_node_get_literal(n);

	gemwrite_pre(w, cmark_node_get_fence_info(n), s ? s : "",
	    s ? strlen(s) : 0);
	gemwrite_para(w);
}

static void
html_block(struct gemwrite *w, cmark_node *n)
{
	const char *s = cmark_node_get_literal(n);

	gemwrite_para(w);
	if (s != NULL && html2gemtext_write(w, s, strlen(s)) == -1)
		w->failed = 1;
	gemwrite_para(w);
}

/* Returns 1 to skip the node's children. */
static int
node(struct gemwrite *w, cmark_node *n, int entering)
{
	const char *s;

	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_BLOCK_QUOTE:
		if (entering)
			gemwrite_quote(w);
		else
			gemwrite_quote_end(w);
		break;
	case CMARK_NODE_LIST:
		if (entering)
			gemwrite_list(w,
			    cmark_node_get_list_type(n) == CMARK_ORDERED_LIST,
			    cmark_node_get_list_start(n));
		else
			gemwrite_list_end(w);
		break;
	case CMARK_NODE_ITEM:
		if (entering)
			gemwrite_item(w);
		else
			gemwrite_item_end(w);
		break;
	case CMARK_NODE_CODE_BLOCK:
		code_block(w, n);
		break;
	case CMARK_NODE_HTML_BLOCK:
		html_block(w, n);
		break;
	case CMARK_NODE_PARAGRAPH:
	case CMARK_NODE_CUSTOM_BLOCK:
		gemwrite_para(w);
		break;
	case CMARK_NODE_HEADING:
		if (entering)
			gemwrite_heading(w, cmark_node_get_heading_level(n));
		else
			gemwrite_heading_end(w);
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		gemwrite_rule(w);
		break;
	case CMARK_NODE_TEXT:
	case CMARK_NODE_CODE:
		if ((s = cmark_node_get_literal(n)) != NULL)
			gemwrite_text(w, s, strlen(s));
		break;
	case CMARK_NODE_SOFTBREAK:
		gemwrite_text(w, " ", 1);
		break;
	case CMARK_NODE_LINEBREAK:
		gemwrite_break(w);
		break;
	case CMARK_NODE_HTML_INLINE:
		if (is_br(cmark_node_get_literal(n)))
			gemwrite_break(w);
		break;
	case CMARK_NODE_LINK:
		if (entering)
			gemwrite_link(w, cmark_node_get_url(n));
		else
			gemwrite_link_end(w);
		break;
	case CMARK_NODE_IMAGE:
		if (entering) {
			image(w, n);
			return 1;
		}
		break;
	default: /* the document, emphasis, custom inlines */
		break;
	}
	return 0;
}

int
markdown_to_gemtext(const char *md, size_t len, struct buf *out)
{
	struct gemwrite w;
	cmark_node *doc;
	cmark_iter *it;
	cmark_event_type ev;
	int rc = 0;

	if ((doc = cmark_parse_document(md, len, CMARK_OPT_DEFAULT)) == NULL)
		return -1;
	if ((it = cmark_iter_new(doc)) == NULL) {
		cmark_node_free(doc);
		return -1;
	}
	gemwrite_init(&w, out);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);

		if (node(&w, n, ev == CMARK_EVENT_ENTER))
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
	}
	if (gemwrite_finish(&w) == -1)
		rc = -1;
	cmark_iter_free(it);
	cmark_node_free(doc);
	return rc;
}
