/*
 * buf: a growable byte buffer (pure).
 *
 * Rendering appends many small pieces; checking every append for an
 * allocation failure would bury the logic, so a failed append marks the
 * buffer as failed, later appends do nothing, and the owner checks
 * buf->failed once at the end.
 */
#ifndef CAPSULED_BUF_H
#define CAPSULED_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	int failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the bytes (NUL-terminated) to the caller; NULL if any append failed. */
char *buf_steal(struct buf *b, size_t *len);

#endif
