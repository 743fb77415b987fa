/*
 * libFuzzer: gemtext, rendered both ways: a one-post site through the
 * Gemini and Gopher renderers (and so gemtext and wrap); and clean_body,
 * as the loader runs it on every body once it is known to be UTF-8:
 * what it leaves holds no control but TAB, LF and a CR before an LF, and
 * is never longer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/clean.h"
#include "base/utf8.h"
#include "render/render_gemini.h"
#include "render/render_gopher.h"
#include "model/finish.h"
#include "model/site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
no_dup(void *ctx, const char *file)
{
	(void)ctx;
	(void)file;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gopher_opts go = {"localhost", 70, 67, "localhost"};
	struct render_opts o = {"localhost", 1965};
	struct routes t, g;
	struct site s;
	struct post *p;
	const char *why;

	/* The loader cleans files it has checked as UTF-8 (in invalid
	 * bytes, dropping a control may join two bytes into a C1). */
	if (utf8_valid((const char *)data, size, NULL)) {
		char *c = malloc(size + 1);
		size_t n;

		memcpy(c, data, size);
		n = clean_body(c, size);
		if (n > size)
			__builtin_trap();
		for (size_t i = 0; i < n; i++) {
			size_t k = clean_control_len(c + i, n - i);

			if (k > 0 && c[i] != '\t' && c[i] != '\n' &&
			    !(c[i] == '\r' && i + 1 < n && c[i + 1] == '\n') &&
			    k != 3)
				__builtin_trap();
		}
		free(c);
	}
	site_init(&s);
	s.info.title = strdup("T");
	s.info.lang = strdup("en");
	s.info.home_posts = 20;
	p = calloc(1, sizeof(*p));
	p->meta.title = strndup((const char *)data, size < 40 ? size : 40);
	p->meta.comments = -1;
	date_parse("2013-08-08", 10, &p->meta.date, &why);
	p->slug = strdup("post");
	p->file = "post.gmi";
	p->body = site_keep_text(&s, (const char *)data, size);
	p->body_len = size;
	site_add_post(&s, p);
	site_finish(&s, no_dup, NULL);
	routes_init(&t);
	routes_init(&g);
	render_gemini(&s, &o, &t);
	render_gopher(&s, &go, &g);
	/* A Gopher text never holds a lone "." line: clients would stop. */
	{
		const struct response *r = routes_get(&g, "/2013/08/post.txt", 17);

		if (r && (strstr(r->data, "\r\n.\r\n") ||
			memcmp(r->data, ".\r\n", r->len < 3 ? r->len : 3) == 0))
			__builtin_trap();
	}
	routes_free(&t);
	routes_free(&g);
	site_free(&s);
	return 0;
}
