/*
 * libFuzzer: markdown (and through it libcmark, html2gemtext for raw HTML
 * blocks, and gemwrite). What comes out must be gemtext a post can hold:
 * UTF-8, no control characters but line ends (and tabs in preformatted
 * lines), and every link line with a URL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shared with fuzz_html.c by copy: the checks of any output. */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;

	buf_init(&b);
	if (markdown_to_gemtext((const char *)data, size, &b) == 0)
		check_gemtext(b.data ? b.data : "", b.len);
	buf_free(&b);
	return 0;
}
