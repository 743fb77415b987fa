/*
 * site: the blog as a model (pure): posts newest first, grouped by year and
 * month, and the pages beside them. Built once per load, then read-only.
 */
#ifndef CAPSULED_SITE_H
#define CAPSULED_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "text/frontmatter.h"
#include "base/pool.h"

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
	char *favicon;   /* one emoji for /favicon.txt; NULL when absent */
	struct site_link *links;
	size_t nlinks;
	size_t home_posts; /* newest posts on the home page (default 20) */
};

struct post {
	size_t added;     /* insertion order: the first of duplicates wins */
	struct post_meta meta;
	const char *file; /* path of the source file, for messages: in
			     site.texts (or the caller's), until
			     site_drop_texts */
	char *slug;       /* meta.slug, or the file name without ".gmi" */
	const char *body; /* gemtext after the front matter: in site.texts
			     (or the caller's); the loader moves it into the
			     post's Gemini page before site_drop_texts */
	size_t body_len;
	int64_t when;     /* the local date as written, in seconds: the sort
			     key (offsets ignored, so a post stays in the
			     year and month its date names) */
	size_t order;     /* position in site.posts, 0 = newest */
	size_t *tag_ids;  /* after site_finish: meta.tags[i] is
			     site.tags[tag_ids[i]] */
	size_t ndistinct; /* its tags, each once (two spellings of one tag
			     are one): see post_tag_place */
	size_t *distinct; /* the places in meta.tags of those, at their first
			     spelling, in order; NULL when every place is one */
	size_t nlinks;    /* link lines of the body */
};

struct page {
	size_t added;
	struct post_meta meta;
	const char *file; /* as a post's */
	char *name;       /* file name without ".gmi": served as /name.gmi */
	const char *body; /* as a post's */
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

/* One tag and its posts (see tags.h for names and slugs). */
struct site_tag {
	char *name;       /* as first written, in the oldest post */
	char *key;        /* case-folded: what makes spellings one tag */
	char *slug;       /* the path segment, ASCII (%XX for other scripts) */
	char *slug_utf8;  /* the same decoded: a Gemini request's path */
	struct post **posts; /* newest first, each once */
	size_t nposts;
};

struct search_index;

struct site {
	struct site_info info;
	struct post **posts;  /* newest first after site_order */
	size_t nposts;
	struct site_year *years; /* newest first */
	size_t nyears;
	struct page **pages;  /* by name */
	size_t npages;
	struct site_tag *tags; /* for reading: by name, loosely folded */
	size_t ntags;
	struct search_index *search; /* built by site_index (finish.h) */
	size_t cap_posts, cap_pages;
	/*
	 * The bodies and file names as read at load, needed only until the
	 * Gemini pages hold the bodies, in blocks of their own: among the
	 * model's small allocations in the heap they would leave, once freed,
	 * holes that keep its pages resident (10,000 posts of 2 KB: 14 MB).
	 */
	struct pool texts;
};

struct yerror;

/*
 * Reads site.yaml text. Required: title. Optional: subtitle, author, lang,
 * links (a list of {label, url}), home_posts, favicon (one emoji: one
 * grapheme cluster, no space or control). Returns 0, or -1 with err.
 */
int site_info_parse(const char *buf, size_t len, struct site_info *info,
    struct yerror *err);

void site_init(struct site *s);
/* Adds a post or a page; the site owns it from then on. 0, or -1 (memory). */
int site_add_post(struct site *s, struct post *p);
int site_add_page(struct site *s, struct page *p);
/* A copy of text[0..len) in s->texts, for a body or a file name; NULL
 * on memory. */
const char *site_keep_text(struct site *s, const char *text, size_t len);
/* buf (from malloc) taken into s->texts as it is (pool_adopt): NULL on
 * memory, when buf is freed. */
char *site_adopt_text(struct site *s, char *buf);
/*
 * Sorts posts newest first (ties by slug) and builds years and months
 * (the first step of site_finish, model/finish.h). A post that would be
 * served at the same path as one added before it (same year, month and
 * slug), or a page with the name of an earlier one, is taken out, named
 * to dup(ctx, file) and freed. Returns 0, or -1 (memory).
 */
int site_order(struct site *s, void (*dup)(void *ctx, const char *file),
    void *ctx);

/*
 * Frees site.texts and forgets every file name, once no body is in it
 * (content.c moves each into its rendered Gemini page first, which the
 * snapshot keeps, and where the search index and the Gopher texts read
 * it).
 */
void site_drop_texts(struct site *s);
/* Frees what site.c made (site_free, model/finish.h, frees the rest). */
void site_clear(struct site *s);

void post_free(struct post *p);
void page_free(struct page *p);

/* The place in p->meta.tags of the post's k-th tag (k < p->ndistinct),
 * each tag once. */
static inline size_t
post_tag_place(const struct post *p, size_t k)
{
	return p->distinct ? p->distinct[k] : k;
}

/* Local year and month of a post, as written in its date. */
static inline int post_year(const struct post *p) { return p->meta.date.year; }
static inline int post_month(const struct post *p) { return p->meta.date.month; }

#endif
