/*
 * config: the server's settings, from defaults, a YAML file and the
 * command line, in that order. One table in config.c names every key, its
 * type and its limits; the file, the command line and --dump-config all go
 * through it, so they cannot disagree on what a value means.
 */
#ifndef CAPSULED_CONFIG_H
#define CAPSULED_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "base/diag.h"

#define CONFIG_MAX_LIST 16

struct config_list {
	char *v[CONFIG_MAX_LIST];
	size_t n;
};

enum log_format { LOG_FORMAT_CAPSULED, LOG_FORMAT_COMMON };

struct config {
	char *root;          /* content directory */
	char *host;          /* public host name */
	struct config_list aliases;  /* more names, each with its certificate */
	struct config_list listen;
	struct config_list proxy_listen; /* these expect a PROXY header */
	int gemini_port;     /* 0 = pick a free one, -1 = off */
	int gopher_port;     /* 0 = pick a free one, -1 = off */
	char *gopher_host;   /* host written into menus (NULL: host) */
	int gopher_public_port; /* port written into menus (0: the bound one) */
	int gopher_width;    /* columns of Gopher text and menus */
	char *cert_dir;
	int handshake_ms, request_ms, write_ms;
	int max_connections; /* open at once, all clients */
	int max_per_address; /* open at once from one address (0: no cap) */
	double rate;         /* requests per second per address (0: none) */
	double burst;        /* ... at once */
	char *user, *group;  /* to run as, when started as root */
	int chroot;          /* chroot into the content root */
	int allow_root;      /* serve as root (refused otherwise) */
	char *log;           /* "stderr", "syslog" or a file */
	int log_format;      /* enum log_format */
	int anonymize;       /* log client addresses with their host part cut */
	int workers;         /* event loops, one per thread (0: one per CPU) */
	size_t max_content_bytes; /* posts and pages over this are refused
				     whole (0: no limit) */
};

#define CONFIG_MAX_CONTENT_DEFAULT ((size_t)256 << 20)

void config_defaults(struct config *c);
void config_free(struct config *c);

/* A deep copy of from into to (fresh). Returns -1 on memory. */
int config_copy(struct config *to, const struct config *from);

/* Empties a list key ("listen", ...): the command line replaces the file's. */
void config_clear(struct config *c, const char *key);

/*
 * Sets one key from its text form (a list key adds one item). Returns 0,
 * or -1 with a message in err. The keys, their types and limits are the
 * table in config.c, documented in capsuled.yaml(5).
 */
int config_set(struct config *c, const char *key, const char *value,
    char *err, size_t errlen);

/*
 * Reads YAML config text (a mapping of the keys; a list key takes a
 * string or a list). Every problem goes to d as file:line:col. Returns 0
 * when clean.
 */
int config_parse(struct config *c, const char *buf, size_t len,
    const char *file, struct diags *d);

/* Reads and parses a config file. */
int config_load(struct config *c, const char *file, struct diags *d);

/*
 * A reread configuration keeps what the running one set up before the
 * privileges went (listen, proxy_listen, gemini_port, gopher_port, user,
 * group, chroot, log, workers; the root too when chrooted): each such
 * value is swapped from running into reread, so running then holds the
 * file's and frees it. changed(ctx, key) is told of each one the file
 * asked to change (not the chrooted root: "/" whatever the file says);
 * returns how many.
 */
size_t config_keep_started(struct config *running, struct config *reread,
    void (*changed)(void *ctx, const char *key), void *ctx);

/* The effective configuration as YAML that config_parse reads back. */
void config_dump(const struct config *c, FILE *f);

#endif
