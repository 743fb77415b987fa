/*
 * config: the server's settings, from defaults, a YAML file and the
 * command line, in that order; every setting goes through config_set so
 * the file and the command line cannot disagree on what a value means.
 */
#ifndef CAPSULED_CONFIG_H
#define CAPSULED_CONFIG_H

#include <stddef.h>

#include "diag.h"

#define CONFIG_MAX_LISTEN 16

struct config {
	char *root;         /* content directory */
	char *host;         /* public host name */
	char *listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	int listen_set;     /* the command line replaces the file's list */
	int gemini_port;    /* 0 = pick a free one */
	int gopher_port;    /* 0 = pick a free one */
	char *gopher_host;  /* host written into menus (NULL: host) */
	int gopher_public_port; /* port written into menus (0: the bound one) */
	int gopher_width;   /* columns of Gopher text and menus */
	char *cert_dir;
	int handshake_ms, request_ms, write_ms;
	int max_connections;   /* open at once, all clients */
	int max_per_address;   /* open at once from one address (0: no cap) */
	double rate;           /* requests per second per address (0: none) */
	double burst;          /* ... at once */
};

void config_defaults(struct config *c);
void config_free(struct config *c);
/* Forgets the listen addresses (the command line replaces the file's). */
void config_listen_clear(struct config *c);

/*
 * Sets one key from its text form: root, host, listen (adds one address),
 * gemini_port, gopher_port, gopher_host, gopher_public_port, gopher_width,
 * cert_dir, timeout (all three), handshake_timeout,
 * request_timeout, write_timeout (seconds, decimals allowed),
 * max_connections, max_per_address, rate, burst. Returns 0,
 * or -1 with a message in err.
 */
int config_set(struct config *c, const char *key, const char *value,
    char *err, size_t errlen);

/*
 * Reads YAML config text (a mapping of the keys above; listen may be a
 * list). Every problem goes to d as file:line:col. Returns 0 when clean.
 */
int config_parse(struct config *c, const char *buf, size_t len,
    const char *file, struct diags *d);

/* Reads and parses a config file. */
int config_load(struct config *c, const char *file, struct diags *d);

#endif
