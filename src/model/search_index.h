/*
 * search_index: the index's own structs, shared by the two files that
 * make it (search.c builds it) and read it (search_query.c). Private to
 * model/search: nothing else includes it.
 */
#ifndef CAPSULED_SEARCH_INDEX_H
#define CAPSULED_SEARCH_INDEX_H

#include <stdint.h>
#include <string.h>

#include "base/buf.h"

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

static inline int
term_is(const struct search_index *ix, const struct term *t, const char *s,
    size_t n)
{
	return t->len == n && memcmp(ix->words.data + t->off, s, n) == 0;
}

/* Reads a term's postings in order. */
struct cursor {
	const uint8_t *p, *end;
	uint32_t post;
};

static inline void
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

static inline int
big_cmp(const void *a, const void *b)
{
	const struct big_first *x = a, *y = b;

	if (x->term != y->term)
		return x->term < y->term ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/*
 * The plain text of a post's gemtext, one line, at most about limit
 * bytes (*cut says it stopped early): what a snippet is cut from, as the
 * index read it. One allocation; NULL on memory.
 */
char *search_plain_text(const char *body, size_t len, size_t limit,
    uint32_t *out_len, int *cut);

#endif
