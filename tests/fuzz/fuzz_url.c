/* libFuzzer: the Gemini request line. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gemini_request req;
	const char *why;

	if (url_parse_request((const char *)data, size, &req, &why) == URL_OK) {
		/* What is accepted must stay inside the tree. */
		if (req.path[0] != '/' || strstr(req.path, "/../") ||
		    strstr(req.path, "/./"))
			__builtin_trap();
		url_host_matches(req.host, "localhost");
	}
	return 0;
}
