/* libFuzzer: front matter (and through it ytree and date). */
#include <stddef.h>
#include <stdint.h>

#include "text/frontmatter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct post_meta meta;
	struct fm_error err;
	size_t off;
	unsigned line;

	if (frontmatter_parse((const char *)data, size, FM_NEED_DATE, &meta,
		&off, &line, &err) == 0) {
		if (off > size)
			__builtin_trap();
		post_meta_free(&meta);
	}
	return 0;
}
