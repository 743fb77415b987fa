/* tags: one tag whatever its case, a slug for its path, and its posts. */
#include "model/tags.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/percent.h"
#include "model/site.h"
#include "text/words.h"

/* Plain ASCII, the bulk of most blogs' tags, needs no libunistring. */
static int
ascii_only(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] >= 0x80)
			return 0;
	return 1;
}

/* Case folding and NFC of ASCII: A-Z made a-z, nothing else. */
static char *
ascii_folded(struct buf *b)
{
	if (b->len == 0) {
		/* Never written, the buffer holds no NUL to steal. */
		buf_free(b);
		return strdup("");
	}
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] >= 'A' && b->data[i] <= 'Z')
			b->data[i] = (char)(b->data[i] + ('a' - 'A'));
	return buf_steal(b, NULL);
}

char *
tags_key(const char *tag)
{
	struct buf b;
	const uint8_t *s = (const uint8_t *)tag, *end = s + strlen(tag);
	uint8_t *f;
	size_t flen;
	char *out;
	int space = 0;

	/* White space and controls first: "North\tKorea" is "North Korea". */
	buf_init(&b);
	while (s < end) {
		ucs4_t uc;
		int k = u8_mbtouc(&uc, s, (size_t)(end - s));

		if (uc < 0x20 || (uc >= 0x7f && uc < 0xa0) ||
		    uc_is_property_white_space(uc))
			space = b.len > 0;
		else {
			if (space)
				buf_putc(&b, ' ');
			space = 0;
			buf_add(&b, s, (size_t)k);
		}
		s += k;
	}
	if (b.failed)
		return NULL;
	if (ascii_only(&b))
		return ascii_folded(&b);
	f = u8_casefold((const uint8_t *)(b.data ? b.data : ""), b.len, NULL,
	    UNINORM_NFC, NULL, &flen);
	buf_free(&b);
	if (f == NULL || (out = malloc(flen + 1)) == NULL) {
		free(f);
		return NULL;
	}
	memcpy(out, f, flen);
	out[flen] = '\0';
	free(f);
	return out;
}

static int
ascii_alnum(ucs4_t uc)
{
	return (uc >= 'a' && uc <= 'z') || (uc >= 'A' && uc <= 'Z') ||
	    (uc >= '0' && uc <= '9');
}

/*
 * One letter or digit as the slug writes it: its NFKD form without
 * marks when that is plain ASCII ("é" is "e", "ﬁ" "fi"), otherwise the
 * character itself, percent-encoded.
 */
static void
slug_char(struct buf *out, const uint8_t *c, size_t n)
{
	uint8_t tmp[64];
	size_t dlen = sizeof(tmp), w = 0;
	uint8_t *d;
	char plain[64];
	int ascii;

	/* An ASCII letter or digit is itself (the key is folded already). */
	if (n == 1 && c[0] < 0x80) {
		buf_putc(out, (char)(c[0] >= 'A' && c[0] <= 'Z' ? c[0] | 0x20
							      : c[0]));
		return;
	}
	d = u8_normalize(UNINORM_NFKD, c, n, tmp, &dlen);
	ascii = d != NULL;

	for (size_t i = 0; ascii && i < dlen;) {
		ucs4_t uc;
		int k = u8_mbtouc(&uc, d + i, dlen - i);

		if (uc_is_general_category(uc, UC_CATEGORY_M))
			;
		else if (ascii_alnum(uc) && w < sizeof(plain))
			plain[w++] = (char)(uc | 0x20); /* digits have it */
		else
			ascii = 0;
		i += (size_t)k;
	}
	if (d != NULL && d != tmp)
		free(d);
	if (ascii && w > 0) {
		buf_add(out, plain, w);
		return;
	}
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%%%02X", c[i]);
}

char *
tags_slug(const char *tag)
{
	char *key = tags_key(tag);
	const uint8_t *s, *end;
	struct buf b, one;
	int dash = 0;

	if (key == NULL)
		return NULL;
	buf_init(&b);
	buf_init(&one);
	s = (const uint8_t *)key;
	end = s + strlen(key);
	while (s < end) {
		ucs4_t uc;
		int k = u8_mbtouc(&uc, s, (size_t)(end - s));

		if (uc_is_general_category(uc, UC_CATEGORY_M))
			; /* "İ" folds to "i" and a dot above: "istanbul" */
		else if (!uc_is_alnum(uc))
			dash = b.len > 0;
		else {
			one.len = 0;
			slug_char(&one, s, (size_t)k);
			if (one.failed)
				break;
			/* Whole characters only: never half a %XX. */
			if (b.len + dash + one.len > TAGS_SLUG_MAX)
				break;
			if (dash)
				buf_putc(&b, '-');
			dash = 0;
			buf_add(&b, one.data, one.len);
		}
		s += k;
	}
	free(key);
	if (one.failed)
		b.failed = 1;
	buf_free(&one);
	if (b.len == 0)
		buf_puts(&b, "tag");
	return buf_steal(&b, NULL);
}

void
tags_slug_decode(const char *slug, char *out, size_t n)
{
	size_t w = 0;

	if (n == 0)
		return;
	for (; *slug && w + 1 < n; slug++) {
		/* A bad escape is kept as typed. */
		int v = percent_byte(slug, strnlen(slug, 3));

		if (v >= 0) {
			out[w++] = (char)v;
			slug += 2;
		} else
			out[w++] = *slug;
	}
	out[w] = '\0';
}

/* One use of a tag: a post and the place of the tag in its list. */
struct use {
	const char *key;
	struct post *post;
	size_t pos;
	size_t tag;        /* the tag's index, once grouped */
};

/* By key; then the oldest post first, so a group starts where the tag
 * was first written. */
static int
cmp_use(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	if (x->post->order != y->post->order)
		return x->post->order > y->post->order ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Sorting and naming need more than the tags themselves. */
struct tag_work {
	struct site_tag t;
	char *sort;        /* loosely folded name: the reading order */
	size_t first;      /* first use, oldest post first, then its place */
	size_t first_pos;  /* in that post's list: who keeps a slug */
	size_t final;      /* index after sorting for reading */
};

static int
cmp_slug(const void *a, const void *b)
{
	const struct tag_work *x = *(struct tag_work *const *)a;
	const struct tag_work *y = *(struct tag_work *const *)b;
	int c = strcmp(x->t.slug, y->t.slug);

	if (c != 0)
		return c;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->first_pos < y->first_pos ? -1 : x->first_pos > y->first_pos;
}

static int
cmp_reading(const void *a, const void *b)
{
	const struct tag_work *x = a, *y = b;
	int c = strcmp(x->sort, y->sort);

	return c != 0 ? c : strcmp(x->t.key, y->t.key);
}

/*
 * The slugs in use, hashed: a candidate "-N" is one probe, not a pass
 * over every tag (50,000 tags of one slug were n^3 string compares).
 */
struct slugset {
	const char **v;   /* open addressing, NULL empty; strings not owned */
	size_t cap;       /* a power of two, over twice what it holds */
};

static const char **
slugset_slot(const struct slugset *set, const char *s)
{
	size_t mask = set->cap - 1, i = hash_bytes(s, strlen(s)) & mask;

	while (set->v[i] != NULL && strcmp(set->v[i], s) != 0)
		i = (i + 1) & mask;
	return &set->v[i];
}

/* The renamed slugs are added as they come: at most n slugs in all. */
static int
slugset_init(struct slugset *set, size_t n)
{
	set->cap = 64;
	while (set->cap < 4 * n)
		set->cap *= 2;
	return (set->v = calloc(set->cap, sizeof(*set->v))) == NULL ? -1 : 0;
}

/*
 * Same slug for two tags: the later one gets the first free "-N". A run
 * of one slug is renamed in order, each "-N" after the one before: what
 * an earlier candidate found taken stays taken.
 */
static int
unique_slugs(struct tag_work *w, size_t n)
{
	struct tag_work **by;
	struct slugset set;
	char *dup;
	unsigned k = 2;
	int rc = -1;

	if (n == 0)
		return 0;
	if ((by = malloc(n * sizeof(*by))) == NULL)
		return -1;
	if ((dup = calloc(n, 1)) == NULL || slugset_init(&set, n) == -1) {
		free(dup);
		free(by);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		by[i] = &w[i];
		*slugset_slot(&set, w[i].t.slug) = w[i].t.slug;
	}
	qsort(by, n, sizeof(*by), cmp_slug);
	/* Marked before any is renamed, so each run is seen whole. */
	for (size_t i = 1; i < n; i++)
		dup[i] = strcmp(by[i]->t.slug, by[i - 1]->t.slug) == 0;
	for (size_t i = 1; i < n; i++) {
		char cand[TAGS_SLUG_MAX + 24], *s;
		const char **slot;

		if (!dup[i])
			continue;
		if (!dup[i - 1])
			k = 2; /* a new run */
		for (;; k++) {
			snprintf(cand, sizeof(cand), "%s-%u", by[i]->t.slug, k);
			if (*(slot = slugset_slot(&set, cand)) == NULL)
				break;
		}
		k++;
		if ((s = strdup(cand)) == NULL)
			goto done;
		/* The old slug stays in the set: the run's first keeps it. */
		free(by[i]->t.slug);
		by[i]->t.slug = s;
		*slot = s;
	}
	rc = 0;
done:
	free(set.v);
	free(dup);
	free(by);
	return rc;
}

static int
fill_posts(struct site_tag *t, struct use *u, size_t n)
{
	if ((t->posts = malloc(n * sizeof(*t->posts))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		t->posts[i] = u[i].post;
	/* The uses came oldest first; a page lists them newest first. */
	for (size_t i = 0; i < n / 2; i++) {
		struct post *p = t->posts[i];

		t->posts[i] = t->posts[n - 1 - i];
		t->posts[n - 1 - i] = p;
	}
	t->nposts = 0;
	for (size_t i = 0; i < n; i++)
		if (t->nposts == 0 || t->posts[t->nposts - 1] != t->posts[i])
			t->posts[t->nposts++] = t->posts[i];
	return 0;
}

static void
work_free(struct tag_work *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].t.name);
		free(w[i].t.key);
		free(w[i].t.slug);
		free(w[i].t.slug_utf8);
		free(w[i].t.posts);
		free(w[i].sort);
	}
	free(w);
}

/* Names, slugs and the reading order of grouped uses. */
static int
name_tags(struct tag_work *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct buf b;

		if ((w[i].t.slug = tags_slug(w[i].t.name)) == NULL)
			return -1;
		buf_init(&b);
		if (words_fold(w[i].t.name, strlen(w[i].t.name), &b) == -1)
			return -1;
		buf_putc(&b, '\0');
		if ((w[i].sort = buf_steal(&b, NULL)) == NULL)
			return -1;
	}
	if (unique_slugs(w, n) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(w[i].t.slug) + 1;

		if ((w[i].t.slug_utf8 = malloc(len)) == NULL)
			return -1;
		tags_slug_decode(w[i].t.slug, w[i].t.slug_utf8, len);
	}
	return 0;
}

/*
 * Each post's tags once: the places of first spellings when two of its
 * spellings are one tag ("Cuba" and "CUBA"), in one pass over its tags
 * with a mark per tag, so the renderers never compare a post's tags two
 * by two (20,000 tags were 200 million compares on each of its pages).
 */
static int
distinct_tags(struct site *s, size_t ntags)
{
	size_t *seen = calloc(ntags + 1, sizeof(*seen));

	if (seen == NULL)
		return -1;
	for (size_t i = 0; i < s->nposts; i++) {
		struct post *p = s->posts[i];
		size_t n = 0, mark = 2 * i + 1;

		for (size_t j = 0; j < p->meta.ntags; j++)
			if (seen[p->tag_ids[j]] != mark) {
				seen[p->tag_ids[j]] = mark;
				n++;
			}
		p->ndistinct = n;
		if (n == p->meta.ntags)
			continue;
		if ((p->distinct = malloc(n * sizeof(*p->distinct))) == NULL) {
			free(seen);
			return -1;
		}
		mark++;
		n = 0;
		for (size_t j = 0; j < p->meta.ntags; j++)
			if (seen[p->tag_ids[j]] != mark) {
				seen[p->tag_ids[j]] = mark;
				p->distinct[n++] = j;
			}
	}
	free(seen);
	return 0;
}

int
tags_build(struct site *s)
{
	struct use *u = NULL;
	struct tag_work *w = NULL;
	size_t nu = 0, nw = 0, i, j;
	size_t *where = NULL;
	int rc = -1;

	for (i = 0; i < s->nposts; i++)
		nu += s->posts[i]->meta.ntags;
	if (nu == 0)
		return 0;
	if ((u = calloc(nu, sizeof(*u))) == NULL)
		return -1;
	nu = 0;
	for (i = 0; i < s->nposts; i++) {
		struct post *p = s->posts[i];

		if (p->meta.ntags > 0 && (p->tag_ids = calloc(p->meta.ntags,
		    sizeof(*p->tag_ids))) == NULL)
			goto done;
		for (j = 0; j < p->meta.ntags; j++, nu++) {
			u[nu].post = p;
			u[nu].pos = j;
			if ((u[nu].key = tags_key(p->meta.tags[j])) == NULL)
				goto done;
		}
	}
	qsort(u, nu, sizeof(*u), cmp_use);
	if ((w = calloc(nu, sizeof(*w))) == NULL)
		goto done;
	for (i = 0; i < nu; i = j) {
		struct tag_work *t = &w[nw];

		for (j = i; j < nu && strcmp(u[j].key, u[i].key) == 0; j++)
			u[j].tag = nw;
		nw++;
		/* The oldest post has the highest order: it counts first. */
		t->first = s->nposts - u[i].post->order;
		t->first_pos = u[i].pos;
		if ((t->t.key = strdup(u[i].key)) == NULL ||
		    (t->t.name = strdup(u[i].post->meta.tags[u[i].pos])) ==
		    NULL || fill_posts(&t->t, &u[i], j - i) == -1)
			goto done;
	}
	if (name_tags(w, nw) == -1)
		goto done;
	/* Sorted for reading; the uses follow their tag to its new place. */
	for (i = 0; i < nw; i++)
		w[i].final = i;
	qsort(w, nw, sizeof(*w), cmp_reading);
	if ((where = malloc(nw * sizeof(*where))) == NULL)
		goto done;
	for (i = 0; i < nw; i++)
		where[w[i].final] = i;
	for (i = 0; i < nu; i++)
		u[i].post->tag_ids[u[i].pos] = where[u[i].tag];
	if (distinct_tags(s, nw) == -1)
		goto done;
	if ((s->tags = calloc(nw, sizeof(*s->tags))) == NULL)
		goto done;
	for (i = 0; i < nw; i++) {
		s->tags[i] = w[i].t;
		memset(&w[i].t, 0, sizeof(w[i].t));
	}
	s->ntags = nw;
	rc = 0;
done:
	if (w)
		work_free(w, nw);
	for (i = 0; i < nu; i++)
		free((char *)u[i].key);
	free(u);
	free(where);
	return rc;
}

void
tags_free(struct site *s)
{
	for (size_t i = 0; i < s->ntags; i++) {
		free(s->tags[i].name);
		free(s->tags[i].key);
		free(s->tags[i].slug);
		free(s->tags[i].slug_utf8);
		free(s->tags[i].posts);
	}
	free(s->tags);
	s->tags = NULL;
	s->ntags = 0;
}
