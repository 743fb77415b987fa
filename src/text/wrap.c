/* wrap: display widths (UAX #11) and line breaking (UAX #14) for Gopher. */
#include "text/wrap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unigbrk.h>
#include <unilbrk.h>
#include <unistr.h>
#include <uniwidth.h>

#include "base/clean.h"

/* Widths of ambiguous characters depend on the encoding libunistring is
 * told; every client we serve reads UTF-8. */
#define WRAP_ENCODING "UTF-8"

#define WRAP_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD, one column */
#define WRAP_ELLIPSIS "\xE2\x80\xA6"    /* U+2026, one column */

/* The state of the line being filled by wrap_paragraph. */
struct wrap_state {
	struct buf *out;
	struct buf line; /* the current line, prefix included, no CRLF */
	size_t cols;     /* columns of line */
	size_t width;
	int has_text;   /* line holds something after its prefix */
	size_t pending; /* spaces after the last word, written only if
	                   another word follows on the same line */
	const char *rest_prefix;
};

/* Length of the character at s, or 0 when s starts with invalid UTF-8. */
static size_t
wrap_decode(const char *s, size_t len, ucs4_t *uc)
{
	int n = u8_mbtoucr(uc, (const uint8_t *)s, len);

	return n > 0 ? (size_t)n : 0;
}

/*
 * Characters that move the cursor or end a line in some client (clean.h:
 * C0, DEL, C1, U+2028, U+2029). They never reach a Gopher line as they
 * are.
 */
static int
wrap_is_control(ucs4_t uc)
{
	return clean_is_control(uc);
}

/* A control counts as the space it is cleaned into. */
static size_t
wrap_uc_width(ucs4_t uc)
{
	int w;

	if (wrap_is_control(uc))
		return 1;
	w = uc_width(uc, WRAP_ENCODING);
	return w < 0 ? 1 : (size_t)w;
}

size_t
wrap_width(const char *s, size_t len)
{
	size_t i = 0, cols = 0;

	while (i < len) {
		ucs4_t uc;
		size_t n = wrap_decode(s + i, len - i, &uc);

		if (n == 0) {
			cols++; /* one U+FFFD per bad byte */
			i++;
		} else {
			cols += wrap_uc_width(uc);
			i += n;
		}
	}
	return cols;
}

/*
 * Appends s to dst as valid UTF-8 without controls: each invalid byte
 * becomes U+FFFD, each control a space. With collapse, runs of spaces
 * become one and none is left at either end.
 */
static void
wrap_clean(struct buf *dst, const char *s, size_t len, int collapse)
{
	size_t i = 0, start = dst->len;

	while (i < len) {
		ucs4_t uc;
		size_t n = wrap_decode(s + i, len - i, &uc);

		if (n == 0) {
			buf_puts(dst, WRAP_REPLACEMENT);
			i++;
			continue;
		}
		if (wrap_is_control(uc) || uc == ' ') {
			if (!collapse || (dst->len > start &&
			                  dst->data[dst->len - 1] != ' '))
				buf_putc(dst, ' ');
		} else
			buf_add(dst, s + i, n);
		i += n;
	}
	if (collapse && !dst->failed)
		while (dst->len > start && dst->data[dst->len - 1] == ' ')
			dst->data[--dst->len] = '\0';
}

/* End of the grapheme cluster at s (a base and its combining marks, which
 * no cut may separate); its columns go to *cols. */
static const char *
wrap_next_cluster(const char *s, const char *end, size_t *cols)
{
	const uint8_t *n =
	    u8_grapheme_next((const uint8_t *)s, (const uint8_t *)end);
	const char *next = n != NULL ? (const char *)n : end;

	if (next <= s) /* cannot happen for valid input; never stall */
		next = s + 1;
	*cols = wrap_width(s, (size_t)(next - s));
	return next;
}

/*
 * 1 when s[0..len) is already a clean line: printable ASCII (one column
 * each), no space at either end nor two together. Most menu lines are,
 * and need no copy.
 */
static int
wrap_is_clean_ascii(const char *s, size_t len)
{
	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' '))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e ||
		    (s[i] == ' ' && s[i + 1] == ' '))
			return 0;
	return 1;
}

size_t
wrap_clean_line(struct buf *out, const char *s, size_t len, size_t max_cols)
{
	struct buf c;
	const char *p, *end;
	size_t cols, keep;

	if (len <= max_cols && wrap_is_clean_ascii(s, len)) {
		buf_add(out, s, len);
		return len;
	}
	buf_init(&c);
	wrap_clean(&c, s, len, 1);
	if (c.failed) {
		out->failed = 1;
		buf_free(&c);
		return 0;
	}
	cols = wrap_width(c.data, c.len);
	if (cols <= max_cols) {
		buf_add(out, c.data, c.len);
		buf_free(&c);
		return cols;
	}
	if (max_cols == 0) {
		buf_free(&c);
		return 0;
	}
	/* Whole clusters while they leave one column for the ellipsis. */
	p = c.data;
	end = c.data + c.len;
	cols = 0;
	while (p < end) {
		size_t w;
		const char *next = wrap_next_cluster(p, end, &w);

		if (cols + w > max_cols - 1)
			break;
		cols += w;
		p = next;
	}
	keep = (size_t)(p - c.data);
	/* "word…" reads better than "word …". */
	while (keep > 0 && c.data[keep - 1] == ' ') {
		keep--;
		cols--;
	}
	buf_add(out, c.data, keep);
	buf_puts(out, WRAP_ELLIPSIS);
	buf_free(&c);
	return cols + 1;
}

static void
wrap_begin_line(struct wrap_state *w, const char *prefix)
{
	w->line.len = 0;
	buf_puts(&w->line, prefix);
	w->cols = wrap_width(prefix, strlen(prefix));
	w->has_text = 0;
	w->pending = 0;
}

/*
 * Writes the current line with CRLF. Trailing spaces go (a prefix-only
 * line "> " is written ">"), and a line that would be a lone "." is
 * written " .": a client may take "." for the end of the document.
 */
static void
wrap_end_line(struct wrap_state *w)
{
	size_t n = w->line.len;

	if (w->line.failed) {
		w->out->failed = 1;
		return;
	}
	while (n > 0 && w->line.data[n - 1] == ' ')
		n--;
	if (n == 1 && w->line.data[0] == '.')
		buf_puts(w->out, " .");
	else
		buf_add(w->out, w->line.data, n);
	buf_puts(w->out, "\r\n");
}

static void
wrap_new_line(struct wrap_state *w)
{
	wrap_end_line(w);
	wrap_begin_line(w, w->rest_prefix);
}

/*
 * Places one unbreakable piece of text (no space at either end). It goes
 * on a new line if it does not fit after what is there; if it does not fit
 * a line of its own either, it is cut between grapheme clusters, each line
 * taking at least one cluster so that a width narrower than the prefix
 * still ends.
 */
static void
wrap_place(struct wrap_state *w, const char *s, size_t len)
{
	size_t cols = wrap_width(s, len);
	const char *p = s, *end = s + len;

	if (w->has_text && w->cols + w->pending + cols > w->width)
		wrap_new_line(w);
	if (!w->has_text && w->cols + w->pending + cols > w->width)
		w->pending = 0; /* leading spaces of the paragraph give way */
	if (w->cols + w->pending + cols <= w->width) {
		for (; w->pending > 0; w->pending--, w->cols++)
			buf_putc(&w->line, ' ');
		buf_add(&w->line, s, len);
		w->cols += cols;
		w->has_text = 1;
		return;
	}
	while (p < end) {
		size_t cw;
		const char *next = wrap_next_cluster(p, end, &cw);

		if (w->has_text && w->cols + cw > w->width)
			wrap_new_line(w);
		/* A space where the piece is cut is a break like any other
		 * (but a space carrying a combining mark is a character). */
		if (!w->has_text && next - p == 1 && *p == ' ') {
			p = next;
			continue;
		}
		buf_add(&w->line, p, (size_t)(next - p));
		w->cols += cw;
		w->has_text = 1;
		p = next;
	}
}

void
wrap_paragraph(struct buf *out, const char *text, size_t len, size_t width,
               const char *first_prefix, const char *rest_prefix)
{
	struct wrap_state w;
	struct buf t;
	char *brk = NULL;
	size_t i = 0;

	memset(&w, 0, sizeof(w));
	w.out = out;
	w.width = width;
	w.rest_prefix = rest_prefix != NULL ? rest_prefix : "";
	buf_init(&w.line);
	buf_init(&t);
	wrap_clean(&t, text, len, 0);
	if (t.len > 0 && !t.failed && (brk = malloc(t.len)) == NULL)
		t.failed = 1;
	if (t.failed) {
		out->failed = 1;
		goto done;
	}
	wrap_begin_line(&w, first_prefix != NULL ? first_prefix : "");
	if (t.len > 0)
		u8_possible_linebreaks((const uint8_t *)t.data, t.len,
		                       WRAP_ENCODING, brk);
	/* Each piece runs from one break opportunity to the next; the spaces
	 * that end it (UAX #14 breaks after spaces) are held back. */
	while (i < t.len) {
		size_t j = i + 1, k;

		while (j < t.len && brk[j] != UC_BREAK_POSSIBLE &&
		       brk[j] != UC_BREAK_HYPHENATION &&
		       brk[j] != UC_BREAK_MANDATORY)
			j++;
		for (k = j; k > i && t.data[k - 1] == ' '; k--)
			;
		if (k > i)
			wrap_place(&w, t.data + i, k - i);
		w.pending += j - k;
		i = j;
	}
	wrap_end_line(&w);
done:
	free(brk);
	buf_free(&t);
	buf_free(&w.line);
}
