/* utf8: strict UTF-8 validation and display helpers (pure). */
#ifndef CAPSULED_UTF8_H
#define CAPSULED_UTF8_H

#include <stddef.h>

/*
 * Returns 1 when buf[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). On failure returns 0 and, when
 * bad_off is not NULL, stores the offset of the first bad byte.
 */
int utf8_valid(const char *buf, size_t len, size_t *bad_off);

/* 1-based line and column (in bytes) of offset off inside buf. */
void utf8_position(const char *buf, size_t off, unsigned *line, unsigned *col);

#endif
