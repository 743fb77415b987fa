/*
 * words: the words of a text as search and tag slugs see them. UAX #29
 * word segments, case-folded, NFKD with the combining marks dropped, cut
 * at whatever is not a letter or a digit: "Évian-les-Bains" is the
 * words "evian", "les", "bains". Pure: no I/O.
 */
#ifndef CAPSULED_WORDS_H
#define CAPSULED_WORDS_H

#include <stddef.h>

#include "base/buf.h"

/*
 * A longer word is cut (between characters) at this many bytes, on both
 * sides alike: a URL or a run of base64 in a body costs the index no
 * more than a word.
 */
#define WORDS_MAX 64

/* Buffers the word cutter reuses from one call to the next: a text of
 * up to WORDS_SMALL bytes (a query) needs no allocation. */
#define WORDS_SMALL 256
struct words {
	char small[WORDS_SMALL];
	char *brk;
	size_t cap;
	unsigned char fold[2048];
	char term[WORDS_MAX + 4];
	size_t term_len;
	size_t term_off;
};

/* Called with each word and the offset in the text where it starts;
 * -1 stops the walk. */
typedef int (*words_fn)(void *ctx, const char *word, size_t len, size_t off);

void words_init(struct words *w);
void words_free(struct words *w);
/* Calls fn for every word of s[0..len). 0, or -1 (memory, or fn's -1). */
int words_each(struct words *w, const char *s, size_t len, words_fn fn,
    void *ctx);

/*
 * Appends the words of s[0..len) to out, one space between: the loose
 * form search and tag slugs share. Invalid UTF-8 holds no word (content
 * was validated on load; queries are checked before). Returns 0, or -1
 * (memory; out->failed is set too).
 */
int words_fold(const char *s, size_t len, struct buf *out);

#endif
