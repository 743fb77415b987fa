/* config: one table of keys, read from YAML and from the command line. */
#include "model/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/ytree.h"

enum ctype { C_STRING, C_LIST, C_ADDRS, C_PORT, C_INT, C_SECONDS, C_NUMBER,
	C_BOOL, C_LOG_FORMAT, C_BYTES };

/*
 * What a reload may not change: what the process set up before it
 * dropped its privileges (config_keep_started).
 */
enum {
	K_START = 1,    /* fixed at start: listeners, ports, user, log... */
	K_CHROOTED = 2, /* fixed at start when chrooted: the root is "/" */
};

struct key {
	const char *name;
	enum ctype type;
	size_t off;
	double min, max;
	unsigned flags;
};

#define F(field) offsetof(struct config, field)

/* Every key; capsuled.yaml(5) documents each. */
static const struct key keys[] = {
	{"root", C_STRING, F(root), 0, 0, K_CHROOTED},
	/* 1 TiB: a whole number of bytes a double holds exactly. */
	{"max_content_bytes", C_BYTES, F(max_content_bytes), 0, 1099511627776.0,
	    0},
	{"host", C_STRING, F(host), 0, 0, 0},
	{"aliases", C_LIST, F(aliases), 0, 0, 0},
	{"listen", C_ADDRS, F(listen), 0, 0, K_START},
	{"proxy_listen", C_ADDRS, F(proxy_listen), 0, 0, K_START},
	{"gemini_port", C_PORT, F(gemini_port), 0, 65535, K_START},
	{"gopher_port", C_PORT, F(gopher_port), 0, 65535, K_START},
	{"gopher_host", C_STRING, F(gopher_host), 0, 0, 0},
	{"gopher_public_port", C_INT, F(gopher_public_port), 0, 65535, 0},
	{"gopher_width", C_INT, F(gopher_width), 20, 400, 0},
	{"cert_dir", C_STRING, F(cert_dir), 0, 0, 0},
	{"handshake_timeout", C_SECONDS, F(handshake_ms), 0.001, 3600, 0},
	{"request_timeout", C_SECONDS, F(request_ms), 0.001, 3600, 0},
	{"write_timeout", C_SECONDS, F(write_ms), 0.001, 3600, 0},
	{"max_connections", C_INT, F(max_connections), 1, 1000000, 0},
	{"max_per_address", C_INT, F(max_per_address), 0, 1000000, 0},
	{"rate", C_NUMBER, F(rate), 0, 1000000, 0},
	{"burst", C_NUMBER, F(burst), 1, 1000000, 0},
	{"user", C_STRING, F(user), 0, 0, K_START},
	{"group", C_STRING, F(group), 0, 0, K_START},
	{"chroot", C_BOOL, F(chroot), 0, 0, K_START},
	{"allow_root", C_BOOL, F(allow_root), 0, 0, 0},
	{"log", C_STRING, F(log), 0, 0, K_START},
	{"log_format", C_LOG_FORMAT, F(log_format), 0, 0, 0},
	{"anonymize", C_BOOL, F(anonymize), 0, 0, 0},
	{"workers", C_INT, F(workers), 0, 256, K_START},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void *
field(const struct config *c, const struct key *k)
{
	return (char *)c + k->off;
}

void
config_defaults(struct config *c)
{
	char err[80];

	memset(c, 0, sizeof(*c));
	config_set(c, "root", "capsule", err, sizeof(err));
	config_set(c, "host", "localhost", err, sizeof(err));
	config_set(c, "cert_dir", "certs", err, sizeof(err));
	config_set(c, "log", "stderr", err, sizeof(err));
	c->gemini_port = 1965;
	c->gopher_port = 70;
	c->gopher_width = 67;
	c->handshake_ms = c->request_ms = c->write_ms = 10000;
	c->max_connections = 1024;
	c->max_per_address = 32;
	c->rate = 10;
	c->burst = 30;
	c->max_content_bytes = CONFIG_MAX_CONTENT_DEFAULT;
}

int
config_copy(struct config *to, const struct config *from)
{
	/* The numbers as they are; every string and list is made afresh. */
	*to = *from;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == C_STRING)
			*(char **)field(to, &keys[i]) = NULL;
		else if (keys[i].type == C_LIST || keys[i].type == C_ADDRS)
			((struct config_list *)field(to, &keys[i]))->n = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].type == C_STRING) {
			const char *s = *(char **)field(from, &keys[i]);
			char **d = field(to, &keys[i]);

			if (s && (*d = strdup(s)) == NULL)
				goto fail;
		} else if (keys[i].type == C_LIST || keys[i].type == C_ADDRS) {
			const struct config_list *s = field(from, &keys[i]);
			struct config_list *d = field(to, &keys[i]);

			for (; d->n < s->n; d->n++)
				if ((d->v[d->n] = strdup(s->v[d->n])) == NULL)
					goto fail;
		}
	}
	return 0;
fail:
	config_free(to);
	return -1;
}

/* The bytes a key's field takes in struct config. */
static size_t
field_size(enum ctype t)
{
	switch (t) {
	case C_STRING:
		return sizeof(char *);
	case C_LIST:
	case C_ADDRS:
		return sizeof(struct config_list);
	case C_NUMBER:
		return sizeof(double);
	case C_BYTES:
		return sizeof(size_t);
	default:
		return sizeof(int);
	}
}

static int
same_value(const struct key *k, const void *a, const void *b)
{
	const struct config_list *la = a, *lb = b;
	const char *sa, *sb;

	switch (k->type) {
	case C_STRING:
		sa = *(char *const *)a;
		sb = *(char *const *)b;
		return (sa == NULL && sb == NULL) ||
		    (sa && sb && strcmp(sa, sb) == 0);
	case C_LIST:
	case C_ADDRS:
		if (la->n != lb->n)
			return 0;
		for (size_t i = 0; i < la->n; i++)
			if (strcmp(la->v[i], lb->v[i]) != 0)
				return 0;
		return 1;
	default:
		return memcmp(a, b, field_size(k->type)) == 0;
	}
}

size_t
config_keep_started(struct config *running, struct config *reread,
    void (*changed)(void *ctx, const char *key), void *ctx)
{
	int chrooted = running->chroot;
	unsigned char tmp[sizeof(struct config_list)];
	size_t n = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		void *r = field(running, k), *w = field(reread, k);
		size_t size = field_size(k->type);

		if (!(k->flags & K_START) &&
		    !((k->flags & K_CHROOTED) && chrooted))
			continue;
		/* Inside a chroot the root is "/", whatever the file says. */
		if ((k->flags & K_START) && !same_value(k, r, w)) {
			n++;
			if (changed)
				changed(ctx, k->name);
		}
		memcpy(tmp, w, size);
		memcpy(w, r, size);
		memcpy(r, tmp, size);
	}
	return n;
}

static const struct key *
find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void
list_clear(struct config_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

void
config_clear(struct config *c, const char *key)
{
	const struct key *k = find_key(key);

	if (k && (k->type == C_LIST || k->type == C_ADDRS))
		list_clear(field(c, k));
}

void
config_free(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].type == C_STRING)
			free(*(char **)field(c, &keys[i]));
		else if (keys[i].type == C_LIST || keys[i].type == C_ADDRS)
			list_clear(field(c, &keys[i]));
	}
	memset(c, 0, sizeof(*c));
}

static int
parse_number(const char *v, double min, double max, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (*v == '\0' || *v == ' ' || *end != '\0' || errno ||
	    !(d >= min && d <= max))
		return -1;
	*out = d;
	return 0;
}

/*
 * A size in bytes: a whole number, or one with K, M or G after it
 * (binary: 1K is 1024), as people write sizes.
 */
static int
parse_bytes(const char *v, double max, size_t *out)
{
	static const char units[] = "KMG";
	char *end;
	double d;
	const char *u;

	errno = 0;
	if (*v < '0' || *v > '9')
		return -1;
	d = strtod(v, &end);
	if (errno || end == v)
		return -1;
	if (*end != '\0') {
		if ((u = strchr(units, *end)) == NULL || end[1] != '\0')
			return -1;
		for (long k = u - units; k >= 0; k--)
			d *= 1024;
	}
	/* The range first: a double past it has no long long to compare. */
	if (!(d <= max) || d != (double)(long long)d)
		return -1;
	*out = (size_t)d;
	return 0;
}

static int
set_string(char **slot, const char *value)
{
	char *s = strdup(value);

	if (s == NULL)
		return -1;
	free(*slot);
	*slot = s;
	return 0;
}

int
config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	const struct key *k = find_key(key);
	struct config_list *l;
	struct in6_addr a6;
	double d;
	void *p;

	/* "timeout" is shorthand for the three phases' limits. */
	if (strcmp(key, "timeout") == 0)
		return config_set(c, "handshake_timeout", value, err, errlen) ||
		    config_set(c, "request_timeout", value, err, errlen) ||
		    config_set(c, "write_timeout", value, err, errlen) ? -1 : 0;
	if (k == NULL) {
		snprintf(err, errlen, "unknown key \"%s\"", key);
		return -1;
	}
	p = field(c, k);
	switch (k->type) {
	case C_STRING:
		if (*value == '\0') {
			snprintf(err, errlen, "must not be empty");
			return -1;
		}
		if (set_string(p, value) == -1)
			goto oom;
		return 0;
	case C_ADDRS:
		/* Numeric only: a name would be resolved once, at an unknown
		 * time, to an unknown number of addresses. */
		if (inet_pton(AF_INET, value, &a6) != 1 &&
		    inet_pton(AF_INET6, value, &a6) != 1) {
			snprintf(err, errlen, "\"%s\" is not an IPv4 or IPv6 "
			    "address", value);
			return -1;
		}
		/* FALLTHROUGH */
	case C_LIST:
		l = p;
		if (*value == '\0') {
			snprintf(err, errlen, "must not be empty");
			return -1;
		}
		if (l->n == CONFIG_MAX_LIST) {
			snprintf(err, errlen, "at most %d items", CONFIG_MAX_LIST);
			return -1;
		}
		if ((l->v[l->n] = strdup(value)) == NULL)
			goto oom;
		l->n++;
		return 0;
	case C_PORT:
		if (strcasecmp(value, "off") == 0) {
			*(int *)p = -1;
			return 0;
		}
		/* FALLTHROUGH */
	case C_INT:
		if (parse_number(value, k->min, k->max, &d) == -1 ||
		    d != (double)(long)d) {
			snprintf(err, errlen, "must be a whole number from %.0f "
			    "to %.0f%s", k->min, k->max,
			    k->type == C_PORT ? ", or off" : "");
			return -1;
		}
		*(int *)p = (int)d;
		return 0;
	case C_SECONDS:
		if (parse_number(value, k->min, k->max, &d) == -1) {
			snprintf(err, errlen, "must be seconds, from %g to %g",
			    k->min, k->max);
			return -1;
		}
		*(int *)p = (int)(d * 1000 + 0.5);
		return 0;
	case C_NUMBER:
		if (parse_number(value, k->min, k->max, &d) == -1) {
			snprintf(err, errlen, "must be a number from %g to %g",
			    k->min, k->max);
			return -1;
		}
		*(double *)p = d;
		return 0;
	case C_BOOL:
		if (strcasecmp(value, "true") == 0 || strcasecmp(value, "yes") == 0)
			*(int *)p = 1;
		else if (strcasecmp(value, "false") == 0 ||
		    strcasecmp(value, "no") == 0)
			*(int *)p = 0;
		else {
			snprintf(err, errlen, "must be true or false");
			return -1;
		}
		return 0;
	case C_BYTES:
		if (parse_bytes(value, k->max, p) == -1) {
			snprintf(err, errlen, "must be a whole number of bytes "
			    "(K, M or G after it: 256M), at most 1024G; 0: no "
			    "limit");
			return -1;
		}
		return 0;
	case C_LOG_FORMAT:
		if (strcmp(value, "capsuled") == 0)
			*(int *)p = LOG_FORMAT_CAPSULED;
		else if (strcmp(value, "common") == 0)
			*(int *)p = LOG_FORMAT_COMMON;
		else {
			snprintf(err, errlen, "must be capsuled or common");
			return -1;
		}
		return 0;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
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
	/* "key: ~" (as --dump-config writes an unset key) leaves it unset. */
	if (v->plain && (v->len == 0 || strcmp(v->str, "~") == 0 ||
	    strcmp(v->str, "null") == 0))
		return;
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
		const struct ynode *kn = root->items[i], *v = root->items[i + 1];
		const struct key *k = find_key(kn->str);

		if (k == NULL && strcmp(kn->str, "timeout") == 0) {
			set_node(c, "timeout", v, file, d);
			continue;
		}
		if (k == NULL) {
			diags_add(d, file, kn->line, kn->col,
			    "unknown key \"%s\"", kn->str);
			continue;
		}
		if (k->type == C_LIST || k->type == C_ADDRS) {
			/* The file's list replaces the default one. */
			list_clear(field(c, k));
			if (v->kind == Y_SEQ) {
				for (size_t j = 0; j < v->n; j++)
					set_node(c, k->name, v->items[j], file,
					    d);
				continue;
			}
		}
		set_node(c, k->name, v, file, d);
	}
	ytree_free(root);
	return d->n == before ? 0 : -1;
}

int
config_load(struct config *c, const char *file, struct diags *d)
{
	char *data = NULL, chunk[4096];
	size_t len = 0, n;
	FILE *f;
	int rc;

	if ((f = fopen(file, "r")) == NULL) {
		diags_add(d, file, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *p = len > 1024 * 1024 ? NULL : realloc(data, len + n + 1);

		if (p == NULL) {
			free(data);
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

/* A YAML scalar, double-quoted so any string reads back the same. */
static void
dump_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void
config_dump(const struct config *c, FILE *f)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const void *p = field(c, k);
		const struct config_list *l = p;

		fprintf(f, "%s: ", k->name);
		switch (k->type) {
		case C_STRING:
			if (*(char *const *)p)
				dump_string(f, *(char *const *)p);
			else
				fputs("~", f);
			break;
		case C_LIST:
		case C_ADDRS:
			fputc('[', f);
			for (size_t j = 0; j < l->n; j++) {
				if (j)
					fputs(", ", f);
				dump_string(f, l->v[j]);
			}
			fputc(']', f);
			break;
		case C_PORT:
			if (*(const int *)p == -1) {
				fputs("off", f);
				break;
			}
			/* FALLTHROUGH */
		case C_INT:
			fprintf(f, "%d", *(const int *)p);
			break;
		case C_SECONDS:
			fprintf(f, "%g", *(const int *)p / 1000.0);
			break;
		case C_NUMBER:
			fprintf(f, "%g", *(const double *)p);
			break;
		case C_BOOL:
			fputs(*(const int *)p ? "true" : "false", f);
			break;
		case C_LOG_FORMAT:
			fputs(*(const int *)p == LOG_FORMAT_COMMON ? "common"
								   : "capsuled", f);
			break;
		case C_BYTES:
			fprintf(f, "%zu", *(const size_t *)p);
			break;
		}
		fputc('\n', f);
	}
}
