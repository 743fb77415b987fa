/* render_gopher: menus and wrapped text for Gopher clients. */
#include "render/render_gopher.h"
#include "render/gopher_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clean.h"
#include "text/gemtext.h"
#include "model/search.h"
#include "proto/selector.h"
#include "model/tags.h"
#include "text/wrap.h"

/* A menu line's fourth and third fields, from the public name and port. */
static void
put_tail(struct buf *b, const struct gopher_opts *o)
{
	buf_printf(b, "\t%s\t%d\r\n", o->host, o->port);
}

/*
 * Selectors from content never carry a TAB, CR, LF or other control
 * (clean.h): its bytes are percent-encoded, a C1's two as well.
 */
static void
put_selector(struct buf *b, const char *s)
{
	size_t len = strlen(s), k;

	for (size_t i = 0; i < len; i++) {
		if ((k = clean_control_len(s + i, len - i)) == 0) {
			buf_putc(b, s[i]);
			continue;
		}
		for (; k > 0; k--, i++)
			buf_printf(b, "%%%02X", (unsigned char)s[i]);
		i--;
	}
}

static void
item(struct buf *b, const struct gopher_opts *o, char type,
    const char *display, const char *selector)
{
	buf_putc(b, type);
	wrap_clean_line(b, display, strlen(display), o->width);
	buf_putc(b, '\t');
	put_selector(b, selector);
	put_tail(b, o);
}

static void
info(struct buf *b, const struct gopher_opts *o, const char *text)
{
	item(b, o, 'i', text, "");
}

static void
infof(struct buf *b, const struct gopher_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
infof(struct buf *b, const struct gopher_opts *o, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	info(b, o, line);
}

/* Takes b's bytes into the table under path (and path without its slash). */
static int
add(struct routes *t, const char *path, struct buf *b)
{
	struct response r = {0};

	response_take(&r, b);
	return routes_add(t, path, strlen(path), &r) == -1 ? -1 : 0;
}

/* A file under its path and without the leading slash (clients' paths). */
static int
add_both(struct routes *t, const char *path, struct buf *b)
{
	const struct response *in;

	if (add(t, path, b) == -1 ||
	    (in = routes_get(t, path, strlen(path))) == NULL)
		return -1;
	return routes_alias(t, path + 1, strlen(path) - 1, in) == -1 ? -1 : 0;
}

/*
 * A finished menu goes in under its path with a slash; gopher_lookup finds
 * it without the slash too (Gopher has no redirects, and people type
 * selectors), so the table keeps no second entry for it (10,000 posts:
 * 10,000 entries fewer).
 */
static int
add_menu(struct routes *t, const char *path, struct buf *b)
{
	struct response r = {0};
	const struct response *in;

	buf_puts(b, ".\r\n");
	response_take(&r, b);
	r.menu = 1;
	if (routes_add(t, path, strlen(path), &r) == -1)
		return -1;
	/* The empty selector is the root too. */
	if (strcmp(path, "/") == 0)
		return (in = routes_get(t, "/", 1)) == NULL ||
		    routes_alias(t, "", 0, in) == -1 ? -1 : 0;
	return 0;
}

const struct response *
gopher_lookup(const struct routes *t, const char *sel, size_t len)
{
	const struct response *r = routes_get(t, sel, len);
	char with[SELECTOR_MAX + 2];

	if (r != NULL || len == 0 || sel[len - 1] == '/' ||
	    len + 1 > sizeof(with))
		return r;
	memcpy(with, sel, len);
	with[len] = '/';
	r = routes_get(t, with, len + 1);
	return r != NULL && r->menu ? r : NULL;
}

/*
 * A finished menu under one more name (with its slash): a tag in another
 * script is served under its percent-encoded selector (what the menus
 * carry) and under the UTF-8 one a client may send instead.
 */
static int
add_menu_alias(struct routes *t, const char *path, const char *alias)
{
	const struct response *r = routes_get(t, path, strlen(path));
	struct response of;
	size_t n = strlen(alias);

	if (r == NULL || n < 2)
		return -1;
	/* A copy of the entry: the table may move while it grows. */
	of = *r;
	return routes_alias(t, alias, n, &of) == -1 ? -1 : 0;
}

void
render_gopher_plus(struct buf *b, const char *menu, size_t len)
{
	const char *p = menu, *end = menu + len, *eol;

	buf_puts(b, "+-1\r\n");
	while (p < end && (eol = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t n = (size_t)(eol - p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 1 && p[0] == '.')
			break;
		buf_puts(b, "+INFO: ");
		buf_add(b, p, n);
		buf_puts(b, "\r\n");
		p = eol + 1;
	}
	buf_puts(b, ".\r\n");
}

/* Where the items of a post's links menu go. */
struct menu_out {
	struct buf *b;
	const struct gopher_opts *o;
};

/* "[n] label" as an item of the post's links menu. */
static void
menu_link(void *ctx, size_t n, const struct glink *g,
    const struct gemtext_line *line)
{
	struct menu_out *out = ctx;
	struct buf d;

	buf_init(&d);
	buf_printf(&d, "[%zu] ", n);
	if (line->text_len > 0)
		buf_add(&d, line->text, line->text_len);
	else
		buf_puts(&d, g->url);
	buf_putc(out->b, g->type);
	wrap_clean_line(out->b, d.data ? d.data : "", d.len, out->o->width);
	if (d.failed)
		out->b->failed = 1;
	buf_free(&d);
	buf_putc(out->b, '\t');
	put_selector(out->b, g->selector);
	buf_printf(out->b, "\t%s\t%d\r\n", g->host, g->port);
}

static void
post_dir(char *out, size_t n, const struct post *p)
{
	snprintf(out, n, "/%04d/%02d/", post_year(p), post_month(p));
}

/*
 * What the menu of a post's links and tags is called: in the post's item
 * (with counts) and at the menu's top (with the title).
 */
static void
links_title(char *out, size_t n, size_t links, size_t tags, const char *title)
{
	if (title != NULL)
		snprintf(out, n, "%s: %s", tags == 0 ? "Links in" : links == 0 ?
		    "Tags of" : "Links and tags of", title);
	else if (tags == 0)
		snprintf(out, n, "Links in this post (%zu)", links);
	else if (links == 0)
		snprintf(out, n, "Tags of this post (%zu)", tags);
	else
		snprintf(out, n, "Links (%zu) and tags (%zu) of this post", links,
		    tags);
}

/*
 * "2013-08-08 Title" and, when the post has links or tags, the menu of
 * them.
 */
static int
post_items(struct buf *b, const struct gopher_opts *o, const struct post *p)
{
	char sel[512], ymd[11], display[1200], dir[16];

	/* Counted once, at load: a post is listed in each of its tags. */
	post_dir(dir, sizeof(dir), p);
	date_ymd(&p->meta.date, ymd);
	snprintf(display, sizeof(display), "%s %s", ymd, p->meta.title);
	snprintf(sel, sizeof(sel), "%s%s.txt", dir, p->slug);
	item(b, o, '0', display, sel);
	if (p->nlinks + p->ndistinct > 0) {
		links_title(display, sizeof(display), p->nlinks, p->ndistinct,
		    NULL);
		snprintf(sel, sizeof(sel), "%s%s/links/", dir, p->slug);
		item(b, o, '1', display, sel);
	}
	return b->failed ? -1 : 0;
}

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static int
render_home(const struct site *s, const struct gopher_opts *o,
    struct routes *t)
{
	struct buf b;
	size_t n;

	buf_init(&b);
	info(&b, o, s->info.title);
	if (s->info.subtitle)
		info(&b, o, s->info.subtitle);
	info(&b, o, "");
	if (s->nposts > 0) {
		info(&b, o, "Latest posts");
		n = s->nposts < s->info.home_posts ? s->nposts
						    : s->info.home_posts;
		for (size_t i = 0; i < n; i++)
			if (post_items(&b, o, s->posts[i]) == -1)
				goto oom;
		info(&b, o, "");
		info(&b, o, "Archive");
		for (size_t i = 0; i < s->nyears; i++) {
			char display[64], sel[16];

			snprintf(display, sizeof(display), "%04d (%zu post%s)",
			    s->years[i].year, s->years[i].nposts,
			    plural(s->years[i].nposts));
			snprintf(sel, sizeof(sel), "/%04d/", s->years[i].year);
			item(&b, o, '1', display, sel);
		}
		if (s->ntags > 0) {
			char display[64];

			snprintf(display, sizeof(display), "Tags (%zu)",
			    s->ntags);
			item(&b, o, '1', display, "/tags/");
		}
		item(&b, o, '7', "Search the posts", "/search");
		info(&b, o, "");
	}
	info(&b, o, "About");
	for (size_t i = 0; i < s->npages; i++) {
		char sel[512];

		snprintf(sel, sizeof(sel), "/%s.txt", s->pages[i]->name);
		item(&b, o, '0', s->pages[i]->meta.title, sel);
	}
	for (size_t i = 0; i < s->info.nlinks; i++) {
		struct glink g;
		const char *url = s->info.links[i].url;

		gopher_text_link(&g, o, "/", url, strlen(url));
		buf_putc(&b, g.type);
		wrap_clean_line(&b, s->info.links[i].label,
		    strlen(s->info.links[i].label), o->width);
		buf_putc(&b, '\t');
		put_selector(&b, g.selector);
		buf_printf(&b, "\t%s\t%d\r\n", g.host, g.port);
	}
	return add_menu(t, "/", &b);
oom:
	buf_free(&b);
	return -1;
}

static int
month_posts(struct buf *b, const struct gopher_opts *o,
    const struct site_month *m)
{
	for (size_t i = 0; i < m->nposts; i++)
		if (post_items(b, o, m->posts[i]) == -1)
			return -1;
	return 0;
}

static int
render_year(const struct site *s, const struct site_year *y,
    const struct gopher_opts *o, struct routes *t)
{
	char path[16], display[64], sel[16];
	struct buf b;

	buf_init(&b);
	infof(&b, o, "%s: %04d", s->info.title, y->year);
	info(&b, o, "");
	for (size_t i = 0; i < y->nmonths; i++) {
		const struct site_month *m = &y->months[i];

		snprintf(display, sizeof(display), "%s %04d (%zu post%s)",
		    date_month_name(m->month), m->year, m->nposts,
		    plural(m->nposts));
		snprintf(sel, sizeof(sel), "/%04d/%02d/", m->year, m->month);
		item(&b, o, '1', display, sel);
	}
	for (size_t i = 0; i < y->nmonths; i++) {
		const struct site_month *m = &y->months[i];

		info(&b, o, "");
		infof(&b, o, "%s %04d", date_month_name(m->month), m->year);
		if (month_posts(&b, o, m) == -1)
			goto oom;
	}
	info(&b, o, "");
	item(&b, o, '1', "Home", "/");
	snprintf(path, sizeof(path), "/%04d/", y->year);
	return add_menu(t, path, &b);
oom:
	buf_free(&b);
	return -1;
}

static int
render_month(const struct site *s, const struct site_month *m,
    const struct gopher_opts *o, struct routes *t)
{
	char path[16], display[64];
	struct buf b;

	buf_init(&b);
	infof(&b, o, "%s: %s %04d", s->info.title, date_month_name(m->month),
	    m->year);
	info(&b, o, "");
	if (month_posts(&b, o, m) == -1) {
		buf_free(&b);
		return -1;
	}
	info(&b, o, "");
	snprintf(display, sizeof(display), "All of %04d", m->year);
	snprintf(path, sizeof(path), "/%04d/", m->year);
	item(&b, o, '1', display, path);
	item(&b, o, '1', "Home", "/");
	snprintf(path, sizeof(path), "/%04d/%02d/", m->year, m->month);
	return add_menu(t, path, &b);
}

static void
put_title(struct buf *b, const char *title, size_t width)
{
	gopher_text_heading(b, title, strlen(title), width, '=');
	buf_puts(b, "\r\n");
}

/* The post's tags in its links menu, as it spells them, each once. */
static void
put_post_tags(struct buf *b, const struct site *s,
    const struct gopher_opts *o, const struct post *p, int after_links)
{
	char sel[TAGS_SLUG_MAX + 64];

	if (p->meta.ntags == 0)
		return;
	if (after_links)
		info(b, o, "");
	info(b, o, "Tags");
	for (size_t k = 0; k < p->ndistinct; k++) {
		size_t i = post_tag_place(p, k);

		snprintf(sel, sizeof(sel), "/tags/%s/",
		    s->tags[p->tag_ids[i]].slug);
		item(b, o, '1', p->meta.tags[i], sel);
	}
}

static int
render_post(const struct site *s, const struct post *p,
    const struct gopher_opts *o, struct routes *t)
{
	const struct post_meta *m = &p->meta;
	char dir[16], path[512], ymd[11], line[512], display[1200];
	struct menu_out out;
	struct buf b;

	post_dir(dir, sizeof(dir), p);
	buf_init(&b);
	put_title(&b, m->title, o->width);
	date_ymd(&m->date, ymd);
	snprintf(line, sizeof(line), "%s", ymd);
	if (m->date.has_time)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    " %02d:%02d", m->date.hour, m->date.min);
	if (m->author || s->info.author)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    " · %s", m->author ? m->author : s->info.author);
	wrap_paragraph(&b, line, strlen(line), o->width, "", "");
	buf_puts(&b, "\r\n");
	gopher_text_body(&b, p->body, p->body_len, o->width, o, dir);
	if (m->ntags > 0 || m->comments >= 0) {
		struct buf tags;

		buf_init(&tags);
		for (size_t i = 0; i < m->ntags; i++)
			buf_printf(&tags, "%s%s", i ? ", " : "Tags: ",
			    m->tags[i]);
		buf_puts(&b, "\r\n");
		if (m->ntags > 0 && !tags.failed)
			wrap_paragraph(&b, tags.data, tags.len, o->width, "",
			    "      ");
		buf_free(&tags);
		if (m->comments >= 0) {
			snprintf(line, sizeof(line), "Comments on the original "
			    "post: %ld (not mirrored)", m->comments);
			wrap_paragraph(&b, line, strlen(line), o->width, "", "");
		}
	}
	snprintf(path, sizeof(path), "%s%s.txt", dir, p->slug);
	if (add(t, path, &b) == -1)
		return -1;

	if (p->nlinks + p->ndistinct > 0) {
		buf_init(&b);
		links_title(display, sizeof(display), p->nlinks, p->ndistinct,
		    m->title);
		info(&b, o, display);
		info(&b, o, "");
		out.b = &b;
		out.o = o;
		gopher_text_each_link(p->body, p->body_len, o, dir, menu_link, &out);
		put_post_tags(&b, s, o, p, p->nlinks > 0);
		info(&b, o, "");
		item(&b, o, '0', "Read the post", path);
		snprintf(display, sizeof(display), "%s %04d",
		    date_month_name(post_month(p)), post_year(p));
		item(&b, o, '1', display, dir);
		snprintf(path, sizeof(path), "%s%s/links/", dir, p->slug);
		if (add_menu(t, path, &b) == -1)
			return -1;
	}
	return 0;
}

static int
render_tags(const struct site *s, const struct gopher_opts *o,
    struct routes *t)
{
	char display[1200], sel[TAGS_SLUG_MAX + 64];
	struct buf b;

	buf_init(&b);
	infof(&b, o, "%s: tags", s->info.title);
	info(&b, o, "");
	for (size_t i = 0; i < s->ntags; i++) {
		const struct site_tag *tag = &s->tags[i];

		/* The count first, so a long name is what gets cut. */
		snprintf(display, sizeof(display), "%s (%zu post%s)", tag->name,
		    tag->nposts, plural(tag->nposts));
		if (wrap_width(display, strlen(display)) > o->width)
			snprintf(display, sizeof(display), "(%zu) %s",
			    tag->nposts, tag->name);
		snprintf(sel, sizeof(sel), "/tags/%s/", tag->slug);
		item(&b, o, '1', display, sel);
	}
	if (s->ntags == 0)
		info(&b, o, "No post has a tag yet.");
	info(&b, o, "");
	item(&b, o, '1', "Home", "/");
	return add_menu(t, "/tags/", &b);
}

static int
render_tag(const struct site *s, const struct site_tag *tag,
    const struct gopher_opts *o, struct routes *t)
{
	char path[TAGS_SLUG_MAX + 64], alias[TAGS_SLUG_MAX + 64];
	struct buf b;

	buf_init(&b);
	infof(&b, o, "%s: %s", s->info.title, tag->name);
	info(&b, o, "");
	for (size_t i = 0; i < tag->nposts; i++)
		if (post_items(&b, o, tag->posts[i]) == -1) {
			buf_free(&b);
			return -1;
		}
	info(&b, o, "");
	item(&b, o, '1', "All tags", "/tags/");
	item(&b, o, '1', "Home", "/");
	snprintf(path, sizeof(path), "/tags/%s/", tag->slug);
	if (add_menu(t, path, &b) == -1)
		return -1;
	snprintf(alias, sizeof(alias), "/tags/%s/", tag->slug_utf8);
	if (strcmp(alias, path) == 0)
		return 0;
	return add_menu_alias(t, path, alias);
}

/* Asks for words: what "/search" is without any, or with none. */
static void
search_prompt(struct buf *b, const struct site *s,
    const struct gopher_opts *o, const char *why)
{
	infof(b, o, "%s: search", s->info.title);
	info(b, o, "");
	if (why)
		info(b, o, why);
	item(b, o, '7', "Search the posts", "/search");
	info(b, o, "");
	item(b, o, '1', "Home", "/");
}

static int
render_search_prompt(const struct site *s, const struct gopher_opts *o,
    struct routes *t)
{
	struct buf b;

	buf_init(&b);
	search_prompt(&b, s, o, NULL);
	return add_menu(t, "/search", &b);
}

static int
render_page(const struct page *pg, const struct gopher_opts *o,
    struct routes *t)
{
	char path[512];
	struct buf b;

	buf_init(&b);
	put_title(&b, pg->meta.title, o->width);
	gopher_text_body(&b, pg->body, pg->body_len, o->width, o, "/");
	snprintf(path, sizeof(path), "/%s.txt", pg->name);
	return add(t, path, &b);
}

static int
render_fixed(const struct gopher_opts *o, struct routes *t)
{
	struct buf b;

	/* caps.txt, as gophernicus and others serve it, for clients' paths. */
	buf_init(&b);
	buf_puts(&b, "CAPS\r\n\r\nCapsVersion=1\r\nExpireCapsAfter=3600\r\n"
		     "\r\nPathDelimeter=/\r\nPathIdentity=.\r\nPathParent=..\r\n"
		     "PathParentDouble=FALSE\r\nPathEscapeCharacter=\\\r\n"
		     "PathKeepPreDelimeter=FALSE\r\n\r\n"
		     "ServerSoftware=capsuled\r\n");
	buf_printf(&b, "ServerSoftwareVersion=%s\r\n", "0.1.0");
	buf_puts(&b, "ServerArchitecture=unix\r\n"
		     "ServerDescription=A blog served as a Gemini capsule and "
		     "a Gopher hole\r\n");
	buf_printf(&b, "ServerGeolocationString=\r\nServerDefaultEncoding="
		       "utf-8\r\nServerAdmin=\r\nDefaultHost=%s\r\n", o->host);
	if (add_both(t, "/caps.txt", &b) == -1)
		goto oom;
	buf_puts(&b, "User-agent: *\r\nDisallow:\r\n");
	if (add_both(t, "/robots.txt", &b) == -1)
		goto oom;
	return 0;
oom:
	buf_free(&b);
	return -1;
}

int
render_gopher_menus(const struct site *s, const struct gopher_opts *o,
    struct routes *t)
{
	if (render_home(s, o, t) == -1 || render_fixed(o, t) == -1 ||
	    render_tags(s, o, t) == -1 ||
	    render_search_prompt(s, o, t) == -1)
		return -1;
	for (size_t i = 0; i < s->ntags; i++)
		if (render_tag(s, &s->tags[i], o, t) == -1)
			return -1;
	for (size_t i = 0; i < s->nyears; i++) {
		const struct site_year *y = &s->years[i];

		if (render_year(s, y, o, t) == -1)
			return -1;
		for (size_t k = 0; k < y->nmonths; k++)
			if (render_month(s, &y->months[k], o, t) == -1)
				return -1;
	}
	return 0;
}

int
render_gopher_texts(const struct site *s, const struct gopher_opts *o,
    struct routes *t)
{
	for (size_t i = 0; i < s->nposts; i++)
		if (render_post(s, s->posts[i], o, t) == -1)
			return -1;
	for (size_t i = 0; i < s->npages; i++)
		if (render_page(s->pages[i], o, t) == -1)
			return -1;
	return 0;
}

int
render_gopher(const struct site *s, const struct gopher_opts *o,
    struct routes *t)
{
	return render_gopher_menus(s, o, t) == -1 ||
	    render_gopher_texts(s, o, t) == -1 ? -1 : 0;
}

void
render_gopher_search(struct buf *b, const struct site *s,
    const struct gopher_opts *o, const char *words, size_t len)
{
	struct search_query q;
	struct search_result r;
	char line[160], sel[512], dir[16];
	struct buf echo;

	switch (search_query_parse(words, len, 0, &q)) {
	case SEARCH_EMPTY:
		search_prompt(b, s, o, "Type one or more words to look for.");
		buf_puts(b, ".\r\n");
		return;
	case SEARCH_TOO_LONG:
		snprintf(line, sizeof(line), "Search too long: at most %d "
		    "words and %d bytes", SEARCH_MAX_TERMS, SEARCH_MAX_QUERY);
		render_gopher_error(b, line);
		return;
	case SEARCH_BAD:
		render_gopher_error(b, "Bad search: not UTF-8");
		return;
	case SEARCH_OK:
		break;
	}
	search_run(s->search, &q, &r);
	if (r.failed) {
		b->failed = 1; /* the caller answers "out of memory" */
		return;
	}
	buf_init(&echo);
	buf_puts(&echo, "Search: ");
	buf_add(&echo, q.text, q.text_len);
	if (echo.failed) {
		b->failed = 1;
		return;
	}
	/* item() cleans it: the words never break the menu line. */
	buf_putc(&echo, '\0');
	info(b, o, echo.data);
	buf_free(&echo);
	if (r.total == 0)
		info(b, o, "No post holds every word of this search.");
	else if (r.total == r.nhits)
		infof(b, o, "%zu post%s hold%s every word, best first.",
		    r.total, plural(r.total), r.total == 1 ? "s" : "");
	else
		infof(b, o, "%zu posts hold every word; the best %zu follow.",
		    r.total, r.nhits);
	for (size_t i = 0; i < r.nhits; i++) {
		const struct post *p = r.hits[i].post;
		char ymd[11], display[1200];
		struct buf sn, lines;
		const char *l, *end, *eol;

		info(b, o, "");
		post_dir(dir, sizeof(dir), p);
		date_ymd(&p->meta.date, ymd);
		snprintf(display, sizeof(display), "%s %s", ymd, p->meta.title);
		snprintf(sel, sizeof(sel), "%s%s.txt", dir, p->slug);
		item(b, o, '0', display, sel);
		/* The snippet, wrapped into info lines under its post. */
		buf_init(&sn);
		buf_init(&lines);
		search_snippet(s->search, &r.hits[i], SEARCH_SNIPPET_COLS, &sn);
		if (sn.len > 0)
			wrap_paragraph(&lines, sn.data, sn.len, o->width, "  ",
			    "  ");
		if (sn.failed || lines.failed)
			b->failed = 1;
		l = lines.data;
		end = l ? l + lines.len : l;
		for (; l && l < end; l = eol + 2) {
			if ((eol = memchr(l, '\r', (size_t)(end - l))) == NULL)
				break;
			buf_putc(b, 'i');
			buf_add(b, l, (size_t)(eol - l));
			buf_puts(b, "\t\t");
			buf_printf(b, "%s\t%d\r\n", o->host, o->port);
		}
		buf_free(&sn);
		buf_free(&lines);
	}
	info(b, o, "");
	item(b, o, '7', "Search again", "/search");
	item(b, o, '1', "Home", "/");
	buf_puts(b, ".\r\n");
}

void
render_gopher_error(struct buf *b, const char *msg)
{
	buf_putc(b, '3');
	wrap_clean_line(b, msg, strlen(msg), 200);
	buf_puts(b, "\t\terror.host\t1\r\n.\r\n");
}

static void
put_html(struct buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, s[i]);
		}
	}
}

void
render_gopher_url_page(struct buf *b, const char *url, size_t len)
{
	buf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"refresh\" content=\"0; url=");
	put_html(b, url, len);
	buf_puts(b, "\">\n<title>Leaving Gopherspace</title></head>\n<body>"
		    "<p>This link leads out of Gopherspace to <a href=\"");
	put_html(b, url, len);
	buf_puts(b, "\">");
	put_html(b, url, len);
	buf_puts(b, "</a>.</p></body></html>\n");
}
