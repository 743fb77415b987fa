/* main: the command line, the start-up order, and the exit status. */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "model/config.h"
#include "daemon/content.h"
#include "daemon/control.h"
#include "daemon/export.h"
#include "daemon/oneshot.h"
#include "text/html2gemtext.h"
#include "import/import.h"
#include "serve/log.h"
#include "base/path.h"
#include "daemon/sandbox.h"
#include "daemon/server.h"
#include "daemon/signals.h"
#include "serve/tls.h"

#define VERSION "0.1.0"

static const char usage[] =
    "usage: capsuled [options] [CONTENT_DIR]\n"
    "       capsuled import blogger EXPORT.xml DIR  (see import --help)\n"
    "\n"
    "Serves a blog kept as YAML-fronted gemtext files as a Gemini capsule\n"
    "and a Gopher hole. Every option below but the first eight sets the\n"
    "config key of its name (see capsuled.yaml(5)) and overrides the file.\n"
    "\n"
    "  -c, --config FILE      read settings from a YAML file\n"
    "  -n, --check            load config and content, print every problem\n"
    "                         as file:line:col: message, exit 0 only if clean\n"
    "      --dump-config      print the effective configuration and exit\n"
    "      --sandbox-test     drop privileges, enter the sandbox, try what it\n"
    "                         forbids; exit 0 if everything was refused\n"
    "      --export DIR       write every response (DIR/gemini, DIR/gopher)\n"
    "      --answer PROTO     read one request (gemini or gopher) from stdin,\n"
    "                         print the exact bytes the server would send\n"
    "  -V, --version          print the version\n"
    "  -h, --help             print this help\n"
    "  -H, --host NAME        public host name (default localhost)\n"
    "      --alias NAME       another name served, with its own certificate\n"
    "  -l, --listen ADDR      address to listen on; repeatable\n"
    "                         (default 127.0.0.1 and ::1)\n"
    "      --proxy-listen ADDR  ... whose clients come through a proxy that\n"
    "                         sends a PROXY (v1 or v2) header first\n"
    "  -p, --gemini-port N    Gemini port (default 1965; 0: a free one; off)\n"
    "  -g, --gopher-port N    Gopher port (default 70; 0: a free one; off)\n"
    "      --gopher-host NAME host written into Gopher menus (default: host)\n"
    "      --gopher-public-port N  port written into menus (default: bound)\n"
    "  -w, --gopher-width N   columns of Gopher text and menus (default 67)\n"
    "  -C, --cert-dir DIR     certificates, made on first run (default certs)\n"
    "  -t, --timeout SEC      time limit of each connection phase (default 10)\n"
    "      --max-connections N  open at once (default 1024)\n"
    "      --max-per-address N  open at once from one address (default 32)\n"
    "      --rate R           requests per second per address (default 10)\n"
    "      --burst B          ... at once (default 30)\n"
    "  -u, --user NAME        user to serve as when started as root\n"
    "  -G, --group NAME       group to serve as (default: the user's)\n"
    "      --chroot           chroot into the content directory\n"
    "      --allow-root       serve as root (refused otherwise)\n"
    "      --log DEST         stderr (default), syslog, or a file\n"
    "      --log-format F     capsuled (default) or common\n"
    "      --anonymize        log client addresses without their host part\n"
    "      --workers N        event loops, one thread each (default 0: one\n"
    "                         per CPU)\n"
    "      --max-content-bytes N  refuse a tree whose posts and pages are\n"
    "                         larger (default 256M; 0: no limit)\n";

/* The command line: what each option is, and which config key it sets. */
static const struct cli_opt {
	const char *name;
	int has_arg;
	int short_name;       /* 0: long only */
	const char *key;      /* config key, or NULL for the first eight */
} cli_opts[] = {
	{"config", 1, 'c', NULL},
	{"check", 0, 'n', NULL},
	{"dump-config", 0, 0, NULL},
	{"sandbox-test", 0, 0, NULL},
	{"export", 1, 0, NULL},
	{"answer", 1, 0, NULL},
	{"version", 0, 'V', NULL},
	{"help", 0, 'h', NULL},
	{"host", 1, 'H', "host"},
	{"alias", 1, 0, "aliases"},
	{"listen", 1, 'l', "listen"},
	{"proxy-listen", 1, 0, "proxy_listen"},
	{"gemini-port", 1, 'p', "gemini_port"},
	{"gopher-port", 1, 'g', "gopher_port"},
	{"gopher-host", 1, 0, "gopher_host"},
	{"gopher-public-port", 1, 0, "gopher_public_port"},
	{"gopher-width", 1, 'w', "gopher_width"},
	{"cert-dir", 1, 'C', "cert_dir"},
	{"timeout", 1, 't', "timeout"},
	{"max-connections", 1, 0, "max_connections"},
	{"max-per-address", 1, 0, "max_per_address"},
	{"rate", 1, 0, "rate"},
	{"burst", 1, 0, "burst"},
	{"user", 1, 'u', "user"},
	{"group", 1, 'G', "group"},
	{"chroot", 0, 0, "chroot"},
	{"allow-root", 0, 0, "allow_root"},
	{"log", 1, 0, "log"},
	{"log-format", 1, 0, "log_format"},
	{"anonymize", 0, 0, "anonymize"},
	{"workers", 1, 0, "workers"},
	{"max-content-bytes", 1, 0, "max_content_bytes"},
};

#define NOPTS (sizeof(cli_opts) / sizeof(cli_opts[0]))
#define LONG_ONLY 256 /* getopt value of long-only option i: LONG_ONLY + i */

struct args {
	const char *config_file;
	const char *export_dir;
	const char *answer;   /* --answer's protocol */
	int check;
	int dump;
	int sandbox_test;
};

static const struct cli_opt *
cli_opt_of(int val)
{
	for (size_t i = 0; i < NOPTS; i++)
		if ((cli_opts[i].short_name && cli_opts[i].short_name == val) ||
		    (int)(LONG_ONLY + i) == val)
			return &cli_opts[i];
	return NULL;
}

static int
set_option(struct config *cfg, const struct cli_opt *o, const char *arg,
    int *lists_cleared, struct diags *d)
{
	char err[160];

	if (strcmp(o->key, "listen") == 0 || strcmp(o->key, "aliases") == 0 ||
	    strcmp(o->key, "proxy_listen") == 0) {
		/* The command line's list replaces the file's. */
		int bit = o->key[0] == 'l' ? 1 : o->key[0] == 'a' ? 2 : 4;

		if (!(*lists_cleared & bit))
			config_clear(cfg, o->key);
		*lists_cleared |= bit;
	}
	if (config_set(cfg, o->key, o->has_arg ? arg : "true", err,
		sizeof(err)) == -1) {
		diags_add(d, "command line", 0, 0, "--%s: %s", o->name, err);
		return -1;
	}
	return 0;
}

/*
 * Two passes over argv: the first finds --config, so the file is read
 * before the command line, whose options then override it.
 */
static int
parse_args(int argc, char **argv, struct config *cfg, struct args *a,
    struct diags *d)
{
	struct option longs[NOPTS + 1];
	char shorts[3 * NOPTS + 1], *sp = shorts, err[160];
	int opt, cleared = 0;

	memset(longs, 0, sizeof(longs));
	for (size_t i = 0; i < NOPTS; i++) {
		longs[i].name = cli_opts[i].name;
		longs[i].has_arg = cli_opts[i].has_arg ? required_argument
						       : no_argument;
		longs[i].val = cli_opts[i].short_name ? cli_opts[i].short_name
						      : (int)(LONG_ONLY + i);
		if (cli_opts[i].short_name) {
			*sp++ = (char)cli_opts[i].short_name;
			if (cli_opts[i].has_arg)
				*sp++ = ':';
		}
	}
	*sp = '\0';
	while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct cli_opt *o = cli_opt_of(opt);

		if (o == NULL) {
			fputs(usage, stderr);
			exit(2);
		}
		if (strcmp(o->name, "config") == 0)
			a->config_file = optarg;
		else if (strcmp(o->name, "check") == 0)
			a->check = 1;
		else if (strcmp(o->name, "dump-config") == 0)
			a->dump = 1;
		else if (strcmp(o->name, "sandbox-test") == 0)
			a->sandbox_test = 1;
		else if (strcmp(o->name, "export") == 0)
			a->export_dir = optarg;
		else if (strcmp(o->name, "answer") == 0) {
			if (!oneshot_known(optarg)) {
				fprintf(stderr, "capsuled: --answer: gemini or "
				    "gopher, not %s\n", optarg);
				exit(2);
			}
			a->answer = optarg;
		}
		else if (strcmp(o->name, "version") == 0) {
			printf("capsuled %s\n", VERSION);
			exit(0);
		} else if (strcmp(o->name, "help") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
	}
	if (a->config_file)
		config_load(cfg, a->config_file, d);
	optind = 1;
	while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct cli_opt *o = cli_opt_of(opt);

		if (o != NULL && o->key != NULL)
			set_option(cfg, o, optarg, &cleared, d);
	}
	if (optind < argc - 1)
		diags_add(d, "command line", 0, 0, "one content directory only");
	else if (optind == argc - 1 &&
	    config_set(cfg, "root", argv[optind], err, sizeof(err)) == -1)
		diags_add(d, "command line", 0, 0, "CONTENT_DIR: %s", err);
	if (cfg->listen.n == 0 && cfg->proxy_listen.n == 0) {
		config_set(cfg, "listen", "127.0.0.1", err, sizeof(err));
		config_set(cfg, "listen", "::1", err, sizeof(err));
	}
	return d->n == 0 ? 0 : -1;
}

/*
 * Every connection is a descriptor: take all the kernel allows. The
 * connection cap is kept under it once the listeners are bound
 * (server_connection_cap), so accept never runs dry before the cap.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * The private key must not be servable: a cert_dir inside the content
 * tree is refused (the tree is walked for posts and pages only today, but
 * a static/ directory or a mistake later must not publish the key).
 */
static int
key_outside_tree(const struct config *cfg, struct diags *d)
{
	char root[PATH_MAX], certs[PATH_MAX];
	size_t n;

	if (realpath(cfg->root, root) == NULL ||
	    realpath(cfg->cert_dir, certs) == NULL)
		return 0; /* a missing one is reported where it is used */
	n = strlen(root);
	if (strncmp(certs, root, n) == 0 &&
	    (certs[n] == '/' || certs[n] == '\0' || n == 1)) {
		diags_add(d, cfg->cert_dir, 0, 0, "the certificate directory "
		    "is inside the content tree %s: move it out", cfg->root);
		return -1;
	}
	return 0;
}

/* SIGHUP reads the file and the command line again, the same way. */
static int saved_argc;
static char **saved_argv;
static char start_dir[PATH_MAX]; /* the working directory at start */

/*
 * A log file named relative to the working directory is named from "/"
 * once and for all: the sandbox grants its directory by that name (from
 * "/", systemd's working directory, "rel.log" was "." and so everything),
 * a reopen on SIGUSR1 must find the same file, and a reload must not see
 * a name that changed.
 */
static int
absolute_log(struct config *cfg, struct diags *d)
{
	char abs[PATH_MAX], err[160];

	if (strcmp(cfg->log, "stderr") == 0 || strcmp(cfg->log, "syslog") == 0 ||
	    cfg->log[0] == '/')
		return 0;
	if (start_dir[0] == '\0' ||
	    path_absolute(start_dir, cfg->log, abs, sizeof(abs)) == -1 ||
	    config_set(cfg, "log", abs, err, sizeof(err)) == -1) {
		diags_add(d, cfg->log, 0, 0, "cannot name the log from /: "
		    "give an absolute path");
		return -1;
	}
	return 0;
}

static int
reread_config(struct config *out, struct diags *d)
{
	struct args a = {0};

	config_defaults(out);
	optind = 0; /* getopt starts over */
	if (parse_args(saved_argc, saved_argv, out, &a, d) == -1)
		return -1;
	return absolute_log(out, d);
}

/* --check: the content read as the serving user will read it. */
static int
check(struct server *srv, struct config *cfg, struct diags *d)
{
	struct snapshot *snap;
	int rc = 1;

	key_outside_tree(cfg, d);
	tls_check(cfg->cert_dir, cfg->host, cfg->aliases.v, cfg->aliases.n, d);
	if (sandbox_check_as_user(cfg, d) == -1) {
		diags_print(d, stdout, "");
		return 1;
	}
	snap = server_load(srv, d);
	diags_print(d, stdout, "");
	if (snap && d->n == 0)
		rc = 0;
	snapshot_unref(snap);
	return rc;
}

/* The same steps as serving, then what the sandbox forbids. */
static int
sandbox_test(struct config *cfg, const char *config_file, struct diags *d)
{
	if (log_setup(cfg->log, cfg->log_format, cfg->anonymize, d) == -1 ||
	    sandbox_drop(cfg, d) == -1 ||
	    sandbox_enter(cfg, log_file(), config_file, d) == -1) {
		diags_print(d, stderr, "capsuled: ");
		return 1;
	}
	return sandbox_selftest(cfg, log_file()) == 0 ? 0 : 1;
}

/*
 * The order matters: the log and the key are opened and the ports bound
 * while we may still be root; then the privileges go and the sandbox
 * closes; only then is the content read (on the loader thread, by
 * control_run), with the rights every reload will have: a file the
 * serving user cannot read is reported now, not served until the first
 * reload fails on it. Feeds name the bound ports, known by then.
 */
static int
serve(struct server *srv, struct config *cfg, const char *config_file,
    struct diags *d)
{
	SSL_CTX *ctx;

	raise_fd_limit();
	if (log_setup(cfg->log, cfg->log_format, cfg->anonymize, d) == -1 ||
	    key_outside_tree(cfg, d) == -1 ||
	    (ctx = tls_server_ctx(cfg->cert_dir, cfg->host, cfg->aliases.v,
		cfg->aliases.n, d)) == NULL ||
	    server_listen(srv, ctx, d) == -1 ||
	    sandbox_drop(cfg, d) == -1 ||
	    sandbox_enter(cfg, log_file(), config_file, d) == -1) {
		diags_print(d, stderr, "capsuled: ");
		return 1;
	}
	return control_run(srv) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct server srv;
	struct config cfg;
	struct args a = {0};
	struct diags d;
	int rc = 1;

	if (argc > 1 && strcmp(argv[1], "import") == 0)
		return import_main(argc - 1, argv + 1);
	/*
	 * Before anything else: a signal from now on is counted, not fatal,
	 * and waits for the control loop (the ports are announced long
	 * before the first load is done). The modes that do not serve get
	 * the default actions back below.
	 */
	if (signals_install() == -1) {
		fprintf(stderr, "capsuled: signals: %s\n", strerror(errno));
		return 1;
	}
	/* libxml2 (for raw HTML in .md posts) is set up before any sandbox. */
	html2gemtext_init();
	saved_argc = argc;
	saved_argv = argv;
	if (getcwd(start_dir, sizeof(start_dir)) == NULL)
		start_dir[0] = '\0';
	config_defaults(&cfg);
	diags_init(&d);
	if (parse_args(argc, argv, &cfg, &a, &d) == -1 ||
	    absolute_log(&cfg, &d) == -1) {
		diags_print(&d, stderr, "");
		goto bad_args;
	}
	server_init(&srv, &cfg, reread_config);
	if (a.dump || a.sandbox_test || a.check || a.export_dir || a.answer)
		signals_default();
	if (a.dump) {
		config_dump(&cfg, stdout);
		rc = 0;
	} else if (a.sandbox_test)
		rc = sandbox_test(&cfg, a.config_file, &d);
	else if (a.check)
		rc = check(&srv, &cfg, &d);
	else if (a.export_dir)
		rc = export_tree(&srv, a.export_dir, &d);
	else if (a.answer)
		rc = oneshot_answer(&srv, a.answer, &d);
	else
		rc = serve(&srv, &cfg, a.config_file, &d);
	server_free(&srv);
bad_args:
	diags_free(&d);
	config_free(&cfg);
	return rc;
}
