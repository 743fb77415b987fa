/* main: the command line, the start-up order, and the exit status. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <event2/event.h>

#include "config.h"
#include "content.h"
#include "log.h"
#include "server.h"
#include "tls.h"

#define VERSION "0.1.0"

static const char usage[] =
    "usage: capsuled [options] [CONTENT_DIR]\n"
    "\n"
    "Serves a blog kept as YAML-fronted gemtext files as a Gemini capsule.\n"
    "\n"
    "  -c, --config FILE      read settings from a YAML file (keys as below)\n"
    "  -n, --check            load config and content, print every problem\n"
    "                         as file:line:col: message, exit 0 only if clean\n"
    "  -H, --host NAME        public host name (default localhost)\n"
    "  -l, --listen ADDR      address to listen on; repeatable\n"
    "                         (default 127.0.0.1 and ::1)\n"
    "  -p, --gemini-port N    Gemini port (default 1965; 0 picks a free one)\n"
    "  -g, --gopher-port N    Gopher port (default 70; 0 picks a free one)\n"
    "      --gopher-host NAME host written into Gopher menus (default: --host)\n"
    "      --gopher-public-port N\n"
    "                         port written into Gopher menus (default: bound)\n"
    "  -w, --gopher-width N   columns of Gopher text and menus (default 67)\n"
    "  -C, --cert-dir DIR     certificates, made on first run (default certs)\n"
    "  -t, --timeout SEC      time limit of each connection phase (default 10)\n"
    "      --max-connections N\n"
    "                         connections open at once (default 1024)\n"
    "      --max-per-address N\n"
    "                         ... from one address (default 32; 0: no cap)\n"
    "      --rate R           requests per second per address (default 10;\n"
    "                         0: no limit); --burst B at once (default 30)\n"
    "      --export DIR       write every page (DIR/gemini, DIR/gopher), exit\n"
    "  -V, --version          print the version\n"
    "  -h, --help             print this help\n";

enum {
	OPT_EXPORT = 256, OPT_GOPHER_HOST, OPT_GOPHER_PUBLIC_PORT,
	OPT_MAX_CONNECTIONS, OPT_MAX_PER_ADDRESS, OPT_RATE, OPT_BURST,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"check", no_argument, NULL, 'n'},
	{"host", required_argument, NULL, 'H'},
	{"listen", required_argument, NULL, 'l'},
	{"gemini-port", required_argument, NULL, 'p'},
	{"gopher-port", required_argument, NULL, 'g'},
	{"gopher-host", required_argument, NULL, OPT_GOPHER_HOST},
	{"gopher-public-port", required_argument, NULL, OPT_GOPHER_PUBLIC_PORT},
	{"gopher-width", required_argument, NULL, 'w'},
	{"cert-dir", required_argument, NULL, 'C'},
	{"timeout", required_argument, NULL, 't'},
	{"export", required_argument, NULL, OPT_EXPORT},
	{"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
	{"max-per-address", required_argument, NULL, OPT_MAX_PER_ADDRESS},
	{"rate", required_argument, NULL, OPT_RATE},
	{"burst", required_argument, NULL, OPT_BURST},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char short_opts[] = "c:nH:l:p:g:w:C:t:Vh";

/* Which config key each option sets. */
static const char *
option_key(int opt)
{
	switch (opt) {
	case 'H': return "host";
	case 'l': return "listen";
	case 'p': return "gemini_port";
	case 'g': return "gopher_port";
	case OPT_GOPHER_HOST: return "gopher_host";
	case OPT_GOPHER_PUBLIC_PORT: return "gopher_public_port";
	case 'w': return "gopher_width";
	case 'C': return "cert_dir";
	case 't': return "timeout";
	case OPT_MAX_CONNECTIONS: return "max_connections";
	case OPT_MAX_PER_ADDRESS: return "max_per_address";
	case OPT_RATE: return "rate";
	case OPT_BURST: return "burst";
	default: return NULL;
	}
}

struct args {
	const char *config_file;
	const char *export_dir;
	int check;
};

/*
 * Two passes over argv: the first finds --config, so the file is read
 * before the command line, whose options then override it.
 */
static int
parse_args(int argc, char **argv, struct config *cfg, struct args *a,
    struct diags *d)
{
	char err[160];
	int opt, cli_listen = 0;

	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'c': a->config_file = optarg; break;
		case 'n': a->check = 1; break;
		case OPT_EXPORT: a->export_dir = optarg; break;
		case 'V': printf("capsuled %s\n", VERSION); exit(0);
		case 'h': fputs(usage, stdout); exit(0);
		case '?': fputs(usage, stderr); exit(2);
		}
	}
	if (a->config_file)
		config_load(cfg, a->config_file, d);
	optind = 1;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) !=
	    -1) {
		const char *key = option_key(opt);

		if (key == NULL)
			continue;
		if (opt == 'l' && !cli_listen) {
			/* The command line's addresses replace the file's. */
			cli_listen = 1;
			config_listen_clear(cfg);
		}
		if (config_set(cfg, key, optarg, err, sizeof(err)) == -1)
			diags_add(d, "command line", 0, 0, "%s: %s", key, err);
	}
	if (optind < argc - 1)
		diags_add(d, "command line", 0, 0, "one content directory only");
	else if (optind == argc - 1 &&
	    config_set(cfg, "root", argv[optind], err, sizeof(err)) == -1)
		diags_add(d, "command line", 0, 0, "CONTENT_DIR: %s", err);
	if (cfg->nlisten == 0) {
		config_set(cfg, "listen", "127.0.0.1", err, sizeof(err));
		config_set(cfg, "listen", "::1", err, sizeof(err));
	}
	return d->n == 0 ? 0 : -1;
}

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

static int
cmp_route(const void *a, const void *b)
{
	return strcmp((*(const struct route *const *)a)->path,
	    (*(const struct route *const *)b)->path);
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
	const struct route **sorted;
	char file[4096];
	size_t n = 0;
	FILE *idx;
	int rc = 0;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	if ((sorted = calloc(t->n + 1, sizeof(*sorted))) == NULL)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].path != NULL)
			sorted[n++] = &t->slots[i];
	qsort(sorted, n, sizeof(*sorted), cmp_route);
	snprintf(file, sizeof(file), "%s/.routes", dir);
	if ((idx = fopen(file, "w")) == NULL) {
		free(sorted);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct route *r = sorted[i];
		size_t hlen = r->resp.body_off;

		if (gemini) {
			/* The header without its CRLF. */
			fprintf(idx, "%s %.*s\n", r->path, (int)(hlen - 2),
			    r->resp.data);
			if (r->resp.status != 20)
				continue;
		} else {
			fprintf(idx, "\"%s\" %zu bytes\n", r->path, r->resp.len);
			snprintf(file, sizeof(file), "%s/", r->path);
			if (r->path[0] != '/' ||
			    routes_get(t, file, strlen(file)) != NULL)
				continue;
		}
		snprintf(file, sizeof(file), "%s%s", r->path,
		    r->path[r->path_len - 1] != '/' ? ""
		    : gemini ? "index.gmi" : "index.menu");
		if (write_file(dir, file, r->resp.data + hlen,
			r->resp.len - hlen) == -1)
			rc = -1;
	}
	if (fclose(idx) != 0)
		rc = -1;
	free(sorted);
	return rc;
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

/*
 * Every connection is a descriptor: take all the kernel allows, and keep
 * the connection cap under it, so accept never runs dry before the cap.
 */
static void
raise_fd_limit(struct config *cfg)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)cfg->max_connections + 64 > rl.rlim_cur) {
		cfg->max_connections = rl.rlim_cur > 128 ? (int)rl.rlim_cur - 64
							 : 64;
		log_warn("max_connections lowered to %d: the descriptor limit "
		    "is %llu", cfg->max_connections,
		    (unsigned long long)rl.rlim_cur);
	}
}

int
main(int argc, char **argv)
{
	struct server srv = {0};
	struct config cfg;
	struct args a = {0};
	struct diags d;
	int rc = 1;

	config_defaults(&cfg);
	diags_init(&d);
	if (parse_args(argc, argv, &cfg, &a, &d) == -1) {
		diags_print(&d, stderr, "");
		goto done;
	}
	srv.cfg = &cfg;
	srv.gemini_port = cfg.gemini_port;
	srv.gopher_port = cfg.gopher_port;
	if (a.check || a.export_dir) {
		struct snapshot *snap = server_load(&srv, &d);

		diags_print(&d, a.check ? stdout : stderr, "");
		if (snap && a.export_dir) {
			if (export_snapshot(snap, a.export_dir) == -1)
				fprintf(stderr, "capsuled: export to %s failed\n",
				    a.export_dir);
			else
				rc = 0;
		} else if (snap && d.n == 0)
			rc = 0;
		snapshot_unref(snap);
		goto done;
	}
	raise_fd_limit(&cfg);
	if ((srv.base = event_base_new()) == NULL) {
		fprintf(stderr, "capsuled: cannot start the event loop\n");
		goto done;
	}
	/* TLS first: a missing key is a start-up error, before any bind. */
	if ((srv.ssl_ctx = tls_server_ctx(cfg.cert_dir, cfg.host, &d)) == NULL ||
	    server_listen(&srv, &d) == -1) {
		diags_print(&d, stderr, "capsuled: ");
		goto done;
	}
	/* Feeds name the bound port, so the content is rendered after bind. */
	srv.snap = server_load(&srv, &d);
	diags_print(&d, stderr, "warning: ");
	if (srv.snap == NULL) {
		fprintf(stderr, "capsuled: nothing to serve\n");
		goto done;
	}
	log_info("serving %s: %zu posts, %zu pages", cfg.root,
	    srv.snap->site.nposts, srv.snap->site.npages);
	rc = server_run(&srv) == 0 ? 0 : 1;
done:
	server_free(&srv);
	diags_free(&d);
	config_free(&cfg);
	return rc;
}
