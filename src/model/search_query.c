/* search_query: a reader's query, run against the index, and its snippets. */
#include "model/search.h"
#include "model/search_index.h"

#include <stdlib.h>
#include <string.h>

#include <unigbrk.h>
#include <unistr.h>

#include "base/hash.h"
#include "base/percent.h"
#include "model/site.h"
#include "text/words.h"
#include "text/wrap.h"

/* A query's words are cut with no allocation. */
_Static_assert(SEARCH_MAX_QUERY <= WORDS_SMALL, "a query fits words.small");

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


/* ---------------------------------------------------------------- query */

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
	struct words sc;
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
			int v = percent_byte(raw + i, len - i);

			if (v == -1)
				return SEARCH_BAD;
			c = (char)v;
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
	words_init(&sc);
	rc = words_each(&sc, q->text, n, gather_term, &g);
	words_free(&sc);
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
		text = search_plain_text(src->p, src->len, limit, &len, &cut);
		if (text == NULL) {
			out->failed = 1;
			return;
		}
		more = cut_snippet(text, len, cut, h->first, cols, out);
		free(text);
		limit = SIZE_MAX;
	} while (more);
}

