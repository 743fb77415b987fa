/* config: defaults, then the YAML file, then the command line. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ytree.h"

#define TIMEOUT_DEFAULT_MS 10000

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->root = strdup("capsule");
	c->host = strdup("localhost");
	c->cert_dir = strdup("certs");
	c->gemini_port = 1965;
	c->gopher_port = 70;
	c->gopher_width = 67;
	c->handshake_ms = c->request_ms = c->write_ms = TIMEOUT_DEFAULT_MS;
	c->max_connections = 1024;
	c->max_per_address = 32;
	c->rate = 10;
	c->burst = 30;
}

void
config_listen_clear(struct config *c)
{
	for (size_t i = 0; i < c->nlisten; i++)
		free(c->listen[i]);
	c->nlisten = 0;
}

void
config_free(struct config *c)
{
	config_listen_clear(c);
	free(c->root);
	free(c->host);
	free(c->cert_dir);
	free(c->gopher_host);
	memset(c, 0, sizeof(*c));
}

static int
set_string(char **slot, const char *value, char *err, size_t errlen)
{
	char *s;

	if (*value == '\0') {
		snprintf(err, errlen, "must not be empty");
		return -1;
	}
	if ((s = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*slot);
	*slot = s;
	return 0;
}

static int
parse_port(const char *v, int *out, char *err, size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno || n < 0 || n > 65535) {
		snprintf(err, errlen, "port must be a number from 0 to 65535");
		return -1;
	}
	*out = (int)n;
	return 0;
}

static int
parse_count(const char *v, int min, int max, int *out, char *err,
    size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno || n < min || n > max) {
		snprintf(err, errlen, "must be a number from %d to %d", min,
		    max);
		return -1;
	}
	*out = (int)n;
	return 0;
}

static int
parse_rate(const char *v, double *out, char *err, size_t errlen)
{
	char *end;
	double r;

	errno = 0;
	r = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno || !(r >= 0 && r <= 1e6)) {
		snprintf(err, errlen, "must be a number from 0 to 1000000");
		return -1;
	}
	*out = r;
	return 0;
}

static int
parse_seconds(const char *v, int *ms, char *err, size_t errlen)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno || !(s >= 0.001 && s <= 3600)) {
		snprintf(err, errlen,
		    "a time limit is seconds, from 0.001 to 3600");
		return -1;
	}
	*ms = (int)(s * 1000 + 0.5);
	return 0;
}

static int
add_listen(struct config *c, const char *v, char *err, size_t errlen)
{
	if (c->nlisten == CONFIG_MAX_LISTEN) {
		snprintf(err, errlen, "at most %d listen addresses",
		    CONFIG_MAX_LISTEN);
		return -1;
	}
	if (*v == '\0' || (c->listen[c->nlisten] = strdup(v)) == NULL) {
		snprintf(err, errlen, "bad listen address");
		return -1;
	}
	c->nlisten++;
	return 0;
}

int
config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	int ms;

	if (strcmp(key, "root") == 0)
		return set_string(&c->root, value, err, errlen);
	if (strcmp(key, "host") == 0)
		return set_string(&c->host, value, err, errlen);
	if (strcmp(key, "cert_dir") == 0)
		return set_string(&c->cert_dir, value, err, errlen);
	if (strcmp(key, "listen") == 0)
		return add_listen(c, value, err, errlen);
	if (strcmp(key, "gemini_port") == 0)
		return parse_port(value, &c->gemini_port, err, errlen);
	if (strcmp(key, "gopher_port") == 0)
		return parse_port(value, &c->gopher_port, err, errlen);
	if (strcmp(key, "gopher_host") == 0)
		return set_string(&c->gopher_host, value, err, errlen);
	if (strcmp(key, "gopher_public_port") == 0)
		return parse_port(value, &c->gopher_public_port, err, errlen);
	if (strcmp(key, "gopher_width") == 0)
		return parse_count(value, 20, 400, &c->gopher_width, err,
		    errlen);
	if (strcmp(key, "handshake_timeout") == 0)
		return parse_seconds(value, &c->handshake_ms, err, errlen);
	if (strcmp(key, "request_timeout") == 0)
		return parse_seconds(value, &c->request_ms, err, errlen);
	if (strcmp(key, "write_timeout") == 0)
		return parse_seconds(value, &c->write_ms, err, errlen);
	if (strcmp(key, "max_connections") == 0)
		return parse_count(value, 1, 1000000, &c->max_connections, err,
		    errlen);
	if (strcmp(key, "max_per_address") == 0)
		return parse_count(value, 0, 1000000, &c->max_per_address, err,
		    errlen);
	if (strcmp(key, "rate") == 0)
		return parse_rate(value, &c->rate, err, errlen);
	if (strcmp(key, "burst") == 0)
		return parse_rate(value, &c->burst, err, errlen);
	if (strcmp(key, "timeout") == 0) {
		if (parse_seconds(value, &ms, err, errlen) == -1)
			return -1;
		c->handshake_ms = c->request_ms = c->write_ms = ms;
		return 0;
	}
	snprintf(err, errlen, "unknown key \"%s\"", key);
	return -1;
}

static void
set_node(struct config *c, const char *key, const struct ynode *v,
    const char *file, struct diags *d)
{
	char err[160];

	if (v->kind != Y_SCALAR) {
		diags_add(d, file, v->line, v->col, "%s: expected a single "
		    "value", key);
		return;
	}
	if (config_set(c, key, v->str, err, sizeof(err)) == -1)
		diags_add(d, file, v->line, v->col, "%s: %s", key, err);
}

int
config_parse(struct config *c, const char *buf, size_t len, const char *file,
    struct diags *d)
{
	struct ynode *root;
	struct yerror yerr;
	size_t before = d->n;

	if ((root = ytree_parse(buf, len, &yerr)) == NULL) {
		diags_add(d, file, yerr.line, yerr.col, "%s", yerr.msg);
		return -1;
	}
	if (root->kind != Y_MAP) {
		diags_add(d, file, root->line, root->col,
		    "the config must be a mapping of keys to values");
		ytree_free(root);
		return -1;
	}
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const struct ynode *k = root->items[i], *v = root->items[i + 1];

		if (strcmp(k->str, "listen") == 0 && v->kind == Y_SEQ) {
			config_listen_clear(c);
			for (size_t j = 0; j < v->n; j++)
				set_node(c, "listen", v->items[j], file, d);
			continue;
		}
		if (strcmp(k->str, "listen") == 0)
			config_listen_clear(c);
		set_node(c, k->str, v, file, d);
	}
	ytree_free(root);
	return d->n == before ? 0 : -1;
}

int
config_load(struct config *c, const char *file, struct diags *d)
{
	char *data = NULL, chunk[4096];
	size_t len = 0;
	size_t n;
	FILE *f;
	int rc;

	if ((f = fopen(file, "r")) == NULL) {
		diags_add(d, file, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *p = realloc(data, len + n + 1);

		if (p == NULL || len > 1024 * 1024) {
			free(p ? p : data);
			fclose(f);
			diags_add(d, file, 0, 0, "too large");
			return -1;
		}
		data = p;
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	rc = config_parse(c, data ? data : "", len, file, d);
	free(data);
	return rc;
}
