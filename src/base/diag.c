/* diag: a list of "file:line:col: message" lines. */
#include "base/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clean.h"
#include "base/utf8.h"

void
diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	diags_init(d);
}

/* The bytes of the UTF-8 character at s, or 0 when it is not one. */
static size_t
utf8_char(const char *s, size_t n)
{
	unsigned char c = (unsigned char)*s;
	size_t k = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2
	    : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

	return k > 0 && k <= n && utf8_valid(s, k, NULL) ? k : 0;
}

/*
 * A file name or message must not forge a second line, send a terminal
 * escape or break a UTF-8 reader: every byte of a control (clean.h: C0,
 * DEL, C1, U+2028, U+2029), every byte that is not part of valid UTF-8
 * (file names are bytes), and the backslash, so the escaping reads back
 * one way, are written as \xHH, as the access log writes them.
 */
static void
put_escaped(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t k = utf8_char(s + i, n - i);
		int plain = k > 0 && s[i] != '\\' &&
		    clean_control_len(s + i, k) == 0;

		if (k == 0)
			k = 1; /* a stray byte, alone */
		if (plain)
			buf_add(b, s + i, k);
		else
			for (size_t j = 0; j < k; j++)
				buf_printf(b, "\\x%02X",
				    (unsigned char)s[i + j]);
		i += k;
	}
}

void
diags_add(struct diags *d, const char *file, unsigned line, unsigned col,
    const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	char msg[512];
	char **p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_init(&b);
	put_escaped(&b, file);
	/* A problem with no place in the file (cannot open...) has none. */
	if (line == 0)
		buf_puts(&b, ": ");
	else
		buf_printf(&b, ":%u:%u: ", line, col);
	put_escaped(&b, msg);
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;

		if ((p = realloc(d->lines, cap * sizeof(*p))) == NULL) {
			buf_free(&b);
			d->failed = 1;
			return;
		}
		d->lines = p;
		d->cap = cap;
	}
	if ((d->lines[d->n] = buf_steal(&b, NULL)) == NULL) {
		d->failed = 1;
		return;
	}
	d->n++;
}

void
diags_print(const struct diags *d, FILE *f, const char *prefix)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s%s\n", prefix, d->lines[i]);
	if (d->failed)
		fprintf(f, "%s(some messages were lost: out of memory)\n",
		    prefix);
}
