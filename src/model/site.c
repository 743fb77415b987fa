/* site: posts ordered by date and grouped into years and months. */
#include "model/site.h"

#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <unigbrk.h>
#include <unistr.h>

#include "text/gemtext.h"
#include "base/ytree.h"

#define HOME_POSTS_DEFAULT 20

static void
site_info_free(struct site_info *info)
{
	free(info->title);
	free(info->subtitle);
	free(info->author);
	free(info->lang);
	free(info->favicon);
	for (size_t i = 0; i < info->nlinks; i++) {
		free(info->links[i].label);
		free(info->links[i].url);
	}
	free(info->links);
	memset(info, 0, sizeof(*info));
}

static int
info_err(struct yerror *err, const struct ynode *n, const char *msg)
{
	err->line = n ? n->line : 1;
	err->col = n ? n->col : 1;
	strncpy(err->msg, msg, sizeof(err->msg) - 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
	return -1;
}

/* A scalar string value, or NULL with an error when present but not one. */
static int
info_string(const struct ynode *map, const char *key, char **out,
    struct yerror *err)
{
	const struct ynode *v = ytree_get(map, key);

	if (v == NULL)
		return 0;
	if (v->kind != Y_SCALAR)
		return info_err(err, v, "expected a string");
	if ((*out = strdup(v->str)) == NULL)
		return info_err(err, v, "out of memory");
	return 0;
}

static int
info_links(const struct ynode *seq, struct site_info *info,
    struct yerror *err)
{
	if (seq->kind != Y_SEQ)
		return info_err(err, seq, "links must be a list of {label, url}");
	if ((info->links = calloc(seq->n + 1, sizeof(*info->links))) == NULL)
		return info_err(err, seq, "out of memory");
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *l = seq->items[i];
		const struct ynode *label = ytree_get(l, "label");
		const struct ynode *url = ytree_get(l, "url");
		struct site_link *sl = &info->links[info->nlinks];

		if (l->kind != Y_MAP || url == NULL || url->kind != Y_SCALAR ||
		    (label != NULL && label->kind != Y_SCALAR))
			return info_err(err, l, "a link needs a url and a label");
		sl->url = strdup(url->str);
		sl->label = strdup(label ? label->str : url->str);
		info->nlinks++;
		if (sl->url == NULL || sl->label == NULL)
			return info_err(err, l, "out of memory");
	}
	return 0;
}

/*
 * One emoji, as Lagrange shows it beside the capsule's name: one grapheme
 * cluster (a flag or a family of ZWJ-joined emoji is one), nothing blank
 * or invisible.
 */
static int
favicon_ok(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s);
	char brk[64];
	ucs4_t uc;

	if (n == 0 || n > sizeof(brk))
		return 0;
	/* The whole-string form: it pairs regional indicators into flags. */
	u8_grapheme_breaks(p, n, brk);
	for (size_t i = 1; i < n; i++)
		if (brk[i])
			return 0;
	for (size_t i = 0; i < n;) {
		i += (size_t)u8_mbtouc(&uc, p + i, n - i);
		if (uc < 0x20 || (uc >= 0x7f && uc < 0xa0) ||
		    uc_is_property_white_space(uc))
			return 0;
	}
	return 1;
}

int
site_info_parse(const char *buf, size_t len, struct site_info *info,
    struct yerror *err)
{
	struct ynode *root;
	const struct ynode *v;
	long n;
	int rc = -1;

	memset(info, 0, sizeof(*info));
	info->home_posts = HOME_POSTS_DEFAULT;
	if ((root = ytree_parse(buf, len, err)) == NULL)
		return -1;
	if (root->kind != Y_MAP) {
		info_err(err, root, "site.yaml must be a mapping");
		goto done;
	}
	if (info_string(root, "title", &info->title, err) == -1 ||
	    info_string(root, "subtitle", &info->subtitle, err) == -1 ||
	    info_string(root, "author", &info->author, err) == -1 ||
	    info_string(root, "lang", &info->lang, err) == -1 ||
	    info_string(root, "favicon", &info->favicon, err) == -1)
		goto done;
	if (info->favicon != NULL && !favicon_ok(info->favicon)) {
		info_err(err, ytree_get(root, "favicon"),
		    "favicon must be one emoji");
		goto done;
	}
	if (info->title == NULL || info->title[0] == '\0') {
		info_err(err, root, "site.yaml: missing title");
		goto done;
	}
	if (info->lang == NULL && (info->lang = strdup("en")) == NULL) {
		info_err(err, root, "out of memory");
		goto done;
	}
	if ((v = ytree_get(root, "links")) != NULL &&
	    info_links(v, info, err) == -1)
		goto done;
	if ((v = ytree_get(root, "home_posts")) != NULL) {
		if (ytree_long(v, 1, 100000, &n) == -1) {
			info_err(err, v, "home_posts must be a number from 1");
			goto done;
		}
		info->home_posts = (size_t)n;
	}
	rc = 0;
done:
	ytree_free(root);
	if (rc == -1)
		site_info_free(info);
	return rc;
}

void
site_init(struct site *s)
{
	memset(s, 0, sizeof(*s));
}

/*
 * Appends item to a growing array of pointers (doubling: O(1) amortised).
 * arrp points at the array variable, whatever its pointer type; memcpy
 * moves the pointer in and out so no lvalue of the wrong type is used.
 */
static int
push(void *arrp, size_t *n, size_t *cap, void *item)
{
	void **arr, **p;

	memcpy(&arr, arrp, sizeof(arr));
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;

		if ((p = realloc(arr, ncap * sizeof(*p))) == NULL)
			return -1;
		arr = p;
		*cap = ncap;
		memcpy(arrp, &arr, sizeof(arr));
	}
	arr[(*n)++] = item;
	return 0;
}

int
site_add_post(struct site *s, struct post *p)
{
	p->added = s->nposts;
	return push(&s->posts, &s->nposts, &s->cap_posts, p);
}

int
site_add_page(struct site *s, struct page *p)
{
	p->added = s->npages;
	return push(&s->pages, &s->npages, &s->cap_pages, p);
}

const char *
site_keep_text(struct site *s, const char *text, size_t len)
{
	return pool_copy(&s->texts, len ? text : "", len);
}

char *
site_adopt_text(struct site *s, char *buf)
{
	return pool_adopt(&s->texts, buf);
}

static int
same_path(const struct post *x, const struct post *y)
{
	return post_year(x) == post_year(y) && post_month(x) == post_month(y) &&
	    strcmp(x->slug, y->slug) == 0;
}

/* Same path first together, the first added first among them. */
static int
cmp_post_path(const void *a, const void *b)
{
	const struct post *x = *(struct post *const *)a;
	const struct post *y = *(struct post *const *)b;
	int c;

	if (post_year(x) != post_year(y))
		return post_year(x) < post_year(y) ? -1 : 1;
	if (post_month(x) != post_month(y))
		return post_month(x) < post_month(y) ? -1 : 1;
	if ((c = strcmp(x->slug, y->slug)) != 0)
		return c;
	return x->added < y->added ? -1 : x->added > y->added;
}

/* Newest first; equal times by slug so the order never depends on disk. */
static int
cmp_post_date(const void *a, const void *b)
{
	const struct post *x = *(struct post *const *)a;
	const struct post *y = *(struct post *const *)b;

	if (x->when != y->when)
		return x->when > y->when ? -1 : 1;
	return strcmp(x->slug, y->slug);
}

static int
cmp_page(const void *a, const void *b)
{
	const struct page *x = *(struct page *const *)a;
	const struct page *y = *(struct page *const *)b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->added < y->added ? -1 : x->added > y->added;
}

static void
drop_dup_posts(struct site *s, void (*dup)(void *, const char *), void *ctx)
{
	size_t w = 0;

	if (s->nposts > 0) /* qsort(NULL, 0) is undefined */
		qsort(s->posts, s->nposts, sizeof(*s->posts), cmp_post_path);
	for (size_t i = 0; i < s->nposts; i++) {
		if (w > 0 && same_path(s->posts[w - 1], s->posts[i])) {
			dup(ctx, s->posts[i]->file);
			post_free(s->posts[i]);
			continue;
		}
		s->posts[w++] = s->posts[i];
	}
	s->nposts = w;
}

static void
drop_dup_pages(struct site *s, void (*dup)(void *, const char *), void *ctx)
{
	size_t w = 0;

	if (s->npages > 0) /* qsort(NULL, 0) is undefined */
		qsort(s->pages, s->npages, sizeof(*s->pages), cmp_page);
	for (size_t i = 0; i < s->npages; i++) {
		if (w > 0 && strcmp(s->pages[w - 1]->name, s->pages[i]->name) == 0) {
			dup(ctx, s->pages[i]->file);
			page_free(s->pages[i]);
			continue;
		}
		s->pages[w++] = s->pages[i];
	}
	s->npages = w;
}

/* Walks posts newest first and cuts them into years and months. */
static int
group(struct site *s)
{
	size_t ny = 0, nm = 0, yi = 0, mi = 0;
	struct site_month *months;

	for (size_t i = 0; i < s->nposts; i++) {
		const struct post *p = s->posts[i], *q = i ? s->posts[i - 1] : NULL;

		if (q == NULL || post_year(q) != post_year(p)) {
			ny++;
			nm++;
		} else if (post_month(q) != post_month(p))
			nm++;
	}
	/* Dates sort newest first, so each year and month is one run. */
	if (ny == 0)
		return 0;
	if ((s->years = calloc(ny, sizeof(*s->years))) == NULL)
		return -1;
	if ((months = calloc(nm, sizeof(*months))) == NULL)
		return -1;
	s->nyears = ny;
	for (size_t i = 0; i < s->nposts; i++) {
		struct post *p = s->posts[i];
		struct site_year *y = &s->years[yi];
		struct site_month *m = &months[mi];

		if (y->nposts > 0 && y->year != post_year(p)) {
			y = &s->years[++yi];
			m = &months[++mi];
		} else if (m->nposts > 0 && m->month != post_month(p))
			m = &months[++mi];
		if (y->months == NULL)
			y->months = m;
		if (m->nposts == 0) {
			m->year = post_year(p);
			m->month = post_month(p);
			m->posts = &s->posts[i];
			y->nmonths++;
		}
		y->year = post_year(p);
		y->nposts++;
		m->nposts++;
		p->order = i;
	}
	return 0;
}

int
site_order(struct site *s, void (*dup)(void *ctx, const char *file),
    void *ctx)
{
	drop_dup_posts(s, dup, ctx);
	drop_dup_pages(s, dup, ctx);
	if (s->nposts > 0) /* qsort(NULL, 0) is undefined */
		qsort(s->posts, s->nposts, sizeof(*s->posts), cmp_post_date);
	/* Counted once: every listing of a post says how many it has. */
	for (size_t i = 0; i < s->nposts; i++)
		s->posts[i]->nlinks = gemtext_links(s->posts[i]->body,
		    s->posts[i]->body_len, SIZE_MAX, NULL);
	return group(s);
}

void
site_drop_texts(struct site *s)
{
	for (size_t i = 0; i < s->nposts; i++)
		s->posts[i]->file = NULL;
	for (size_t i = 0; i < s->npages; i++)
		s->pages[i]->file = NULL;
	pool_free(&s->texts);
}

void
post_free(struct post *p)
{
	if (p == NULL)
		return;
	post_meta_free(&p->meta);
	free(p->slug);
	free(p->tag_ids);
	free(p->distinct);
	free(p);
}

void
page_free(struct page *p)
{
	if (p == NULL)
		return;
	post_meta_free(&p->meta);
	free(p->name);
	free(p);
}

void
site_clear(struct site *s)
{
	site_info_free(&s->info);
	for (size_t i = 0; i < s->nposts; i++)
		post_free(s->posts[i]);
	free(s->posts);
	for (size_t i = 0; i < s->npages; i++)
		page_free(s->pages[i]);
	free(s->pages);
	if (s->nyears)
		free(s->years[0].months);
	free(s->years);
	pool_free(&s->texts);
	site_init(s);
}
