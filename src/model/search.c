/* search: the inverted index of the posts' words, built at load. */
#include "model/search.h"
#include "model/search_index.h"

#include "base/hash.h"
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "base/clean.h"
#include "text/gemtext.h"
#include "model/site.h"
#include "text/words.h"


/* ---------------------------------------------------------------- index */

static int
rehash(struct search_index *ix)
{
	size_t n = ix->nslots ? 2 * ix->nslots : 1024, mask = n - 1;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t t = 0; t < ix->nterms; t++) {
		const struct term *tm = &ix->terms[t];
		size_t i = hash_bytes(ix->words.data + tm->off, tm->len) & mask;

		while (slots[i] != 0)
			i = (i + 1) & mask;
		slots[i] = (uint32_t)(t + 1);
	}
	free(ix->slots);
	ix->slots = slots;
	ix->nslots = n;
	return 0;
}

/* The term, added when new. NULL on memory. */
static struct term *
term_get(struct search_index *ix, const char *s, size_t n)
{
	size_t mask, i;
	struct term *t;

	/* At most half full, so probes stay short. */
	if (2 * (ix->nterms + 1) > ix->nslots && rehash(ix) == -1)
		return NULL;
	mask = ix->nslots - 1;
	for (i = hash_bytes(s, n) & mask; ix->slots[i] != 0; i = (i + 1) & mask)
		if (term_is(ix, &ix->terms[ix->slots[i] - 1], s, n))
			return &ix->terms[ix->slots[i] - 1];
	if (ix->nterms == ix->cap_terms) {
		size_t cap = ix->cap_terms ? 2 * ix->cap_terms : 256;
		struct growing *g;

		if ((t = realloc(ix->terms, cap * sizeof(*t))) == NULL)
			return NULL;
		ix->terms = t;
		if ((g = realloc(ix->grow, cap * sizeof(*g))) == NULL)
			return NULL;
		ix->grow = g;
		ix->cap_terms = cap;
	}
	t = &ix->terms[ix->nterms];
	memset(t, 0, sizeof(*t));
	memset(&ix->grow[ix->nterms], 0, sizeof(*ix->grow));
	t->off = (uint32_t)ix->words.len;
	t->len = (uint32_t)n;
	buf_add(&ix->words, s, n);
	if (ix->words.failed)
		return NULL;
	ix->slots[i] = (uint32_t)++ix->nterms;
	return t;
}

struct adding {
	struct search_index *ix;
	uint32_t post;
	uint8_t field;
	size_t base;  /* F_BODY: where the text given starts in the whole */
};

/*
 * Room in the array at *arrp, of *cap elements of size bytes, for need of
 * them: doubling from 8, since most terms are in a few posts only. The
 * pointer goes in and out by memcpy, whatever its type. 0, or -1.
 */
static int
reserve(void *arrp, uint32_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX)
		return -1;
	memcpy(&p, arrp, sizeof(p));
	if ((p = realloc(p, ncap * size)) == NULL)
		return -1;
	memcpy(arrp, &p, sizeof(p));
	*cap = (uint32_t)ncap;
	return 0;
}

static int
put_varint(uint8_t **v, uint32_t *used, uint32_t *cap, uint32_t x)
{
	if (reserve(v, cap, (size_t)*used + 5, 1) == -1)
		return -1;
	for (; x >= 0x80; x >>= 7)
		(*v)[(*used)++] = (uint8_t)(x | 0x80);
	(*v)[(*used)++] = (uint8_t)x;
	return 0;
}

static int
put_first(struct search_index *ix, struct term *t, struct growing *g,
    uint32_t first)
{
	uint32_t k = g->ncoded;

	if (reserve(&t->firsts, &g->cap_firsts, (size_t)k + 1,
		sizeof(*t->firsts)) == -1)
		return -1;
	t->firsts[k] = first < FIRST_BIG ? (uint16_t)first : FIRST_BIG;
	if (first >= FIRST_BIG && first != UINT32_MAX) {
		if (reserve(&ix->big, &ix->cap_big, (size_t)ix->nbig + 1,
			sizeof(*ix->big)) == -1)
			return -1;
		ix->big[ix->nbig++] = (struct big_first){
		    (uint32_t)(t - ix->terms), k, first};
	}
	return 0;
}

/* Codes the open posting of t, if it has one. */
static int
close_posting(struct search_index *ix, struct term *t, struct growing *g)
{
	const struct posting *p = &g->open;

	if (t->n == 0 || g->open.fields == 0)
		return 0;
	if (put_varint(&t->posts, &t->nposts, &g->cap_posts,
		(p->post - g->prev) << 3 | p->fields) == -1 ||
	    put_first(ix, t, g, p->first) == -1)
		return -1;
	g->prev = p->post;
	g->ncoded++;
	g->open.fields = 0;
	return 0;
}

/* A body term's offset in the whole plain text (32 bits: see plain_text). */
static uint32_t
first_at(const struct adding *a, size_t off)
{
	size_t at = a->base + off;

	return at > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)at;
}

static int
add_term(void *ctx, const char *s, size_t n, size_t off)
{
	struct adding *a = ctx;
	struct term *t = term_get(a->ix, s, n);
	struct growing *g;

	if (t == NULL)
		return -1;
	g = &a->ix->grow[t - a->ix->terms];
	/* Posts are added in order, so this post's posting is the open one. */
	if (t->n > 0 && g->open.post == a->post) {
		if (a->field == F_BODY && !(g->open.fields & F_BODY))
			g->open.first = first_at(a, off);
		g->open.fields |= a->field;
		return 0;
	}
	if (close_posting(a->ix, t, g) == -1)
		return -1;
	t->n++;
	g->open.post = a->post;
	g->open.first = a->field == F_BODY ? first_at(a, off) : UINT32_MAX;
	g->open.fields = a->field;
	return 0;
}

/*
 * Plain text being made: never longer than the gemtext it comes from. The
 * index makes it a line at a time (s holds the text after done bytes,
 * the last of which was last); a snippet, whole (done 0).
 */
struct plain {
	char *s;
	size_t len, cap;
	size_t done;
	char last;
};

/*
 * Appends s cleaned for a snippet: every control (clean.h) a space, runs
 * of spaces one, none at the start. The text was checked as UTF-8 when
 * it was loaded.
 */
static void
put_clean(struct plain *t, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		size_t k = clean_control_len(s + i, len - i);

		if (k > 0) {
			c = ' ';
			i += k - 1;
		}
		if (c == ' ' && (t->len > 0 ? t->s[t->len - 1] == ' '
					     : t->done == 0 || t->last == ' '))
			continue;
		if (t->len < t->cap)
			t->s[t->len++] = c;
	}
}

/*
 * A body as the words a reader sees, ready for snippets: each line's
 * text, heading, item, quote, preformatted line or link label, without
 * markup or URLs, cleaned and joined into one line. One allocation: it
 * is made again for every snippet shown. Stops after the line that
 * reaches limit bytes, and says so in *cut.
 */
char *
search_plain_text(const char *body, size_t len, size_t limit, uint32_t *out_len,
    int *cut)
{
	struct gemtext_reader r;
	struct gemtext_line line;
	/* Each line's text is part of it, and its space stands for a line
	 * end (the first one, at the start, is dropped). */
	struct plain t = {NULL, 0, len, 0, 0};

	if ((t.s = malloc(len + 1)) == NULL)
		return NULL;
	*cut = 0;
	gemtext_init(&r, body, len);
	while (gemtext_next(&r, &line)) {
		if (t.len >= limit) {
			*cut = 1;
			break;
		}
		if (line.kind == GT_PRE_START || line.kind == GT_PRE_END)
			continue;
		put_clean(&t, " ", 1);
		put_clean(&t, line.text, line.text_len);
	}
	while (t.len > 0 && t.s[t.len - 1] == ' ')
		t.len--;
	t.s[t.len] = '\0'; /* an empty body still gets a string */
	/* A body over 4 GiB cannot be loaded anyway; offsets are 32 bits. */
	*out_len = t.len > UINT32_MAX ? UINT32_MAX : (uint32_t)t.len;
	return t.s;
}

/*
 * The body's terms, with their offsets in its plain text (plain_text's,
 * which snippets make again), made one line at a time: never the whole
 * plain text and its word breaks at once (a 15 MB post was 30 MB more
 * while it was indexed). Every line starts with the space that joins it
 * to the one before (or follows a space already there), so no word runs
 * from one line into the next and the cuts are those of the whole.
 */
static int
index_body(struct words *sc, struct adding *a, const char *body,
    size_t len)
{
	struct gemtext_reader r;
	struct gemtext_line line;
	struct plain t = {NULL, 0, 0, 0, 0};
	int rc = 0;

	gemtext_init(&r, body, len);
	while (rc == 0 && gemtext_next(&r, &line)) {
		if (line.kind == GT_PRE_START || line.kind == GT_PRE_END)
			continue;
		if (line.text_len + 1 > t.cap) {
			char *s = realloc(t.s, line.text_len + 1);

			if (s == NULL) {
				rc = -1;
				break;
			}
			t.s = s;
			t.cap = line.text_len + 1;
		}
		put_clean(&t, " ", 1);
		put_clean(&t, line.text, line.text_len);
		a->base = t.done;
		rc = words_each(sc, t.s, t.len, add_term, a);
		if (t.len > 0) {
			t.done += t.len;
			t.last = t.s[t.len - 1];
			t.len = 0;
		}
	}
	free(t.s);
	return rc;
}

static int
index_post(struct search_index *ix, struct words *sc, uint32_t i)
{
	const struct post *p = ix->posts[i];
	struct adding a = {ix, i, F_TITLE, 0};

	if (words_each(sc, p->meta.title, strlen(p->meta.title), add_term,
		&a) == -1)
		return -1;
	a.field = F_TAGS;
	for (size_t k = 0; k < p->meta.ntags; k++)
		if (words_each(sc, p->meta.tags[k], strlen(p->meta.tags[k]),
			add_term, &a) == -1)
			return -1;
	ix->src[i].p = p->body;
	ix->src[i].len = p->body_len > UINT32_MAX ? UINT32_MAX
						  : (uint32_t)p->body_len;
	a.field = F_BODY;
	return index_body(sc, &a, ix->src[i].p, ix->src[i].len);
}

/*
 * Codes the last open postings, then moves every list into one block at
 * its size. Grown by doubling, in some 10,000 small arrays, they left
 * room unused and, between them and the model's allocations, holes that
 * kept heap pages resident; freed together they go back whole.
 */
static int
finish(struct search_index *ix)
{
	struct term *t;
	size_t total = 0;
	uint8_t *at;

	for (size_t i = 0; i < ix->nterms; i++) {
		t = &ix->terms[i];
		if (close_posting(ix, t, &ix->grow[i]) == -1)
			return -1;
		total += t->n * sizeof(*t->firsts) + t->nposts;
	}
	if (total > 0 && (ix->bulk = malloc(total)) == NULL)
		return -1;
	/* The firsts, 16 bits each, at the start: aligned. */
	at = ix->bulk;
	for (size_t i = 0; i < ix->nterms; i++) {
		t = &ix->terms[i];
		memcpy(at, t->firsts, t->n * sizeof(*t->firsts));
		free(t->firsts);
		t->firsts = (uint16_t *)(void *)at;
		at += t->n * sizeof(*t->firsts);
	}
	for (size_t i = 0; i < ix->nterms; i++) {
		t = &ix->terms[i];
		memcpy(at, t->posts, t->nposts);
		free(t->posts);
		t->posts = at;
		at += t->nposts;
	}
	free(ix->grow);
	ix->grow = NULL;
	if (ix->nbig > 0)
		qsort(ix->big, ix->nbig, sizeof(*ix->big), big_cmp);
	if (ix->nterms > 0 &&
	    (t = realloc(ix->terms, ix->nterms * sizeof(*t))) != NULL) {
		ix->terms = t;
		ix->cap_terms = ix->nterms;
	}
	return 0;
}

struct search_index *
search_build(struct post *const *posts, size_t nposts)
{
	struct search_index *ix;
	struct words sc;

	if (nposts > MAX_POSTS || (ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	ix->posts = posts;
	ix->nposts = nposts;
	buf_init(&ix->words);
	words_init(&sc);
	ix->src = calloc(nposts + 1, sizeof(*ix->src));
	if (ix->src == NULL || rehash(ix) == -1)
		goto fail;
	for (size_t i = 0; i < nposts; i++)
		if (index_post(ix, &sc, (uint32_t)i) == -1)
			goto fail;
	words_free(&sc);
	if (finish(ix) == -1)
		goto fail_done;
	return ix;
fail:
	words_free(&sc);
fail_done:
	search_free(ix);
	return NULL;
}

void
search_free(struct search_index *ix)
{
	if (ix == NULL)
		return;
	if (ix->bulk != NULL)
		free(ix->bulk);
	else
		for (size_t i = 0; i < ix->nterms; i++) {
			free(ix->terms[i].posts);
			free(ix->terms[i].firsts);
		}
	free(ix->terms);
	free(ix->grow);
	free(ix->big);
	free(ix->slots);
	free(ix->src);
	buf_free(&ix->words);
	free(ix);
}
