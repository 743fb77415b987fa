/*
 * html2gemtext: libxml2 builds the tree, and an iterative walk (no
 * recursion: the depth of a tree is the input's to choose) hands each
 * element's start and end to gemwrite.
 */
#include "text/html2gemtext.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

enum kind {
	K_INLINE,  /* its text, nothing else */
	K_SKIP,    /* dropped with its content */
	K_BR,
	K_PARA,    /* a paragraph: blank lines around it */
	K_LINE,    /* a block that is one line or more */
	K_HEADING,
	K_LIST,
	K_OLIST,
	K_ITEM,
	K_QUOTE,
	K_PRE,
	K_RULE,
	K_TABLE,
	K_CELL,
	K_LINK,
	K_IMG,
};

static const struct element {
	const char *name;
	enum kind kind;
} elements[] = {
    {"a", K_LINK},          {"address", K_LINE},   {"applet", K_SKIP},
    {"article", K_LINE},    {"aside", K_LINE},     {"audio", K_SKIP},
    {"blockquote", K_QUOTE}, {"br", K_BR},         {"button", K_SKIP},
    {"canvas", K_SKIP},     {"caption", K_LINE},   {"center", K_LINE},
    {"dd", K_LINE},         {"details", K_LINE},   {"dir", K_LIST},
    {"div", K_LINE},        {"dl", K_PARA},        {"dt", K_LINE},
    {"embed", K_SKIP},      {"fieldset", K_LINE},  {"figcaption", K_LINE},
    {"figure", K_PARA},     {"footer", K_LINE},    {"form", K_LINE},
    {"frame", K_SKIP},      {"frameset", K_SKIP},  {"h1", K_HEADING},
    {"h2", K_HEADING},      {"h3", K_HEADING},     {"h4", K_HEADING},
    {"h5", K_HEADING},      {"h6", K_HEADING},     {"head", K_SKIP},
    {"header", K_LINE},     {"hr", K_RULE},        {"iframe", K_SKIP},
    {"img", K_IMG},         {"input", K_SKIP},     {"legend", K_LINE},
    {"li", K_ITEM},         {"listing", K_PRE},    {"main", K_LINE},
    {"map", K_SKIP},        {"math", K_SKIP},      {"menu", K_LIST},
    {"nav", K_LINE},        {"noembed", K_SKIP},   {"noframes", K_SKIP},
    {"noscript", K_SKIP},   {"object", K_SKIP},    {"ol", K_OLIST},
    {"option", K_SKIP},     {"p", K_PARA},         {"plaintext", K_PRE},
    {"pre", K_PRE},         {"script", K_SKIP},    {"section", K_LINE},
    {"select", K_SKIP},     {"style", K_SKIP},     {"summary", K_LINE},
    {"svg", K_SKIP},        {"table", K_TABLE},    {"td", K_CELL},
    {"template", K_SKIP},   {"textarea", K_SKIP},  {"th", K_CELL},
    {"title", K_SKIP},      {"tr", K_LINE},        {"ul", K_LIST},
    {"video", K_SKIP},      {"xmp", K_PRE},
};

static int
cmp_element(const void *key, const void *e)
{
	return strcasecmp(key, ((const struct element *)e)->name);
}

static enum kind
kind_of(const xmlNode *n)
{
	const struct element *e;

	e = bsearch(n->name, elements, sizeof(elements) / sizeof(*elements),
	    sizeof(*elements), cmp_element);
	return e ? e->kind : K_INLINE;
}

/* An attribute's value, or NULL; the caller xmlFree()s it. */
static char *
attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static long
ol_start(const xmlNode *n)
{
	char *s = attr(n, "start"), *end;
	long v = 1;

	if (s != NULL) {
		v = strtol(s, &end, 10);
		if (end == s || v < -999999 || v > 999999999)
			v = 1;
		xmlFree(s);
	}
	return v;
}

static void
link_start(struct gemwrite *w, const xmlNode *n)
{
	char *href = attr(n, "href");

	gemwrite_link(w, href);
	xmlFree(href);
}

static void
image(struct gemwrite *w, const xmlNode *n)
{
	char *src = attr(n, "src"), *alt = attr(n, "alt");

	gemwrite_image(w, src, alt);
	xmlFree(src);
	xmlFree(alt);
}

static int
is_text(const xmlNode *n)
{
	return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

/* A link or image read inside <pre>, written after the block. */
struct pre_link {
	char *url;
	char *label;
	int image;
};

struct pre {
	struct buf text;
	struct pre_link *links;
	size_t n, cap;
	const xmlNode *anchor; /* the <a> being read, and where it began */
	size_t anchor_off;
	int failed;
};

static void
pre_add(struct pre *p, const char *url, const char *label, int img)
{
	struct pre_link *l;

	if (url == NULL)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;

		if ((l = realloc(p->links, cap * sizeof(*l))) == NULL) {
			p->failed = 1;
			return;
		}
		p->links = l;
		p->cap = cap;
	}
	l = &p->links[p->n];
	l->url = strdup(url);
	l->label = strdup(label ? label : "");
	l->image = img;
	if (l->url == NULL || l->label == NULL) {
		free(l->url);
		free(l->label);
		p->failed = 1;
		return;
	}
	p->n++;
}

static int
pre_enter(struct pre *p, const xmlNode *n)
{
	if (is_text(n)) {
		if (n->content != NULL)
			buf_puts(&p->text, (const char *)n->content);
		return 0;
	}
	if (n->type != XML_ELEMENT_NODE)
		return 0;
	switch (kind_of(n)) {
	case K_SKIP:
		return 0;
	case K_BR:
		buf_putc(&p->text, '\n');
		return 0;
	case K_LINK:
		if (p->anchor == NULL) {
			p->anchor = n;
			p->anchor_off = p->text.len;
		}
		return 1;
	case K_IMG: {
		char *src = attr(n, "src"), *alt = attr(n, "alt");

		pre_add(p, src, alt, 1);
		xmlFree(src);
		xmlFree(alt);
		return 0;
	}
	default:
		return 1;
	}
}

static void
pre_leave(struct pre *p, const xmlNode *n)
{
	char *href, *label;

	if (n != p->anchor)
		return;
	p->anchor = NULL;
	if ((href = attr(n, "href")) == NULL)
		return;
	label = strndup(p->text.data ? p->text.data + p->anchor_off : "",
	    p->text.len - p->anchor_off);
	if (label == NULL)
		p->failed = 1;
	else
		pre_add(p, href, label, 0);
	free(label);
	xmlFree(href);
}

/*
 * The walk of a subtree without recursion: enter() says whether to go
 * into a node; leave() comes after the children of every node entered.
 */
#define WALK(root, enter, leave)                                         \
	do {                                                             \
		xmlNode *n_ = (root)->children;                          \
		while (n_ != NULL) {                                     \
			int in_ = enter(n_);                             \
			if (in_ && n_->children != NULL) {               \
				n_ = n_->children;                       \
				continue;                                \
			}                                                \
			if (in_)                                         \
				leave(n_);                               \
			while (n_ != NULL && n_->next == NULL) {         \
				n_ = n_->parent;                         \
				if (n_ == NULL || n_ == (root)) {        \
					n_ = NULL;                       \
					break;                           \
				}                                        \
				leave(n_);                               \
			}                                                \
			if (n_ != NULL)                                  \
				n_ = n_->next;                           \
		}                                                        \
	} while (0)

/* A whole <pre>: its text, then its links. */
static void
pre_block(struct gemwrite *w, xmlNode *root)
{
	struct pre p;

	memset(&p, 0, sizeof(p));
	buf_init(&p.text);
#define PRE_ENTER(n) pre_enter(&p, (n))
#define PRE_LEAVE(n) pre_leave(&p, (n))
	WALK(root, PRE_ENTER, PRE_LEAVE);
#undef PRE_ENTER
#undef PRE_LEAVE
	if (p.text.failed || p.failed)
		w->failed = 1;
	else
		gemwrite_pre(w, NULL, p.text.data ? p.text.data : "",
		    p.text.len);
	for (size_t i = 0; i < p.n; i++) {
		if (p.links[i].image)
			gemwrite_image(w, p.links[i].url, p.links[i].label);
		else
			gemwrite_link_line(w, p.links[i].url, p.links[i].label);
		free(p.links[i].url);
		free(p.links[i].label);
	}
	free(p.links);
	buf_free(&p.text);
	gemwrite_para(w);
}

static int
enter(struct gemwrite *w, xmlNode *n)
{
	enum kind k;

	if (is_text(n)) {
		if (n->content != NULL)
			gemwrite_text(w, (const char *)n->content,
			    strlen((const char *)n->content));
		return 0;
	}
	if (n->type != XML_ELEMENT_NODE)
		return 0;
	switch ((k = kind_of(n))) {
	case K_SKIP:
		return 0;
	case K_BR:
		gemwrite_break(w);
		return 0;
	case K_PARA:
	case K_TABLE:
		gemwrite_para(w);
		break;
	case K_LINE:
		gemwrite_line(w);
		break;
	case K_HEADING:
		gemwrite_heading(w, n->name[1] - '0');
		break;
	case K_LIST:
	case K_OLIST:
		gemwrite_list(w, k == K_OLIST, k == K_OLIST ? ol_start(n) : 1);
		break;
	case K_ITEM:
		gemwrite_item(w);
		break;
	case K_QUOTE:
		gemwrite_quote(w);
		break;
	case K_PRE:
		pre_block(w, n);
		return 0;
	case K_RULE:
		gemwrite_rule(w);
		return 0;
	case K_CELL:
		gemwrite_cell(w);
		break;
	case K_LINK:
		link_start(w, n);
		break;
	case K_IMG:
		image(w, n);
		return 0;
	case K_INLINE:
		break;
	}
	return 1;
}

static void
leave(struct gemwrite *w, xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	switch (kind_of(n)) {
	case K_PARA:
	case K_TABLE:
		gemwrite_para(w);
		break;
	case K_LINE:
		gemwrite_line(w);
		break;
	case K_HEADING:
		gemwrite_heading_end(w);
		break;
	case K_LIST:
	case K_OLIST:
		gemwrite_list_end(w);
		break;
	case K_ITEM:
		gemwrite_item_end(w);
		break;
	case K_QUOTE:
		gemwrite_quote_end(w);
		break;
	case K_LINK:
		gemwrite_link_end(w);
		break;
	default:
		break;
	}
}

static void
silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

void
html2gemtext_init(void)
{
	xmlInitParser();
	/* A fragment's flaws are not news: nothing goes to stderr. */
	xmlSetGenericErrorFunc(NULL, silent);
}

int
html2gemtext_write(struct gemwrite *w, const char *html, size_t len)
{
	htmlDocPtr doc;

	if (len > INT_MAX)
		return -1;
	if (len == 0)
		return 0;
	html2gemtext_init();
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT);
	if (doc == NULL)
		return 0; /* nothing in it (libxml2 calls that empty) */
#define ENTER(n) enter(w, (n))
#define LEAVE(n) leave(w, (n))
	WALK((xmlNode *)doc, ENTER, LEAVE);
#undef ENTER
#undef LEAVE
	xmlFreeDoc(doc);
	return w->failed ? -1 : 0;
}

int
html2gemtext(const char *html, size_t len, struct buf *out)
{
	struct gemwrite w;
	int rc;

	gemwrite_init(&w, out);
	rc = html2gemtext_write(&w, html, len);
	if (gemwrite_finish(&w) == -1)
		rc = -1;
	return rc;
}
