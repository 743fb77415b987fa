/* render_gemini: the capsule's pages, indexes and feeds as gemtext. */
#include "render/render_gemini.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clean.h"
#include "model/search.h"
#include "model/tags.h"
#include "text/wrap.h"

/*
 * Appends s with every control (clean.h: C1's 8-bit CSI too) a space:
 * titles and tags come from front matter and must never break a gemtext
 * line or reach a terminal as an escape.
 */
static void
put_clean(struct buf *b, const char *s)
{
	clean_display(b, s, strlen(s));
}

/* A language tag list keeps only what a tag may hold. */
static void
put_lang(struct buf *b, const char *lang)
{
	int list = strchr(lang, ',') != NULL;

	if (list)
		buf_putc(b, '"');
	for (; *lang; lang++)
		if ((*lang >= 'a' && *lang <= 'z') ||
		    (*lang >= 'A' && *lang <= 'Z') ||
		    (*lang >= '0' && *lang <= '9') || *lang == '-' ||
		    *lang == ',')
			buf_putc(b, *lang);
	if (list)
		buf_putc(b, '"');
}

static void
header_gemtext(struct buf *b, const char *lang)
{
	buf_puts(b, "20 text/gemini; lang=");
	put_lang(b, lang);
	buf_puts(b, "\r\n");
}

/* Takes b's bytes into the table under path. */
static int
add(struct routes *t, const char *path, struct buf *b, int status,
    size_t body_off)
{
	struct response r = {0};

	response_take(&r, b);
	r.status = (uint16_t)status;
	r.body_off = (uint32_t)body_off; /* within len */
	return routes_add(t, path, strlen(path), &r) == -1 ? -1 : 0;
}

static int
add_redirect(struct routes *t, const char *from, const char *to)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "31 %s\r\n", to);
	return add(t, from, &b, 31, b.len);
}

void
gemini_post_path(char *out, size_t n, const struct post *p)
{
	snprintf(out, n, "/%04d/%02d/%s.gmi", post_year(p), post_month(p),
	    p->slug);
}

/* "=> /2013/08/slug.gmi 2013-08-08 Title": an entry of a subscribable feed. */
static void
put_post_link(struct buf *b, const struct post *p)
{
	char url[512], ymd[11];

	gemini_post_path(url, sizeof(url), p);
	date_ymd(&p->meta.date, ymd);
	buf_printf(b, "=> %s %s ", url, ymd);
	put_clean(b, p->meta.title);
	buf_putc(b, '\n');
}

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static int
render_home(const struct site *s, struct routes *t)
{
	struct buf b;
	size_t body_off, n;

	buf_init(&b);
	header_gemtext(&b, s->info.lang);
	body_off = b.len;
	buf_puts(&b, "# ");
	put_clean(&b, s->info.title);
	buf_puts(&b, "\n\n");
	if (s->info.subtitle) {
		put_clean(&b, s->info.subtitle);
		buf_puts(&b, "\n\n");
	}
	if (s->nposts > 0) {
		buf_puts(&b, "## Latest posts\n\n");
		n = s->nposts < s->info.home_posts ? s->nposts : s->info.home_posts;
		for (size_t i = 0; i < n; i++)
			put_post_link(&b, s->posts[i]);
		buf_puts(&b, "\n## Archive\n\n");
		for (size_t i = 0; i < s->nyears; i++)
			buf_printf(&b, "=> /%04d/ %04d (%zu post%s)\n",
			    s->years[i].year, s->years[i].year,
			    s->years[i].nposts, plural(s->years[i].nposts));
		if (s->ntags > 0)
			buf_printf(&b, "=> /tags/ Tags (%zu)\n", s->ntags);
		buf_puts(&b, "=> /search Search the posts\n");
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "## About\n\n");
	for (size_t i = 0; i < s->npages; i++) {
		buf_printf(&b, "=> /%s.gmi ", s->pages[i]->name);
		put_clean(&b, s->pages[i]->meta.title);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "=> /atom.xml Atom feed\n");
	for (size_t i = 0; i < s->info.nlinks; i++) {
		buf_puts(&b, "=> ");
		put_clean(&b, s->info.links[i].url);
		buf_putc(&b, ' ');
		put_clean(&b, s->info.links[i].label);
		buf_putc(&b, '\n');
	}
	return add(t, "/", &b, 20, body_off);
}

static void
put_month_posts(struct buf *b, const struct site_month *m)
{
	for (size_t i = 0; i < m->nposts; i++)
		put_post_link(b, m->posts[i]);
}

/*
 * An index page at path (ending in '/'), and a 31 to it from the same
 * path without its slash.
 */
static int
add_dir(struct routes *t, const char *path, struct buf *b, size_t body_off)
{
	char bare[256];

	snprintf(bare, sizeof(bare), "%.*s", (int)strlen(path) - 1, path);
	if (add(t, path, b, 20, body_off) == -1)
		return -1;
	return add_redirect(t, bare, path);
}

static void
put_footer(struct buf *b, const struct site *s)
{
	buf_puts(b, "=> / ");
	put_clean(b, s->info.title);
	buf_putc(b, '\n');
}

static int
render_year(const struct site *s, const struct site_year *y,
    struct routes *t)
{
	char path[32];
	struct buf b;
	size_t body_off;

	buf_init(&b);
	header_gemtext(&b, s->info.lang);
	body_off = b.len;
	buf_printf(&b, "# %04d\n\n", y->year);
	for (size_t i = 0; i < y->nmonths; i++) {
		const struct site_month *m = &y->months[i];

		buf_printf(&b, "=> /%04d/%02d/ %s %04d (%zu post%s)\n", m->year,
		    m->month, date_month_name(m->month), m->year, m->nposts,
		    plural(m->nposts));
	}
	for (size_t i = 0; i < y->nmonths; i++) {
		const struct site_month *m = &y->months[i];

		buf_printf(&b, "\n## %s %04d\n\n", date_month_name(m->month),
		    m->year);
		put_month_posts(&b, m);
	}
	buf_putc(&b, '\n');
	put_footer(&b, s);
	snprintf(path, sizeof(path), "/%04d/", y->year);
	return add_dir(t, path, &b, body_off);
}

static int
render_month(const struct site *s, const struct site_month *m,
    struct routes *t)
{
	char path[32];
	struct buf b;
	size_t body_off;

	buf_init(&b);
	header_gemtext(&b, s->info.lang);
	body_off = b.len;
	buf_printf(&b, "# %s %04d\n\n", date_month_name(m->month), m->year);
	put_month_posts(&b, m);
	buf_printf(&b, "\n=> /%04d/ All of %04d\n", m->year, m->year);
	put_footer(&b, s);
	snprintf(path, sizeof(path), "/%04d/%02d/", m->year, m->month);
	return add_dir(t, path, &b, body_off);
}

/*
 * The body as written, without leading blank lines, ending in a newline;
 * at (if not NULL) gets where its bytes are in b.
 */
static void
put_body(struct buf *b, const char *body, size_t len, struct gemini_span *at)
{
	while (len > 0 && (*body == '\n' || *body == '\r')) {
		body++;
		len--;
	}
	if (at != NULL) {
		at->off = b->len;
		at->len = len;
	}
	buf_add(b, body, len);
	if (len > 0 && body[len - 1] != '\n')
		buf_putc(b, '\n');
}

static void
put_neighbour(struct buf *b, const char *what, const struct post *p)
{
	char url[512], ymd[11];

	gemini_post_path(url, sizeof(url), p);
	date_ymd(&p->meta.date, ymd);
	buf_printf(b, "=> %s %s: ", url, what);
	put_clean(b, p->meta.title);
	buf_printf(b, " (%s)\n", ymd);
}

static void
put_tag_link(struct buf *b, const struct site_tag *tag, const char *label)
{
	buf_printf(b, "=> /tags/%s/ ", tag->slug);
	put_clean(b, label);
	buf_putc(b, '\n');
}

/* Each tag a link to its page, as this post spells it, each tag once. */
static void
put_post_tags(struct buf *b, const struct site *s, const struct post *p)
{
	const struct post_meta *m = &p->meta;

	buf_puts(b, "Tags:\n");
	for (size_t k = 0; k < p->ndistinct; k++) {
		size_t i = post_tag_place(p, k);

		put_tag_link(b, &s->tags[p->tag_ids[i]], m->tags[i]);
	}
}

static int
render_post(const struct site *s, const struct post *p, struct routes *t,
    struct gemini_span *at)
{
	const struct post_meta *m = &p->meta;
	char path[512], ymd[11];
	struct buf b;
	size_t body_off;

	buf_init(&b);
	header_gemtext(&b, m->lang ? m->lang : s->info.lang);
	body_off = b.len;
	buf_puts(&b, "# ");
	put_clean(&b, m->title);
	date_ymd(&m->date, ymd);
	buf_printf(&b, "\n\n%s", ymd);
	if (m->date.has_time)
		buf_printf(&b, " %02d:%02d", m->date.hour, m->date.min);
	if (m->author || s->info.author) {
		buf_puts(&b, " · ");
		put_clean(&b, m->author ? m->author : s->info.author);
	}
	if (m->has_updated) {
		date_ymd(&m->updated, ymd);
		buf_printf(&b, " (updated %s)", ymd);
	}
	buf_puts(&b, "\n\n");
	put_body(&b, p->body, p->body_len, at);
	buf_putc(&b, '\n');
	if (m->ntags > 0) {
		put_post_tags(&b, s, p);
		if (m->comments >= 0 || m->source)
			buf_putc(&b, '\n'); /* the links end before the text */
	}
	if (m->comments >= 0)
		buf_printf(&b, "Comments on the original post: %ld (not "
		    "mirrored)\n", m->comments);
	if (m->source) {
		buf_puts(&b, "=> ");
		put_clean(&b, m->source);
		buf_puts(&b, " Original post\n");
	}
	if (m->ntags > 0 || m->comments >= 0 || m->source)
		buf_putc(&b, '\n');
	if (p->order > 0)
		put_neighbour(&b, "Newer", s->posts[p->order - 1]);
	if (p->order + 1 < s->nposts)
		put_neighbour(&b, "Older", s->posts[p->order + 1]);
	buf_printf(&b, "=> /%04d/%02d/ %s %04d\n", post_year(p), post_month(p),
	    date_month_name(post_month(p)), post_year(p));
	buf_printf(&b, "=> /%04d/ %04d\n", post_year(p), post_year(p));
	put_footer(&b, s);
	gemini_post_path(path, sizeof(path), p);
	return add(t, path, &b, 20, body_off);
}

static int
render_tags(const struct site *s, struct routes *t)
{
	struct buf b;
	size_t body_off;

	buf_init(&b);
	header_gemtext(&b, s->info.lang);
	body_off = b.len;
	buf_puts(&b, "# Tags\n\n");
	for (size_t i = 0; i < s->ntags; i++) {
		const struct site_tag *tag = &s->tags[i];

		buf_printf(&b, "=> /tags/%s/ ", tag->slug);
		put_clean(&b, tag->name);
		buf_printf(&b, " (%zu post%s)\n", tag->nposts,
		    plural(tag->nposts));
	}
	if (s->ntags == 0)
		buf_puts(&b, "No post has a tag yet.\n");
	buf_putc(&b, '\n');
	put_footer(&b, s);
	return add_dir(t, "/tags/", &b, body_off);
}

/*
 * A tag's posts, newest first in the dated form: a feed of its own. The
 * route is the decoded path, which is what url.c hands over.
 */
static int
render_tag(const struct site *s, const struct site_tag *tag,
    struct routes *t)
{
	char path[TAGS_SLUG_MAX + 64], to[TAGS_SLUG_MAX + 64];
	struct buf b;
	size_t body_off;

	buf_init(&b);
	header_gemtext(&b, s->info.lang);
	body_off = b.len;
	buf_puts(&b, "# ");
	put_clean(&b, s->info.title);
	buf_puts(&b, ": ");
	put_clean(&b, tag->name);
	buf_puts(&b, "\n\n");
	for (size_t i = 0; i < tag->nposts; i++)
		put_post_link(&b, tag->posts[i]);
	buf_puts(&b, "\n=> /tags/ All tags\n");
	put_footer(&b, s);
	snprintf(path, sizeof(path), "/tags/%s/", tag->slug_utf8);
	if (add(t, path, &b, 20, body_off) == -1)
		return -1;
	snprintf(path, sizeof(path), "/tags/%s", tag->slug_utf8);
	snprintf(to, sizeof(to), "/tags/%s/", tag->slug);
	return add_redirect(t, path, to);
}

static int
render_search_prompt(struct routes *t)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "10 Search the posts\r\n");
	return add(t, "/search", &b, 10, b.len);
}

/* One emoji, which Lagrange shows beside the capsule's name. */
static int
render_favicon(const struct site *s, struct routes *t)
{
	struct buf b;
	size_t body_off;

	if (s->info.favicon == NULL)
		return 0; /* 51, as for anything else not there */
	buf_init(&b);
	buf_puts(&b, "20 text/plain\r\n");
	body_off = b.len;
	buf_puts(&b, s->info.favicon);
	buf_putc(&b, '\n');
	return add(t, "/favicon.txt", &b, 20, body_off);
}

static int
render_page(const struct site *s, const struct page *pg, struct routes *t,
    struct gemini_span *at)
{
	char path[512];
	struct buf b;
	size_t body_off;

	buf_init(&b);
	header_gemtext(&b, pg->meta.lang ? pg->meta.lang : s->info.lang);
	body_off = b.len;
	buf_puts(&b, "# ");
	put_clean(&b, pg->meta.title);
	buf_puts(&b, "\n\n");
	put_body(&b, pg->body, pg->body_len, at);
	buf_putc(&b, '\n');
	put_footer(&b, s);
	snprintf(path, sizeof(path), "/%s.gmi", pg->name);
	return add(t, path, &b, 20, body_off);
}

/*
 * XML text and attributes: cleaned as every display string (titles and
 * terms hold no line ends, XML 1.0 no C0 controls, and a feed reader's
 * terminal no C1), then escaped.
 */
static void
put_xml(struct buf *b, const char *s)
{
	struct buf c;

	buf_init(&c);
	clean_display(&c, s, strlen(s));
	if (c.failed)
		b->failed = 1;
	for (size_t i = 0; i < c.len; i++) {
		switch (c.data[i]) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_putc(b, c.data[i]);
		}
	}
	buf_free(&c);
}

static const struct date *
last_change(const struct post *p)
{
	return p->meta.has_updated ? &p->meta.updated : &p->meta.date;
}

/* The feed changed when its most recently changed entry did. */
static const char *
feed_updated(const struct site *s, size_t n, char when[32])
{
	const struct date *latest = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct date *d = last_change(s->posts[i]);

		if (latest == NULL || date_epoch(d) > date_epoch(latest))
			latest = d;
	}
	if (latest == NULL)
		strcpy(when, "1970-01-01T00:00:00Z");
	else
		date_rfc3339(latest, when);
	return when;
}

static void
base_url(char *out, size_t n, const struct render_opts *o)
{
	if (o->port == 1965)
		snprintf(out, n, "gemini://%s", o->host);
	else
		snprintf(out, n, "gemini://%s:%d", o->host, o->port);
}

static int
render_atom(const struct site *s, const struct render_opts *o,
    struct routes *t)
{
	char base[300], url[512], when[32];
	struct buf b;
	size_t body_off, n;

	base_url(base, sizeof(base), o);
	n = s->nposts < s->info.home_posts ? s->nposts : s->info.home_posts;
	buf_init(&b);
	buf_puts(&b, "20 application/atom+xml\r\n");
	body_off = b.len;
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		     "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>");
	put_xml(&b, s->info.title);
	buf_puts(&b, "</title>\n");
	if (s->info.subtitle) {
		buf_puts(&b, "  <subtitle>");
		put_xml(&b, s->info.subtitle);
		buf_puts(&b, "</subtitle>\n");
	}
	buf_puts(&b, "  <link href=\"");
	put_xml(&b, base);
	buf_puts(&b, "/\" rel=\"alternate\"/>\n  <link href=\"");
	put_xml(&b, base);
	buf_puts(&b, "/atom.xml\" rel=\"self\"/>\n  <id>");
	put_xml(&b, base);
	buf_puts(&b, "/</id>\n");
	buf_printf(&b, "  <updated>%s</updated>\n", feed_updated(s, n, when));
	/* RFC 4287 4.1.1: a feed names an author unless every entry does;
	 * without one in site.yaml, the blog's title stands in. */
	buf_puts(&b, "  <author><name>");
	put_xml(&b, s->info.author ? s->info.author : s->info.title);
	buf_puts(&b, "</name></author>\n");
	for (size_t i = 0; i < n; i++) {
		const struct post *p = s->posts[i];
		const struct post_meta *m = &p->meta;

		gemini_post_path(url, sizeof(url), p);
		buf_puts(&b, "  <entry>\n    <title>");
		put_xml(&b, m->title);
		buf_puts(&b, "</title>\n    <link href=\"");
		put_xml(&b, base);
		put_xml(&b, url);
		buf_puts(&b, "\" rel=\"alternate\"/>\n    <id>");
		put_xml(&b, base);
		put_xml(&b, url);
		date_rfc3339(&m->date, when);
		buf_printf(&b, "</id>\n    <published>%s</published>\n", when);
		date_rfc3339(last_change(p), when);
		buf_printf(&b, "    <updated>%s</updated>\n", when);
		if (m->author) {
			buf_puts(&b, "    <author><name>");
			put_xml(&b, m->author);
			buf_puts(&b, "</name></author>\n");
		}
		for (size_t k = 0; k < m->ntags; k++) {
			buf_puts(&b, "    <category term=\"");
			put_xml(&b, m->tags[k]);
			buf_puts(&b, "\"/>\n");
		}
		if (m->summary) {
			buf_puts(&b, "    <summary>");
			put_xml(&b, m->summary);
			buf_puts(&b, "</summary>\n");
		}
		buf_puts(&b, "  </entry>\n");
	}
	buf_puts(&b, "</feed>\n");
	return add(t, "/atom.xml", &b, 20, body_off);
}

static int
render_robots(struct routes *t)
{
	struct buf b;
	size_t body_off;

	buf_init(&b);
	buf_puts(&b, "20 text/plain; charset=utf-8\r\n");
	body_off = b.len;
	buf_puts(&b, "User-agent: *\nDisallow:\n");
	return add(t, "/robots.txt", &b, 20, body_off);
}

int
render_gemini_texts(const struct site *s, struct routes *t,
    struct gemini_span *at)
{
	for (size_t i = 0; i < s->nposts; i++)
		if (render_post(s, s->posts[i], t, at ? &at[i] : NULL) == -1)
			return -1;
	for (size_t i = 0; i < s->npages; i++)
		if (render_page(s, s->pages[i], t,
			at ? &at[s->nposts + i] : NULL) == -1)
			return -1;
	return 0;
}

int
render_gemini_indexes(const struct site *s, const struct render_opts *o,
    struct routes *t)
{
	if (render_home(s, t) == -1 || render_atom(s, o, t) == -1 ||
	    render_robots(t) == -1 || render_tags(s, t) == -1 ||
	    render_search_prompt(t) == -1 || render_favicon(s, t) == -1)
		return -1;
	for (size_t i = 0; i < s->ntags; i++)
		if (render_tag(s, &s->tags[i], t) == -1)
			return -1;
	for (size_t i = 0; i < s->nyears; i++) {
		const struct site_year *y = &s->years[i];

		if (render_year(s, y, t) == -1)
			return -1;
		for (size_t k = 0; k < y->nmonths; k++)
			if (render_month(s, &y->months[k], t) == -1)
				return -1;
	}
	return 0;
}

int
render_gemini(const struct site *s, const struct render_opts *o,
    struct routes *t)
{
	return render_gemini_texts(s, t, NULL) == -1 ||
	    render_gemini_indexes(s, o, t) == -1 ? -1 : 0;
}

/* The one line of a search's echo: cleaned, and cut to fit. */
static void
put_query(struct buf *b, const struct search_query *q)
{
	wrap_clean_line(b, q->text, q->text_len, 80);
}

int
render_gemini_search(struct buf *b, const struct site *s, const char *query,
    size_t len)
{
	struct search_query q;
	struct search_result r;

	switch (search_query_parse(query, len, SEARCH_URL_ENCODED, &q)) {
	case SEARCH_EMPTY:
		buf_puts(b, "10 Search the posts\r\n");
		return 10;
	case SEARCH_TOO_LONG:
		buf_printf(b, "10 Too long (at most %d words, %d bytes): "
		    "search the posts\r\n", SEARCH_MAX_TERMS,
		    SEARCH_MAX_QUERY);
		return 10;
	case SEARCH_BAD:
		buf_puts(b, "59 Bad request: the search is not UTF-8\r\n");
		return 59;
	case SEARCH_OK:
		break;
	}
	search_run(s->search, &q, &r);
	if (r.failed) {
		b->failed = 1; /* the caller answers "out of memory" */
		return 40;
	}
	header_gemtext(b, s->info.lang);
	buf_puts(b, "# Search: ");
	put_query(b, &q);
	buf_puts(b, "\n\n");
	if (r.total == 0)
		buf_puts(b, "No post holds every word of this search.\n");
	else if (r.total == r.nhits)
		buf_printf(b, "%zu post%s hold%s every word, best first.\n",
		    r.total, plural(r.total), r.total == 1 ? "s" : "");
	else
		buf_printf(b, "%zu posts hold every word; the best %zu "
		    "follow.\n", r.total, r.nhits);
	for (size_t i = 0; i < r.nhits; i++) {
		size_t mark;

		buf_putc(b, '\n');
		put_post_link(b, r.hits[i].post);
		/* A quote line: whatever the text holds stays text. */
		buf_puts(b, "> ");
		mark = b->len;
		search_snippet(s->search, &r.hits[i], SEARCH_SNIPPET_COLS, b);
		if (b->len == mark)
			b->len -= 2; /* no body, no quote */
		else
			buf_putc(b, '\n');
	}
	buf_puts(b, "\n=> /search Search again\n");
	put_footer(b, s);
	return 20;
}
