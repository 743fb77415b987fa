/* gemtext_check.h: the check the converters' fuzzers share. */
#ifndef CAPSULED_FUZZ_GEMTEXT_CHECK_H
#define CAPSULED_FUZZ_GEMTEXT_CHECK_H

#include <stddef.h>
#include <string.h>

#include "base/utf8.h"

/*
 * What any converter's output must be to make a post: UTF-8 ending in a
 * line end, no control character but line ends (and tabs inside
 * preformatted blocks), every link line with a URL, every block closed.
 */
static void
check_gemtext(const char *s, size_t len)
{
	int pre = 0;

	if (!utf8_valid(s, len, NULL) || (len > 0 && s[len - 1] != '\n'))
		__builtin_trap();
	for (size_t off = 0; off < len;) {
		const char *line = s + off, *nl = memchr(line, '\n', len - off);
		size_t n = (size_t)(nl - line);

		if (n >= 3 && strncmp(line, "```", 3) == 0)
			pre = !pre;
		for (size_t i = 0; i < n; i++)
			if (((unsigned char)line[i] < 0x20 &&
				!(line[i] == '\t' && pre)) ||
			    line[i] == 0x7F)
				__builtin_trap();
		if (!pre && n >= 2 && strncmp(line, "=>", 2) == 0 &&
		    (n < 4 || line[2] != ' ' || line[3] == ' '))
			__builtin_trap();
		off += n + 1;
	}
	if (pre) /* every block is closed */
		__builtin_trap();
}

#endif
