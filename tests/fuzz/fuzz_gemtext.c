/*
 * libFuzzer: gemtext, rendered both ways: a one-post site through the
 * Gemini and Gopher renderers (and so gemtext and wrap).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render_gemini.h"
#include "render_gopher.h"
#include "site.h"

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
