/*
 * libFuzzer: a search query, as Gemini (percent-encoded) and as Gopher
 * (as typed) send it, run against a small index, with a snippet per hit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "model/finish.h"
#include "model/search.h"
#include "model/site.h"
#include "text/wrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct site site;

static struct post *
mkpost(struct site *s, const char *slug, int year, const char *title,
    const char *tag, const char *body)
{
	struct post *p = calloc(1, sizeof(*p));

	p->meta.title = strdup(title);
	p->meta.date.year = year;
	p->meta.date.month = 1;
	p->meta.date.day = 1;
	p->meta.comments = -1;
	p->slug = strdup(slug);
	p->file = site_keep_text(s, slug, strlen(slug));
	p->body = site_keep_text(s, body, strlen(body));
	p->body_len = strlen(body);
	p->when = year;
	if (tag) {
		p->meta.tags = calloc(1, sizeof(char *));
		p->meta.tags[0] = strdup(tag);
		p->meta.ntags = 1;
	}
	return p;
}

static void
no_dup(void *ctx, const char *file)
{
	(void)ctx;
	(void)file;
	__builtin_trap();
}

static void
setup(void)
{
	site_init(&site);
	site_add_post(&site, mkpost(&site, "a", 2001, "Harbor lantern",
	    "Caf\xc3\xa9",
	    "# H\n\nThe harbor lantern \xc3\xa9t\xc3\xa9 \xe6\x9d\xb1\xe4\xba"
	    "\xac\xe3\x81\xae\xe5\xa4\x9c.\n=> gemini://x/ a label\n"));
	site_add_post(&site, mkpost(&site, "b", 2002,
	    "\xc3\x9c" "berraschung", NULL,
	    "e\xcc\x81te\xcc\x81 Stra\xc3\x9f" "e \xef\xac\x81ne 3.14\n"));
	site_add_post(&site, mkpost(&site, "c", 2003, "Empty", "harbor", ""));
	if (site_finish(&site, no_dup, NULL) == -1)
		__builtin_trap();
	/* The index reads the bodies where they are (a load moves them
	 * into the pages first): here they stay in site.texts. */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct search_query q;
	struct search_result r;

	if (!ready) {
		setup();
		ready = 1;
	}
	for (int flags = 0; flags <= SEARCH_URL_ENCODED; flags++) {
		if (search_query_parse((const char *)data, size, flags, &q) !=
		    SEARCH_OK)
			continue;
		if (q.text_len > SEARCH_MAX_QUERY || q.nterms == 0 ||
		    q.nterms > SEARCH_MAX_TERMS ||
		    u8_check((const uint8_t *)q.text, q.text_len) != NULL)
			__builtin_trap();
		search_run(site.search, &q, &r);
		if (r.nhits > r.total || r.nhits > SEARCH_MAX_HITS)
			__builtin_trap();
		for (size_t i = 0; i < r.nhits; i++) {
			struct buf b;

			buf_init(&b);
			search_snippet(site.search, &r.hits[i], 20, &b);
			/* One clean line, within its columns, valid UTF-8. */
			if (b.failed || wrap_width(b.data ? b.data : "",
			    b.len) > 20 || (b.len && (memchr(b.data, '\n', b.len)
			    || u8_check((const uint8_t *)b.data, b.len))))
				__builtin_trap();
			buf_free(&b);
		}
	}
	return 0;
}
