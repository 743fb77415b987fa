/* diag: a list of "file:line:col: message" lines. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

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

static void
put_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\x%02X", c);
		else
			buf_putc(b, (char)c);
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
	/*
	 * A file name or message must not forge a second line or send a
	 * terminal escape: control bytes are written as \xHH, as the access
	 * log writes them.
	 */
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
