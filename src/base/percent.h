/*
 * percent: the one reader of a %XX escape (RFC 3986 §2.1), for the
 * Gemini request line, the search words of a query string and tag
 * slugs. Each caller keeps its own rule for what a bad escape means:
 * the request line refuses it, a search is bad, a slug keeps it as
 * typed. Pure.
 */
#ifndef CAPSULED_PERCENT_H
#define CAPSULED_PERCENT_H

#include <stddef.h>

/* The value of a hex digit (either case), or -1. */
int percent_hex(unsigned char c);

/*
 * The byte that the escape at s[0..n) (s[0] is '%') stands for, 0 to
 * 255, or -1 when fewer than three bytes are left or either digit is not
 * hex. %00 is 0: whether a NUL may be is the caller's rule.
 */
int percent_byte(const char *s, size_t n);

#endif
