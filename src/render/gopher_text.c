/* gopher_text: a post's gemtext as Gopher text, and its links as items. */
#include "render/gopher_text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "text/wrap.h"

static int
has_scheme(const char *url, size_t len, size_t *colon)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = url[i];

		if (c == ':')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
			    c == '-' || c == '.'))))
			return 0;
	}
	*colon = i;
	return i > 0 && i < len;
}

static void
gopher_url(struct glink *g, const struct gopher_opts *o)
{
	if (o->port == 70)
		snprintf(g->url, sizeof(g->url), "gopher://%s/%c%s", o->host,
		    g->type, g->selector);
	else
		snprintf(g->url, sizeof(g->url), "gopher://%s:%d/%c%s",
		    o->host, o->port, g->type, g->selector);
}

static void
web_link(struct glink *g, const struct gopher_opts *o, const char *url,
    size_t len)
{
	g->type = 'h';
	snprintf(g->selector, sizeof(g->selector), "URL:%.*s", (int)len, url);
	snprintf(g->host, sizeof(g->host), "%s", o->host);
	g->port = o->port;
	snprintf(g->url, sizeof(g->url), "%.*s", (int)len, url);
}

/*
 * A path of the capsule ("/2013/08/x.gmi", "/2013/", "/about.gmi") as the
 * matching Gopher item; anything without a Gopher form stays a Gemini link.
 */
static void
local_link(struct glink *g, const struct gopher_opts *o, const char *path,
    size_t len)
{
	snprintf(g->host, sizeof(g->host), "%s", o->host);
	g->port = o->port;
	if (len > 4 && memcmp(path + len - 4, ".gmi", 4) == 0) {
		g->type = '0';
		snprintf(g->selector, sizeof(g->selector), "%.*s.txt",
		    (int)(len - 4), path);
	} else if (len > 0 && path[len - 1] == '/') {
		g->type = '1';
		snprintf(g->selector, sizeof(g->selector), "%.*s", (int)len,
		    path);
	} else if (len == 11 && memcmp(path, "/robots.txt", 11) == 0) {
		g->type = '0';
		snprintf(g->selector, sizeof(g->selector), "%s", "/robots.txt");
	} else {
		char url[1200];

		snprintf(url, sizeof(url), "gemini://%s%.*s", o->gemini_host,
		    (int)len, path);
		web_link(g, o, url, strlen(url));
		return;
	}
	gopher_url(g, o);
}

/* "gopher://host[:port]/Tselector" as a native item. */
static int
gopher_link(struct glink *g, const char *url, size_t len)
{
	const char *p = url + 9, *end = url + len, *slash, *colon;
	size_t hl;

	slash = memchr(p, '/', (size_t)(end - p));
	if (slash == NULL)
		slash = end;
	colon = memchr(p, ':', (size_t)(slash - p));
	hl = (size_t)((colon ? colon : slash) - p);
	if (hl == 0 || hl >= sizeof(g->host))
		return -1;
	memcpy(g->host, p, hl);
	g->host[hl] = '\0';
	g->port = 70;
	if (colon) {
		g->port = 0;
		for (const char *c = colon + 1; c < slash; c++) {
			if (*c < '0' || *c > '9' || g->port > 65535)
				return -1;
			g->port = g->port * 10 + (*c - '0');
		}
	}
	g->type = '1';
	g->selector[0] = '\0';
	if (slash + 1 < end) {
		g->type = slash[1];
		snprintf(g->selector, sizeof(g->selector), "%.*s",
		    (int)(end - slash - 2), slash + 2);
	}
	snprintf(g->url, sizeof(g->url), "%.*s", (int)len, url);
	return 0;
}

void
gopher_text_link(struct glink *g, const struct gopher_opts *o,
    const char *dir, const char *url, size_t len)
{
	size_t colon, hl;
	char path[1200];

	if (has_scheme(url, len, &colon)) {
		if (colon == 6 && strncasecmp(url, "gopher", 6) == 0 &&
		    len > 9 && memcmp(url + 6, "://", 3) == 0 &&
		    gopher_link(g, url, len) == 0)
			return;
		hl = strlen(o->gemini_host);
		if (colon == 6 && strncasecmp(url, "gemini://", 9) == 0 &&
		    len >= 9 + hl && strncasecmp(url + 9, o->gemini_host, hl) == 0 &&
		    (len == 9 + hl || url[9 + hl] == '/')) {
			if (len == 9 + hl)
				local_link(g, o, "/", 1);
			else
				local_link(g, o, url + 9 + hl, len - 9 - hl);
			return;
		}
		web_link(g, o, url, len);
		return;
	}
	if (len > 1 && url[0] == '/' && url[1] == '/') {
		web_link(g, o, url, len); /* scheme-relative: leave it be */
		return;
	}
	if (len > 0 && url[0] == '/')
		snprintf(path, sizeof(path), "%.*s", (int)len, url);
	else
		snprintf(path, sizeof(path), "%s%.*s", dir, (int)len, url);
	local_link(g, o, path, strlen(path));
}

/* A verbatim line, never a lone "." (clients would take it as the end). */
static void
put_verbatim(struct buf *b, const char *s, size_t len)
{
	if (len == 1 && s[0] == '.')
		buf_puts(b, " .");
	else
		buf_add(b, s, len);
	buf_puts(b, "\r\n");
}

static void
underline(struct buf *b, const char *text, size_t len, size_t width,
    char c)
{
	size_t w = wrap_width(text, len);

	if (w > width)
		w = width;
	if (w == 0)
		w = 1;
	for (size_t i = 0; i < w; i++)
		buf_putc(b, c);
	buf_puts(b, "\r\n");
}

void
gopher_text_heading(struct buf *b, const char *text, size_t len,
    size_t width, char c)
{
	/* A heading is one line: clean it and cut it to the width. */
	struct buf h;

	buf_init(&h);
	wrap_clean_line(&h, text, len, width);
	if (h.failed) {
		b->failed = 1;
		return;
	}
	put_verbatim(b, h.data ? h.data : "", h.len);
	underline(b, h.data ? h.data : "", h.len, width, c);
	buf_free(&h);
}

void
gopher_text_each_link(const char *body, size_t len,
    const struct gopher_opts *o, const char *dir, gopher_link_fn fn,
    void *ctx)
{
	struct gemtext_reader r;
	struct gemtext_line line;
	struct glink g;
	size_t n = 0;

	gemtext_init(&r, body, len);
	while (gemtext_next(&r, &line))
		if (line.kind == GT_LINK) {
			gopher_text_link(&g, o, dir, line.url, line.url_len);
			fn(ctx, ++n, &g, &line);
		}
}

/* Where the links of a text go, and how wide. */
struct link_out {
	struct buf *b;
	size_t width;
	const struct gopher_opts *o;
};

/* "[n] URL label", wrapped: an entry of the list after a text. */
static void
list_link(void *ctx, size_t n, const struct glink *g,
    const struct gemtext_line *line)
{
	struct link_out *out = ctx;
	struct buf one;
	char mark[32];

	buf_init(&one);
	buf_puts(&one, g->url);
	if (line->text_len > 0) {
		buf_putc(&one, ' ');
		buf_add(&one, line->text, line->text_len);
	}
	snprintf(mark, sizeof(mark), "[%zu] ", n);
	if (one.failed)
		out->b->failed = 1;
	else
		wrap_paragraph(out->b, one.data, one.len, out->width, mark,
		    "    ");
	buf_free(&one);
}

/*
 * The gemtext body as wrapped text: each link becomes "[n] label" where
 * it stood, and the list of "[n] URL label" follows the text. Links are
 * mapped where they are written, never gathered: a post's links cost
 * nothing but their lines (20,000 links were 53 MB of gathered items).
 */
void
gopher_text_body(struct buf *b, const char *body, size_t len,
    size_t width, const struct gopher_opts *o, const char *dir)
{
	struct link_out out = {b, width, o};
	struct gemtext_reader r;
	struct gemtext_line line;
	struct glink g;
	size_t n = 0;
	int blank = 1; /* no blank line at the top, none twice */
	char mark[32];

	gemtext_init(&r, body, len);
	while (gemtext_next(&r, &line)) {
		int is_blank = line.kind == GT_TEXT && line.text_len == 0;

		if (is_blank) {
			if (!blank)
				buf_puts(b, "\r\n");
			blank = 1;
			continue;
		}
		switch (line.kind) {
		case GT_TEXT:
			wrap_paragraph(b, line.text, line.text_len, width, "", "");
			break;
		case GT_HEADING1:
			gopher_text_heading(b, line.text, line.text_len, width, '=');
			break;
		case GT_HEADING2:
		case GT_HEADING3:
			gopher_text_heading(b, line.text, line.text_len, width, '-');
			break;
		case GT_LIST:
			wrap_paragraph(b, line.text, line.text_len, width,
			    "  * ", "    ");
			break;
		case GT_QUOTE:
			wrap_paragraph(b, line.text, line.text_len, width, "> ",
			    "> ");
			break;
		case GT_LINK:
			n++;
			snprintf(mark, sizeof(mark), "[%zu] ", n);
			if (line.text_len > 0)
				wrap_paragraph(b, line.text, line.text_len,
				    width, mark, "    ");
			else {
				gopher_text_link(&g, o, dir, line.url, line.url_len);
				wrap_paragraph(b, g.url, strlen(g.url), width,
				    mark, "    ");
			}
			break;
		case GT_PRE:
			put_verbatim(b, line.text, line.text_len);
			break;
		case GT_PRE_START:
		case GT_PRE_END:
			break;
		}
		blank = 0;
	}
	if (n == 0)
		return;
	if (!blank)
		buf_puts(b, "\r\n");
	gopher_text_heading(b, "Links", 5, width, '-');
	gopher_text_each_link(body, len, o, dir, list_link, &out);
}
