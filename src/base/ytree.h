/*
 * ytree: a YAML document read with libyaml into a small tree (pure).
 *
 * Front matter, site.yaml and the server config are all small YAML
 * mappings; reading them into one tree with positions lets each reader
 * walk plain structs and report "line:col: message" for any node. Aliases
 * are refused (no "billion laughs"), nesting and size are bounded.
 */
#ifndef CAPSULED_YTREE_H
#define CAPSULED_YTREE_H

#include <stddef.h>

enum ynode_kind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ynode_kind kind;
	unsigned line, col; /* 1-based, in the text given to ytree_parse */
	char *str;          /* Y_SCALAR: the value, NUL-terminated */
	size_t len;         /* Y_SCALAR: length of str */
	int plain;          /* Y_SCALAR: written without quotes */
	struct ynode **items; /* Y_SEQ: items; Y_MAP: key, value, key, ... */
	size_t n;             /* number of pointers in items */
	size_t cap;           /* room in items */
};

struct yerror {
	unsigned line, col;
	char msg[160];
};

/*
 * Parses one YAML document. An empty document yields an empty mapping.
 * Returns NULL and fills err on any error.
 */
struct ynode *ytree_parse(const char *buf, size_t len, struct yerror *err);
void ytree_free(struct ynode *n);

/* The value for key in a mapping, or NULL. */
const struct ynode *ytree_get(const struct ynode *map, const char *key);

/* 1 for a plain scalar true/yes/on, 0 for false/no/off, -1 otherwise. */
int ytree_bool(const struct ynode *n);

/* Parses an integer scalar into *out; 0 on success, -1 if not one. */
int ytree_long(const struct ynode *n, long min, long max, long *out);

/* Shifts every position in the tree by lines (front matter starts late). */
void ytree_shift(struct ynode *n, unsigned lines);

#endif
