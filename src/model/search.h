/*
 * search: the posts' words in memory, and the queries against them (pure).
 *
 * The index is built once per load from every post's title, tags and body
 * (the words of its gemtext, link URLs left out), so that answering a
 * query is a few hash lookups, a merge of sorted lists and a snippet: no
 * file is read and no page rendered per request.
 *
 * Words are cut with UAX #29 (u8_wordbreaks: between every two CJK or Thai
 * characters, which then match one by one), Unicode case-folded, brought
 * to compatibility decomposition (NFKD) with their combining marks
 * dropped, so that "Éte", "ete" and "été" are one word, "Straße" is
 * "strasse" and "ﬁne" is "fine"; what is left is cut again at anything
 * that is not a letter or a digit ("l'été" is "l" and "ete", "3.14" is "3"
 * and "14"). A query's words go through the same steps, so both sides
 * always agree.
 */
#ifndef CAPSULED_SEARCH_H
#define CAPSULED_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define SEARCH_MAX_QUERY 200  /* bytes of a query, once decoded */
#define SEARCH_MAX_TERMS 10   /* words of a query */
#define SEARCH_MAX_HITS 50    /* results shown, best first */
#define SEARCH_SNIPPET_COLS 100

struct post;
struct search_index;

/*
 * Builds the index of posts[0..nposts), which must stay in that order
 * (newest first) and alive for as long as the index, and so must their
 * bodies: the index keeps no text of its own, and cuts its snippets from
 * each body as it was when the index was built (the loader builds it
 * once the bodies are in their Gemini pages, where the snapshot keeps
 * them). NULL on memory.
 */
struct search_index *search_build(struct post *const *posts, size_t nposts);
void search_free(struct search_index *ix);

enum search_status {
	SEARCH_OK,
	SEARCH_EMPTY,     /* no word at all: ask again */
	SEARCH_TOO_LONG,  /* over SEARCH_MAX_QUERY bytes or _TERMS words */
	SEARCH_BAD,       /* a bad %-escape, a NUL or invalid UTF-8 */
};

struct search_query {
	char text[SEARCH_MAX_QUERY + 1]; /* decoded, as typed (for "Search:
					    …"); may hold controls */
	size_t text_len;
	char folded[1024];      /* the terms, folded, one after another */
	size_t term_off[SEARCH_MAX_TERMS], term_len[SEARCH_MAX_TERMS];
	size_t nterms;          /* distinct terms */
};

enum { SEARCH_URL_ENCODED = 1 };

/*
 * Reads a query: with SEARCH_URL_ENCODED (a Gemini URL's query part),
 * "%XX" is decoded and "+" is a space; otherwise (Gopher search words)
 * the bytes are taken as they are. Then the words are cut and folded as
 * the index's are. Duplicates count once for searching, but every word
 * counts towards SEARCH_MAX_TERMS.
 */
enum search_status search_query_parse(const char *raw, size_t len, int flags,
    struct search_query *q);

struct search_hit {
	const struct post *post;
	unsigned title, tags, body; /* how many terms each field holds */
	uint32_t first;  /* offset in the post's text of the first term in
			    its body, UINT32_MAX when none is there */
	uint32_t order;  /* the post's place, 0 = newest */
};

struct search_result {
	struct search_hit hits[SEARCH_MAX_HITS]; /* best first */
	size_t nhits;
	size_t total;    /* posts that hold every term */
	int failed;      /* out of memory: nothing was searched */
};

/*
 * The posts that hold every term of q, in title, tags or body. Best first:
 * more terms in the title, then more in the tags, then more in the body
 * (so a title match outranks any number of tag matches, and a tag match
 * any number of body matches); then newest first. Keeps the best
 * SEARCH_MAX_HITS and counts the rest.
 */
void search_run(const struct search_index *ix, const struct search_query *q,
    struct search_result *r);

/*
 * Appends one line of at most cols columns from the hit's body around its
 * first match (from the start of the body when the terms are only in the
 * title or tags): gemtext markup and link URLs left out, line ends and
 * controls as spaces, runs of spaces as one, cut between grapheme
 * clusters, with "…" where text was left out at either end. Appends
 * nothing for an empty body.
 */
void search_snippet(const struct search_index *ix,
    const struct search_hit *h, size_t cols, struct buf *out);

#endif
