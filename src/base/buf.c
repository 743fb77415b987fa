/* buf: a growable byte buffer with a sticky failure flag. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/* Room for n more bytes plus a terminating NUL. */
static int
buf_reserve(struct buf *b, size_t n)
{
	size_t want, cap;
	char *p;

	if (b->failed)
		return -1;
	if (n > ((size_t)-1) / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (buf_reserve(b, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
buf_steal(struct buf *b, size_t *len)
{
	char *p;

	if (b->failed || buf_reserve(b, 0) == -1) {
		buf_free(b);
		return NULL;
	}
	p = b->data;
	if (len)
		*len = b->len;
	/*
	 * The bytes at their size, not the buffer's doubled capacity (at
	 * least 256 bytes): what a caller keeps, a tag's name and sort key
	 * or a diagnostic, keeps no spare room; and the snapshot's
	 * responses, though copied into a pool, leave a smaller heap for it
	 * (see response_take). glibc shrinks in place, copying nothing.
	 */
	if (b->cap > b->len + 1) {
		char *q = realloc(p, b->len + 1);

		if (q != NULL)
			p = q;
	}
	buf_init(b);
	return p;
}
