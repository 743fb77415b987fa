/* search: an inverted index of the posts' words, and queries against it. */
#include "model/search.h"

#include "base/hash.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>
#include <uniwbrk.h>

#include "base/clean.h"
#include "text/gemtext.h"
#include "model/site.h"
#include "text/wrap.h"

#include <unigbrk.h>

/*
 * A longer word is cut (between characters) at this many bytes, on both
 * sides alike: a URL or a run of base64 in a body costs the index no
 * more than a word.
 */
#define TERM_MAX 64

enum { F_BODY = 1, F_TAGS = 2, F_TITLE = 4 };

/*
 * One post that holds a term, the index's bulk. A term keeps its postings
 * by post ascending, coded: a varint (post - the previous one's) << 3 |
 * fields each (one byte, mostly), and beside them each one's first in 16
 * bits; the rare first past 16 bits says FIRST_BIG and is kept in the
 * index's table of them. About three bytes a posting where the struct
 * takes eight (10,000 posts of 2 KB: 530,000 postings, 4.3 MB as
 * structs). Counting matches reads the varints only; the hits shown find
 * their firsts by a posting's place, with nothing more to decode (firsts
 * as varints too made a three-word query three times slower).
 */
struct posting {
	uint32_t post;   /* its place in the posts, 0 = newest */
	uint32_t first;  /* offset in its text of the first body match, or
			    UINT32_MAX */
	unsigned fields; /* F_* where the term is */
};
#define MAX_POSTS ((1u << 29) - 1) /* post << 3 fits 32 bits */
#define FIRST_BIG UINT16_MAX

/* A first past 16 bits: of the term's posting k. */
struct big_first {
	uint32_t term, k, first;
};

/*
 * A post's gemtext, where the index reads it for snippets: the post's
 * body, which the snapshot keeps in the post's Gemini page.
 */
struct source {
	const char *p;
	uint32_t len;
};

struct term {
	uint32_t off, len;    /* the folded bytes, in ix->words */
	uint32_t n;           /* postings */
	uint32_t nposts;      /* bytes of posts */
	uint8_t *posts;       /* (post - previous) << 3 | fields, each */
	uint16_t *firsts;     /* each one's first, or FIRST_BIG */
};

/* A term while the index is built: its newest posting is still open (the
 * post's body may yet add to it), and is coded when the next post comes. */
struct growing {
	struct posting open;
	uint32_t prev;        /* the post of the last one coded */
	uint32_t ncoded;      /* postings coded (n, less the open one) */
	uint32_t cap_posts, cap_firsts;
};

struct search_index {
	struct post *const *posts;
	size_t nposts;
	struct source *src;
	struct term *terms;
	size_t nterms, cap_terms;
	struct growing *grow; /* beside terms, while the index is built */
	uint8_t *bulk;        /* every term's lists, once built (finish) */
	struct big_first *big; /* by term, then k */
	uint32_t nbig, cap_big;
	uint32_t *slots;      /* open addressing: term index + 1, 0 empty */
	size_t nslots;        /* a power of two */
	struct buf words;     /* every term's bytes, one after another */
};

/* Buffers the word cutter reuses from one call to the next. */
struct scratch {
	char small[SEARCH_MAX_QUERY + 56]; /* a query's breaks: no malloc */
	char *brk;
	size_t cap;
	uint8_t fold[2048];
	char term[TERM_MAX + 4];
	size_t term_len;
	size_t term_off;
};

typedef int (*term_fn)(void *ctx, const char *term, size_t len, size_t off);

static void
scratch_init(struct scratch *sc)
{
	sc->brk = sc->small;
	sc->cap = sizeof(sc->small);
	sc->term_len = 0;
}

static void
scratch_free(struct scratch *sc)
{
	if (sc->brk != sc->small)
		free(sc->brk);
	scratch_init(sc);
}

/* Adds one character (its bytes) to the term being gathered. */
static void
term_add(struct scratch *sc, const char *p, size_t n, size_t off)
{
	if (sc->term_len == 0)
		sc->term_off = off;
	if (sc->term_len + n > TERM_MAX)
		return; /* the rest of a long word is dropped */
	memcpy(sc->term + sc->term_len, p, n);
	sc->term_len += n;
}

static int
term_flush(struct scratch *sc, term_fn fn, void *ctx)
{
	size_t n = sc->term_len;

	if (n == 0)
		return 0;
	sc->term_len = 0;
	return fn(ctx, sc->term, n, sc->term_off);
}

static int
is_ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * One UAX #29 segment: folded, marks dropped, cut at whatever is not a
 * letter or a digit. Plain ASCII, the bulk of most blogs, skips
 * libunistring altogether and keeps exact offsets.
 */
static int
segment_terms(struct scratch *sc, const char *s, size_t n, size_t off,
    term_fn fn, void *ctx)
{
	size_t i, flen = sizeof(sc->fold);
	uint8_t *f;
	int rc = 0;

	for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == n) {
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if (!is_ascii_alnum(c)) {
				if (term_flush(sc, fn, ctx) == -1)
					return -1;
				continue;
			}
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			term_add(sc, (const char *)&c, 1, off + i);
		}
		return term_flush(sc, fn, ctx);
	}
	f = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFKD, sc->fold,
	    &flen);
	if (f == NULL)
		/* Bytes that are not UTF-8 (checked at load, so never) hold
		 * no word; only memory fails the whole index. */
		return errno == EILSEQ ? term_flush(sc, fn, ctx) : -1;
	for (i = 0; i < flen && rc == 0;) {
		ucs4_t uc;
		int k = u8_mbtouc(&uc, f + i, flen - i);

		if (uc_is_general_category(uc, UC_CATEGORY_M))
			; /* an accent: "é" is "e" */
		else if (uc_is_alnum(uc))
			term_add(sc, (const char *)f + i, (size_t)k, off);
		else
			rc = term_flush(sc, fn, ctx);
		i += (size_t)k;
	}
	if (f != sc->fold)
		free(f);
	return rc == 0 ? term_flush(sc, fn, ctx) : -1;
}

/* Calls fn for every term of s[0..len), with the offset where it starts. */
static int
each_term(struct scratch *sc, const char *s, size_t len, term_fn fn,
    void *ctx)
{
	size_t start = 0;

	if (len == 0)
		return 0;
	if (len > sc->cap) {
		char *p = malloc(len);

		if (p == NULL)
			return -1;
		if (sc->brk != sc->small)
			free(sc->brk);
		sc->brk = p;
		sc->cap = len;
	}
	u8_wordbreaks((const uint8_t *)s, len, sc->brk);
	for (size_t i = 1; i <= len; i++) {
		if (i < len && !sc->brk[i])
			continue;
		if (segment_terms(sc, s + start, i - start, start, fn,
			ctx) == -1)
			return -1;
		start = i;
	}
	return 0;
}

static int
fold_one(void *ctx, const char *term, size_t len, size_t off)
{
	struct buf *out = ctx;

	(void)off;
	if (out->len > 0)
		buf_putc(out, ' ');
	buf_add(out, term, len);
	return out->failed ? -1 : 0;
}

int
search_fold(const char *s, size_t len, struct buf *out)
{
	struct scratch sc;
	int rc;

	scratch_init(&sc);
	rc = each_term(&sc, s, len, fold_one, out);
	scratch_free(&sc);
	if (rc == -1)
		out->failed = 1;
	return rc;
}

/* ---------------------------------------------------------------- index */

static int
term_is(const struct search_index *ix, const struct term *t, const char *s,
    size_t n)
{
	return t->len == n && memcmp(ix->words.data + t->off, s, n) == 0;
}

static const struct term *
term_find(const struct search_index *ix, const char *s, size_t n)
{
	size_t mask = ix->nslots - 1;

	if (ix->nslots == 0)
		return NULL;
	for (size_t i = hash_bytes(s, n) & mask;; i = (i + 1) & mask) {
		uint32_t slot = ix->slots[i];

		if (slot == 0)
			return NULL;
		if (term_is(ix, &ix->terms[slot - 1], s, n))
			return &ix->terms[slot - 1];
	}
}

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

/* Reads a term's postings in order. */
struct cursor {
	const uint8_t *p, *end;
	uint32_t post;
};

static void
cursor_init(struct cursor *c, const struct term *t)
{
	c->p = t->posts;
	c->end = t->posts + t->nposts;
	c->post = 0;
}

/* One varint at *p: 1, or 0 at end. Most are one byte. */
static inline int
get_varint(const uint8_t **p, const uint8_t *end, uint32_t *x)
{
	uint32_t v = 0;

	if (*p < end && **p < 0x80) {
		*x = *(*p)++;
		return 1;
	}
	for (unsigned shift = 0; *p < end && shift < 35; shift += 7) {
		uint8_t b = *(*p)++;

		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*x = v;
			return 1;
		}
	}
	return 0;
}

/* The next posting's post and fields into *p (not its first): 1, or 0
 * at the end. */
static inline int
cursor_next(struct cursor *c, struct posting *p)
{
	uint32_t x;

	if (!get_varint(&c->p, c->end, &x))
		return 0;
	c->post += x >> 3;
	p->post = c->post;
	p->fields = x & 7;
	return 1;
}

static int
big_cmp(const void *a, const void *b)
{
	const struct big_first *x = a, *y = b;

	if (x->term != y->term)
		return x->term < y->term ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* The first of term t's posting k, which has F_BODY. */
static uint32_t
first_of(const struct search_index *ix, const struct term *t, uint32_t k)
{
	struct big_first key = {(uint32_t)(t - ix->terms), k, 0};
	const struct big_first *b;

	if (t->firsts[k] != FIRST_BIG)
		return t->firsts[k];
	b = bsearch(&key, ix->big, ix->nbig, sizeof(*b), big_cmp);
	return b ? b->first : UINT32_MAX;
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
static char *
plain_text(const char *body, size_t len, size_t limit, uint32_t *out_len,
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
index_body(struct scratch *sc, struct adding *a, const char *body,
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
		rc = each_term(sc, t.s, t.len, add_term, a);
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
index_post(struct search_index *ix, struct scratch *sc, uint32_t i)
{
	const struct post *p = ix->posts[i];
	struct adding a = {ix, i, F_TITLE, 0};

	if (each_term(sc, p->meta.title, strlen(p->meta.title), add_term,
		&a) == -1)
		return -1;
	a.field = F_TAGS;
	for (size_t k = 0; k < p->meta.ntags; k++)
		if (each_term(sc, p->meta.tags[k], strlen(p->meta.tags[k]),
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
	struct scratch sc;

	if (nposts > MAX_POSTS || (ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	ix->posts = posts;
	ix->nposts = nposts;
	buf_init(&ix->words);
	scratch_init(&sc);
	ix->src = calloc(nposts + 1, sizeof(*ix->src));
	if (ix->src == NULL || rehash(ix) == -1)
		goto fail;
	for (size_t i = 0; i < nposts; i++)
		if (index_post(ix, &sc, (uint32_t)i) == -1)
			goto fail;
	scratch_free(&sc);
	if (finish(ix) == -1)
		goto fail_done;
	return ix;
fail:
	scratch_free(&sc);
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

/* ---------------------------------------------------------------- query */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

struct gathering {
	struct search_query *q;
	size_t words;
	int too_long;
};

static int
gather_term(void *ctx, const char *s, size_t n, size_t off)
{
	struct gathering *g = ctx;
	struct search_query *q = g->q;
	size_t end = q->nterms ? q->term_off[q->nterms - 1] +
	    q->term_len[q->nterms - 1] : 0;

	(void)off;
	if (++g->words > SEARCH_MAX_TERMS || end + n > sizeof(q->folded)) {
		g->too_long = 1;
		return -1;
	}
	for (size_t i = 0; i < q->nterms; i++)
		if (q->term_len[i] == n &&
		    memcmp(q->folded + q->term_off[i], s, n) == 0)
			return 0; /* "the the": one term */
	memcpy(q->folded + end, s, n);
	q->term_off[q->nterms] = end;
	q->term_len[q->nterms] = n;
	q->nterms++;
	return 0;
}

enum search_status
search_query_parse(const char *raw, size_t len, int flags,
    struct search_query *q)
{
	struct gathering g = {q, 0, 0};
	struct scratch sc;
	size_t n = 0;
	int rc;

	q->text_len = 0;
	q->text[0] = '\0';
	q->nterms = 0;
	for (size_t i = 0; i < len; i++) {
		char c = raw[i];

		if ((flags & SEARCH_URL_ENCODED) && c == '+')
			c = ' ';
		else if ((flags & SEARCH_URL_ENCODED) && c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hexval(raw[i + 1])) < 0 ||
			    (lo = hexval(raw[i + 2])) < 0)
				return SEARCH_BAD;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return SEARCH_BAD;
		if (n == SEARCH_MAX_QUERY)
			return SEARCH_TOO_LONG;
		q->text[n++] = c;
	}
	q->text[n] = '\0';
	q->text_len = n;
	if (u8_check((const uint8_t *)q->text, n) != NULL)
		return SEARCH_BAD;
	scratch_init(&sc);
	rc = each_term(&sc, q->text, n, gather_term, &g);
	scratch_free(&sc);
	if (g.too_long || rc == -1)
		return SEARCH_TOO_LONG;
	return q->nterms == 0 ? SEARCH_EMPTY : SEARCH_OK;
}

/* Better ranks first: see search_run. */
static int
better(const struct search_hit *a, const struct search_hit *b)
{
	if (a->title != b->title)
		return a->title > b->title;
	if (a->tags != b->tags)
		return a->tags > b->tags;
	if (a->body != b->body)
		return a->body > b->body;
	return a->order < b->order;
}

/* Keeps the best SEARCH_MAX_HITS, in order: a few moves per candidate. */
static void
keep(struct search_result *r, const struct search_hit *h)
{
	size_t i = r->nhits;

	if (i == SEARCH_MAX_HITS) {
		if (!better(h, &r->hits[i - 1]))
			return;
		i--;
	} else
		r->nhits++;
	while (i > 0 && better(h, &r->hits[i - 1])) {
		r->hits[i] = r->hits[i - 1];
		i--;
	}
	r->hits[i] = *h;
}

/*
 * Where the snippets start, for the hits shown: the first body match of
 * any term. One more walk of each list, beside the hits in post order.
 */
static void
set_firsts(const struct search_index *ix, const struct term *const *t,
    size_t n, struct search_result *r)
{
	struct search_hit *by_post[SEARCH_MAX_HITS];
	size_t nb = 0;

	for (size_t i = 0; i < r->nhits; i++) {
		struct search_hit *h = &r->hits[i];
		size_t k;

		h->first = UINT32_MAX;
		if (h->body == 0)
			continue;
		for (k = nb++; k > 0 && by_post[k - 1]->order > h->order; k--)
			by_post[k] = by_post[k - 1];
		by_post[k] = h;
	}
	for (size_t i = 0; i < n && nb > 0; i++) {
		struct cursor c;
		struct posting p;
		size_t j = 0;

		cursor_init(&c, t[i]);
		for (uint32_t k = 0; j < nb && cursor_next(&c, &p); k++) {
			while (j < nb && by_post[j]->order < p.post)
				j++;
			if (j < nb && by_post[j]->order == p.post &&
			    (p.fields & F_BODY) &&
			    (p.first = first_of(ix, t[i], k)) <
				by_post[j]->first)
				by_post[j]->first = p.first;
		}
	}
}

/*
 * Each post's tally, in 16 bits: how many terms it holds (bits 0-3), and
 * how many of them are in its title (4-7), tags (8-11) and body (12-15).
 * SEARCH_MAX_TERMS is under 16, so no count spills into the next.
 */
#define TALLY(c, shift) ((unsigned)((c) >> (shift)) & 0xF)

void
search_run(const struct search_index *ix, const struct search_query *q,
    struct search_result *r)
{
	const struct term *t[SEARCH_MAX_TERMS];
	struct cursor cur;
	struct posting p;
	uint16_t add[8], *tally;
	size_t n = q->nterms;

	r->nhits = 0;
	r->total = 0;
	r->failed = 0;
	if (n == 0 || ix == NULL || ix->nposts == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if ((t[i] = term_find(ix, q->folded + q->term_off[i],
			 q->term_len[i])) == NULL)
			return; /* every term is required */
	/* The rarest term last: its list is the one walked to collect. */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && t[k]->n > t[k - 1]->n; k--) {
			const struct term *x = t[k];

			t[k] = t[k - 1];
			t[k - 1] = x;
		}
	if ((tally = calloc(ix->nposts, sizeof(*tally))) == NULL) {
		r->failed = 1;
		return;
	}
	for (unsigned f = 0; f < 8; f++)
		add[f] = (uint16_t)(1 | (f & F_TITLE ? 1 << 4 : 0) |
		    (f & F_TAGS ? 1 << 8 : 0) | (f & F_BODY ? 1 << 12 : 0));
	/*
	 * One pass over each list, adding without a branch: far cheaper than
	 * looking every post up in the other lists when, as with common
	 * words, the lists are long.
	 */
	for (size_t i = 0; i < n; i++) {
		cursor_init(&cur, t[i]);
		while (cursor_next(&cur, &p))
			tally[p.post] += add[p.fields];
	}
	/* Newest first, so equals are kept in the order they rank. */
	cursor_init(&cur, t[n - 1]);
	while (cursor_next(&cur, &p)) {
		uint32_t post = p.post;
		uint16_t c = tally[post];
		struct search_hit h = {0};

		if (TALLY(c, 0) != n)
			continue;
		h.title = TALLY(c, 4);
		h.tags = TALLY(c, 8);
		h.body = TALLY(c, 12);
		h.order = post;
		r->total++;
		keep(r, &h);
	}
	free(tally);
	for (size_t i = 0; i < r->nhits; i++)
		r->hits[i].post = ix->posts[r->hits[i].order];
	set_firsts(ix, t, n, r);
}

/*
 * The end of the grapheme cluster at p and its columns. Plain ASCII
 * before ASCII is one column and one cluster, which spares libunistring
 * most of the work of a snippet.
 */
static const char *
next_cluster(const char *p, const char *end, size_t *cols)
{
	const uint8_t *n;

	if ((unsigned char)p[0] < 0x80 &&
	    (p + 1 == end || (unsigned char)p[1] < 0x80)) {
		*cols = 1;
		return p + 1;
	}
	n = u8_grapheme_next((const uint8_t *)p, (const uint8_t *)end);
	if (n == NULL || (const char *)n <= p)
		n = (const uint8_t *)p + 1;
	*cols = wrap_width(p, (size_t)((const char *)n - p));
	return (const char *)n;
}

/*
 * The snippet of text[0..len) around first (see search_snippet). Returns
 * 1, writing nothing, when the text was cut short (cut) and the snippet
 * would reach its end: then it needs the rest to know how to end.
 */
static int
cut_snippet(const char *text, size_t len, int cut, uint32_t first,
    size_t cols, struct buf *out)
{
	const char *p, *end, *keep;
	size_t start = 0, used = 0, w;

	if (cut && (len == 0 || (first != UINT32_MAX && first >= len)))
		return 1;
	if (len == 0)
		return 0;
	if (first != UINT32_MAX && first < len) {
		size_t f = first, back = 0;

		/* A third of the line before the match, from a word's start. */
		start = f;
		while (start > 0 && back < cols / 3) {
			start--;
			while (start > 0 &&
			    ((unsigned char)text[start] & 0xC0) == 0x80)
				start--;
			back++;
		}
		if (start > 0) {
			const char *sp = memchr(text + start, ' ', f - start);

			start = sp ? (size_t)(sp - text) + 1 : f;
		}
	}
	used = start > 0; /* the leading "…" */
	/* Whole clusters while one column is left for a closing "…". */
	p = keep = text + start;
	end = text + len;
	while (p < end) {
		const char *next = next_cluster(p, end, &w);

		if (used + w > cols - 1) {
			/* The last cluster fits without a "…" after it. */
			if (next == end && used + w <= cols)
				keep = end;
			break;
		}
		used += w;
		keep = p = next;
	}
	if (p == end)
		keep = end;
	if (cut && keep == end)
		return 1;
	if (keep < end)
		while (keep > text + start && keep[-1] == ' ')
			keep--;
	if (start > 0)
		buf_puts(out, "…");
	buf_add(out, text + start, (size_t)(keep - (text + start)));
	if (keep < end)
		buf_puts(out, "…");
	return 0;
}

void
search_snippet(const struct search_index *ix, const struct search_hit *h,
    size_t cols, struct buf *out)
{
	const struct source *src;
	size_t limit;
	uint32_t len;
	char *text;
	int cut, more;

	if (ix == NULL || h->order >= ix->nposts || cols < 2)
		return;
	src = &ix->src[h->order];
	/*
	 * Made again for the few hits shown, as far as the snippet needs
	 * (16 bytes a column is more than any common script takes), and
	 * whole when that was not enough. On 10,000 posts of 12 KB a query
	 * with 50 snippets takes 0.27 ms so, 1.6-2.4 ms made whole.
	 */
	limit = (h->first != UINT32_MAX ? h->first : 0) + 16 * cols;
	do {
		text = plain_text(src->p, src->len, limit, &len, &cut);
		if (text == NULL) {
			out->failed = 1;
			return;
		}
		more = cut_snippet(text, len, cut, h->first, cols, out);
		free(text);
		limit = SIZE_MAX;
	} while (more);
}
