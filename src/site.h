/*
 * site: the blog as a model (pure): posts newest first, grouped by year and
 * month, and the pages beside them. Built once per load, then read-only.
 */
#ifndef CAPSULED_SITE_H
#define CAPSULED_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "frontmatter.h"

struct site_link {
	char *label;
	char *url;
};

/* The blog's identity, from site.yaml. */
struct site_info {
	char *title;
	char *subtitle;  /* NULL when absent */
	char *author;    /* NULL when absent */
	char *lang;      /* never NULL after site_info_parse ("en") */
	struct site_link *links;
	size_t nlinks;
	size_t home_posts; /* newest posts on the home page (default 20) */
};

struct post {
	size_t added;     /* insertion order: the first of duplicates wins */
	struct post_meta meta;
	char *file;       /* path of the source file, for messages */
	char *slug;       /* meta.slug, or the file name without ".gmi" */
	char *body;       /* gemtext after the front matter */
	size_t body_len;
	int64_t when;     /* the local date as written, in seconds: the sort
			     key (offsets ignored, so a post stays in the
			     year and month its date names) */
	size_t order;     /* position in site.posts, 0 = newest */
};

struct page {
	size_t added;
	struct post_meta meta;
	char *file;
	char *name;       /* file name without ".gmi": served as /name.gmi */
	char *body;
	size_t body_len;
};

struct site_month {
	int year, month;
	struct post **posts;  /* newest first */
	size_t nposts;
};

struct site_year {
	int year;
	struct site_month *months; /* newest first */
	size_t nmonths;
	size_t nposts;
};

struct site {
	struct site_info info;
	struct post **posts;  /* newest first after site_finish */
	size_t nposts;
	struct site_year *years; /* newest first */
	size_t nyears;
	struct page **pages;  /* by name */
	size_t npages;
	size_t cap_posts, cap_pages;
};

struct yerror;

/*
 * Reads site.yaml text. Required: title. Optional: subtitle, author, lang,
 * links (a list of {label, url}), home_posts. Returns 0, or -1 with err.
 */
int site_info_parse(const char *buf, size_t len, struct site_info *info,
    struct yerror *err);

void site_init(struct site *s);
/* Adds a post or a page; the site owns it from then on. 0, or -1 (memory). */
int site_add_post(struct site *s, struct post *p);
int site_add_page(struct site *s, struct page *p);
/*
 * Sorts posts newest first (ties by slug) and builds years and months.
 * A post that would be served at the same path as one added before it
 * (same year, month and slug), or a page with the name of an earlier one,
 * is taken out, named to dup(ctx, file) and freed. Returns 0, or -1
 * (memory).
 */
int site_finish(struct site *s, void (*dup)(void *ctx, const char *file),
    void *ctx);
void site_free(struct site *s);

void post_free(struct post *p);
void page_free(struct page *p);

/* Local year and month of a post, as written in its date. */
static inline int post_year(const struct post *p) { return p->meta.date.year; }
static inline int post_month(const struct post *p) { return p->meta.date.month; }

#endif
