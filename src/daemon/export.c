/*
 * export: --export DIR, every response of a load written as files, for
 * tests that compare a whole capsule with diff -u and for people who
 * want to see what will be served.
 */
#include "daemon/export.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "render/route.h"
#include "render/snapshot.h"

static int
write_file(const char *dir, const char *path, const char *data, size_t len)
{
	char full[4096];
	FILE *f;
	int ok;

	snprintf(full, sizeof(full), "%s%s", dir, path);
	for (char *s = full + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(full, 0755) == -1 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if ((f = fopen(full, "w")) == NULL)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Where one table goes: its folder, its index, and which protocol. */
struct out {
	const struct routes *t;
	const char *dir;
	FILE *idx;
	int gemini;
	int rc;
};

static int
export_route(void *ctx, const struct route *r)
{
	struct out *o = ctx;
	size_t hlen = r->resp.body_off;
	char file[4096];

	if (o->gemini) {
		/* The header without its CRLF. */
		fprintf(o->idx, "%s %.*s\n", r->path, (int)(hlen - 2),
		    r->resp.data);
		if (r->resp.status != 20)
			return 0;
	} else {
		fprintf(o->idx, "\"%s\" %zu bytes\n", r->path,
		    (size_t)r->resp.len);
		snprintf(file, sizeof(file), "%s/", r->path);
		if (r->path[0] != '/' ||
		    routes_get(o->t, file, strlen(file)) != NULL)
			return 0;
	}
	snprintf(file, sizeof(file), "%s%s", r->path,
	    r->path[r->path_len - 1] != '/' ? ""
	    : o->gemini ? "index.gmi" : "index.menu");
	if (write_file(o->dir, file, r->resp.data + hlen,
	    r->resp.len - hlen) == -1)
		o->rc = -1;
	return 0;
}

/*
 * Writes one route table under dir: each response at its path ("/" and
 * "/2013/" as index.EXT), and dir/.routes with one line per route sorted
 * by path: the path and, for Gemini, the header. Selectors that are only
 * another name of a menu ("", "/2013" beside "/2013/") are listed but not
 * written again.
 */
static int
export_routes(const struct routes *t, const char *dir, int gemini)
{
	struct out o = {t, dir, NULL, gemini, 0};
	char file[4096];

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	snprintf(file, sizeof(file), "%s/.routes", dir);
	if ((o.idx = fopen(file, "w")) == NULL)
		return -1;
	if (routes_each_sorted(t, export_route, &o) == -1)
		o.rc = -1;
	if (fclose(o.idx) != 0)
		o.rc = -1;
	return o.rc;
}

static int
export_snapshot(const struct snapshot *s, const char *dir)
{
	char sub[4096];

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	snprintf(sub, sizeof(sub), "%s/gemini", dir);
	if (export_routes(&s->gemini, sub, 1) == -1)
		return -1;
	snprintf(sub, sizeof(sub), "%s/gopher", dir);
	return export_routes(&s->gopher, sub, 0);
}

int
export_tree(struct server *srv, const char *dir, struct diags *d)
{
	struct snapshot *snap = server_load(srv, d);
	int rc = 1;

	diags_print(d, stderr, "");
	if (snap) {
		if (export_snapshot(snap, dir) == -1)
			fprintf(stderr, "capsuled: export to %s failed\n", dir);
		else
			rc = 0;
	}
	snapshot_unref(snap);
	return rc;
}
