/* ytree: libyaml's event stream folded into a bounded tree. */
#include "base/ytree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define YTREE_MAX_DEPTH 32
#define YTREE_MAX_NODES 100000

struct ybuild {
	yaml_parser_t parser;
	struct yerror *err;
	size_t nodes;
};

static void
yerr(struct yerror *err, unsigned line, unsigned col, const char *msg)
{
	err->line = line;
	err->col = col;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

void
ytree_free(struct ynode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n; i++)
		ytree_free(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

static struct ynode *
ynode_new(struct ybuild *b, enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *n;

	if (++b->nodes > YTREE_MAX_NODES) {
		yerr(b->err, m->line + 1, m->column + 1, "document too large");
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		yerr(b->err, m->line + 1, m->column + 1, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = m->line + 1;
	n->col = m->column + 1;
	return n;
}

/* Doubling: a list of 50,000 tags is 16 reallocs, not 50,000. */
static int
ynode_append(struct ybuild *b, struct ynode *parent, struct ynode *child)
{
	struct ynode **p;

	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? 2 * parent->cap : 4;

		if ((p = realloc(parent->items, cap * sizeof(*p))) == NULL) {
			yerr(b->err, child->line, child->col, "out of memory");
			return -1;
		}
		parent->items = p;
		parent->cap = cap;
	}
	parent->items[parent->n++] = child;
	return 0;
}

static int
ybuild_next(struct ybuild *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->parser, ev)) {
		const yaml_mark_t *m = &b->parser.problem_mark;
		char msg[160];

		snprintf(msg, sizeof(msg), "YAML: %s",
		    b->parser.problem ? b->parser.problem : "syntax error");
		yerr(b->err, m->line + 1, m->column + 1, msg);
		return -1;
	}
	return 0;
}

/* Builds the node whose first event is ev (consumed by the caller). */
static struct ynode *
ybuild_node(struct ybuild *b, yaml_event_t *ev, int depth)
{
	struct ynode *n = NULL, *child;
	yaml_event_t sub;
	yaml_event_type_t end;

	if (depth > YTREE_MAX_DEPTH) {
		yerr(b->err, ev->start_mark.line + 1, ev->start_mark.column + 1,
		    "nesting too deep");
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if ((n = ynode_new(b, Y_SCALAR, &ev->start_mark)) == NULL)
			return NULL;
		n->len = ev->data.scalar.length;
		if ((n->str = malloc(n->len + 1)) == NULL) {
			yerr(b->err, n->line, n->col, "out of memory");
			ytree_free(n);
			return NULL;
		}
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return n;
	case YAML_SEQUENCE_START_EVENT:
		n = ynode_new(b, Y_SEQ, &ev->start_mark);
		end = YAML_SEQUENCE_END_EVENT;
		break;
	case YAML_MAPPING_START_EVENT:
		n = ynode_new(b, Y_MAP, &ev->start_mark);
		end = YAML_MAPPING_END_EVENT;
		break;
	case YAML_ALIAS_EVENT:
		yerr(b->err, ev->start_mark.line + 1, ev->start_mark.column + 1,
		    "YAML aliases are not supported");
		return NULL;
	default:
		yerr(b->err, ev->start_mark.line + 1, ev->start_mark.column + 1,
		    "unexpected YAML event");
		return NULL;
	}
	if (n == NULL)
		return NULL;
	for (;;) {
		if (ybuild_next(b, &sub) == -1)
			goto fail;
		if (sub.type == end) {
			yaml_event_delete(&sub);
			break;
		}
		child = ybuild_node(b, &sub, depth + 1);
		yaml_event_delete(&sub);
		if (child == NULL)
			goto fail;
		if (n->kind == Y_MAP && n->n % 2 == 0 &&
		    child->kind != Y_SCALAR) {
			yerr(b->err, child->line, child->col,
			    "mapping keys must be plain values");
			ytree_free(child);
			goto fail;
		}
		if (ynode_append(b, n, child) == -1) {
			ytree_free(child);
			goto fail;
		}
	}
	return n;
fail:
	ytree_free(n);
	return NULL;
}

struct ynode *
ytree_parse(const char *buf, size_t len, struct yerror *err)
{
	struct ybuild b = {.err = err};
	struct ynode *root = NULL;
	yaml_event_t ev;
	int done = 0;

	memset(err, 0, sizeof(*err));
	if (!yaml_parser_initialize(&b.parser)) {
		yerr(err, 1, 1, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)buf, len);
	while (!done) {
		if (ybuild_next(&b, &ev) == -1)
			goto fail;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			if (root != NULL) {
				yerr(err, ev.start_mark.line + 1,
				    ev.start_mark.column + 1,
				    "only one YAML document is allowed");
				yaml_event_delete(&ev);
				goto fail;
			}
			root = ybuild_node(&b, &ev, 0);
			if (root == NULL) {
				yaml_event_delete(&ev);
				goto fail;
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&b.parser);
	if (root == NULL) {
		yaml_mark_t m = {0};
		root = ynode_new(&b, Y_MAP, &m);
	}
	return root;
fail:
	yaml_parser_delete(&b.parser);
	ytree_free(root);
	return NULL;
}

const struct ynode *
ytree_get(const struct ynode *map, const char *key)
{
	if (map == NULL || map->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (strcmp(map->items[i]->str, key) == 0)
			return map->items[i + 1];
	return NULL;
}

int
ytree_bool(const struct ynode *n)
{
	static const char *yes[] = {"true", "yes", "on"};
	static const char *no[] = {"false", "no", "off"};

	if (n == NULL || n->kind != Y_SCALAR || !n->plain)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(n->str, yes[i]) == 0)
			return 1;
		if (strcasecmp(n->str, no[i]) == 0)
			return 0;
	}
	return -1;
}

int
ytree_long(const struct ynode *n, long min, long max, long *out)
{
	char *end;
	long v;

	if (n == NULL || n->kind != Y_SCALAR || n->len == 0)
		return -1;
	errno = 0;
	v = strtol(n->str, &end, 10);
	if (errno || *end != '\0' || n->str[0] == ' ' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void
ytree_shift(struct ynode *n, unsigned lines)
{
	if (n == NULL)
		return;
	n->line += lines;
	for (size_t i = 0; i < n->n; i++)
		ytree_shift(n->items[i], lines);
}
