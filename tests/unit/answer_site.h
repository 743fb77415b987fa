/*
 * answer_site: tests/fixtures/site loaded as the server loads it (the
 * loader of src/daemon/content.c), for the answer tables. Host
 * "localhost" with the alias "old.example", Gemini port 1965, Gopher
 * port 7070. Run from the top of the tree, as make unit does.
 */
#ifndef CAPSULED_TEST_ANSWER_SITE_H
#define CAPSULED_TEST_ANSWER_SITE_H

#include "daemon/content.h"

#define SITE_GEMINI_PORT 1965
#define SITE_GOPHER_PORT 7070

static struct snapshot *
answer_site(void)
{
	struct render_opts o = {"localhost", SITE_GEMINI_PORT};
	struct gopher_opts go = {"localhost", SITE_GOPHER_PORT, 67,
	    "localhost"};
	struct snapshot *snap;
	struct config cfg;
	struct diags d;
	char err[160];

	config_defaults(&cfg);
	diags_init(&d);
	assert_int_equal(config_set(&cfg, "aliases", "old.example", err,
	    sizeof(err)), 0);
	snap = content_load("tests/fixtures/site", &o, &go, 0, NULL, &d);
	assert_non_null(snap);
	assert_int_equal(snapshot_serve(snap, &cfg, SITE_GEMINI_PORT,
	    SITE_GOPHER_PORT), 0);
	routes_seal(&snap->gemini);
	diags_free(&d);
	config_free(&cfg);
	return snap;
}

#endif
