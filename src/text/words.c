/* words: a text cut into folded words, for the index, queries and tags. */
#include "text/words.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>
#include <uniwbrk.h>

void
words_init(struct words *sc)
{
	sc->brk = sc->small;
	sc->cap = sizeof(sc->small);
	sc->term_len = 0;
}

void
words_free(struct words *sc)
{
	if (sc->brk != sc->small)
		free(sc->brk);
	words_init(sc);
}

/* Adds one character (its bytes) to the term being gathered. */
static void
term_add(struct words *sc, const char *p, size_t n, size_t off)
{
	if (sc->term_len == 0)
		sc->term_off = off;
	if (sc->term_len + n > WORDS_MAX)
		return; /* the rest of a long word is dropped */
	memcpy(sc->term + sc->term_len, p, n);
	sc->term_len += n;
}

static int
term_flush(struct words *sc, words_fn fn, void *ctx)
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
segment_terms(struct words *sc, const char *s, size_t n, size_t off,
    words_fn fn, void *ctx)
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

int
words_each(struct words *sc, const char *s, size_t len, words_fn fn,
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
words_fold(const char *s, size_t len, struct buf *out)
{
	struct words sc;
	int rc;

	words_init(&sc);
	rc = words_each(&sc, s, len, fold_one, out);
	words_free(&sc);
	if (rc == -1)
		out->failed = 1;
	return rc;
}
