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
	/* A problem with no place in the file (cannot open...) has none. */
	if (line == 0)
		buf_printf(&b, "%s: ", file);
	else
		buf_printf(&b, "%s:%u:%u: ", file, line, col);
	/* A file name or message must not forge a second line in the log. */
	for (const char *s = msg; *s; s++)
		buf_putc(&b, (unsigned char)*s < 0x20 ? '?' : *s);
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
