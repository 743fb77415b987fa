/*
 * frontmatter: the "---" block split off by hand, its YAML read with ytree,
 * and the keys a post knows checked one by one.
 *
 * Every error carries a position in the whole file: ytree counts lines from
 * the start of the YAML text, which is line 2, so its tree is shifted by one
 * line before anything reads it.
 */
#include "text/frontmatter.h"

#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text/caps.h"
#include "base/utf8.h"
#include "base/ytree.h"

/* The keys we read, in the order of the struct; the rest are ignored. */
enum fm_key {
	FM_TITLE, FM_DATE, FM_UPDATED, FM_AUTHOR, FM_LANG, FM_SUMMARY,
	FM_SLUG, FM_SOURCE, FM_TAGS, FM_DRAFT, FM_COMMENTS, FM_NKEYS
};

static const char *const fm_key_names[FM_NKEYS] = {
	"title", "date", "updated", "author", "lang", "summary",
	"slug", "source", "tags", "draft", "comments"
};

#define FM_EXCERPT 48

static const char fm_tags_type[] =
    "tags must be a string or a list of strings";

static int fm_fail(struct fm_error *, unsigned, unsigned, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static int
fm_fail(struct fm_error *err, unsigned line, unsigned col, const char *fmt,
    ...)
{
	va_list ap;

	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A short copy of a scalar for an error message. Control bytes become '?'
 * so that a value cannot forge log lines, and a cut never splits a UTF-8
 * sequence.
 */
static void
fm_excerpt(const struct ynode *n, char out[FM_EXCERPT])
{
	size_t i, o = 0, max = FM_EXCERPT - 4; /* room for "..." and NUL */

	for (i = 0; i < n->len && o < max; i++) {
		unsigned char c = (unsigned char)n->str[i];

		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (i < n->len) {
		while (o > 0 && ((unsigned char)n->str[i] & 0xc0) == 0x80) {
			o--;
			i--;
		}
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* 1 when buf[start..end) is word, allowing a CR before the LF. */
static int
fm_line_is(const char *buf, size_t start, size_t end, const char *word)
{
	size_t n = end - start;

	if (n > 0 && buf[end - 1] == '\r')
		n--;
	return n == strlen(word) && memcmp(buf + start, word, n) == 0;
}

/*
 * Finds the block: the YAML is buf[*yaml_off..*yaml_end), the body starts
 * at *body_off on line *body_line. The closing line is the first that is
 * exactly "---" or "..." (YAML's document end), so no YAML inside the
 * block is ever taken for the end of it.
 */
static int
fm_split(const char *buf, size_t len, size_t *yaml_off, size_t *yaml_end,
    size_t *body_off, unsigned *body_line, struct fm_error *err)
{
	const char *nl;
	size_t start, end;
	unsigned line = 1, eline, ecol;

	nl = len > 0 ? memchr(buf, '\n', len) : NULL;
	end = nl != NULL ? (size_t)(nl - buf) : len;
	if (!fm_line_is(buf, 0, end, "---")) {
		/* Editors on Windows add one; say so, it is invisible. */
		if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
			return fm_fail(err, 1, 1,
			    "byte order mark before the front matter");
		return fm_fail(err, 1, 1,
		    "no front matter (the first line must be \"---\")");
	}
	*yaml_off = start = end + 1;
	while (nl != NULL && start < len) {
		line++;
		nl = memchr(buf + start, '\n', len - start);
		end = nl != NULL ? (size_t)(nl - buf) : len;
		if (fm_line_is(buf, start, end, "---") ||
		    fm_line_is(buf, start, end, "...")) {
			*yaml_end = start;
			*body_off = nl != NULL ? end + 1 : len;
			*body_line = line + 1;
			return 0;
		}
		start = end + 1;
	}
	utf8_position(buf, len, &eline, &ecol);
	return fm_fail(err, eline, ecol,
	    "unterminated front matter (no closing \"---\" line)");
}

/* A plain empty, "~" or "null" scalar: YAML's null, taken as absent. */
static int
fm_is_null(const struct ynode *n)
{
	return n->kind == Y_SCALAR && n->plain &&
	    (n->len == 0 || strcmp(n->str, "~") == 0 ||
	    strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	    strcmp(n->str, "NULL") == 0);
}

static int
fm_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims ASCII white space around p[0..*n); returns the new start. */
static const char *
fm_trim(const char *p, size_t *n)
{
	while (*n > 0 && fm_is_space(p[0])) {
		p++;
		(*n)--;
	}
	while (*n > 0 && fm_is_space(p[*n - 1]))
		(*n)--;
	return p;
}

/*
 * A string value, trimmed: a folded title ("title: >") ends in a newline
 * that no renderer wants. *dst stays NULL for null or blank values. A NUL
 * (the "\0" escape) would silently cut the C string, so it is refused.
 */
static int
fm_string(const struct ynode *v, const char *key, char **dst,
    struct fm_error *err)
{
	const char *p;
	size_t n;

	if (v->kind != Y_SCALAR)
		return fm_fail(err, v->line, v->col, "%s must be a string",
		    key);
	if (memchr(v->str, '\0', v->len) != NULL)
		return fm_fail(err, v->line, v->col,
		    "%s contains a NUL byte", key);
	if (fm_is_null(v))
		return 0;
	n = v->len;
	p = fm_trim(v->str, &n);
	if (n == 0)
		return 0;
	if ((*dst = strndup(p, n)) == NULL)
		return fm_fail(err, v->line, v->col, "out of memory");
	return 0;
}

static int
fm_date(const struct ynode *v, const char *key, struct date *d, int *has,
    struct fm_error *err)
{
	char excerpt[FM_EXCERPT];
	const char *why;

	if (v->kind != Y_SCALAR)
		return fm_fail(err, v->line, v->col, "%s must be a date", key);
	if (fm_is_null(v))
		return 0;
	if (date_parse(v->str, v->len, d, &why) == -1) {
		fm_excerpt(v, excerpt);
		return fm_fail(err, v->line, v->col, "%s: %s %s", key, why,
		    excerpt);
	}
	*has = 1;
	return 0;
}

/*
 * The tags being gathered, with a hash of their spellings folded to ASCII
 * lower case (what strncasecmp compares): each new tag is checked against
 * the others in one probe, not one by one (20,000 tags were 200 million
 * comparisons).
 */
struct fm_tagset {
	size_t cap;       /* room in meta->tags */
	uint32_t *slots;  /* index into meta->tags, plus one; 0 is empty */
	size_t nslots;    /* a power of two, or 0 */
};

static uint64_t
fm_tag_hash(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a, as hash.h */

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		h ^= c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot of p[0..n) among meta's tags: its own, or the empty one. */
static uint32_t *
fm_tag_slot(const struct fm_tagset *ts, const struct post_meta *meta,
    const char *p, size_t n)
{
	size_t mask = ts->nslots - 1, i = fm_tag_hash(p, n) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = ts->slots[i];
		const char *t;

		if (s == 0)
			return &ts->slots[i];
		t = meta->tags[s - 1];
		if (strlen(t) == n && strncasecmp(t, p, n) == 0)
			return &ts->slots[i];
	}
}

/* Keeps the table under half full. 0, or -1 on memory. */
static int
fm_tag_grow(struct fm_tagset *ts, const struct post_meta *meta)
{
	size_t n = ts->nslots ? 2 * ts->nslots : 64;
	uint32_t *old = ts->slots;

	if ((ts->slots = calloc(n, sizeof(*ts->slots))) == NULL) {
		ts->slots = old;
		return -1;
	}
	ts->nslots = n;
	for (size_t i = 0; i < meta->ntags; i++)
		*fm_tag_slot(ts, meta, meta->tags[i], strlen(meta->tags[i])) =
		    (uint32_t)i + 1;
	free(old);
	return 0;
}

/* Adds one tag unless it is blank or already there in another case. */
static int
fm_tag_add(struct post_meta *meta, struct fm_tagset *ts, const char *p,
    size_t n, const struct ynode *v, struct fm_error *err)
{
	uint32_t *slot;
	char *tag;

	p = fm_trim(p, &n);
	if (n == 0)
		return 0;
	if (2 * (meta->ntags + 1) > ts->nslots && fm_tag_grow(ts, meta) == -1)
		return fm_fail(err, v->line, v->col, "out of memory");
	slot = fm_tag_slot(ts, meta, p, n);
	if (*slot != 0)
		return 0;
	if (meta->ntags == CAPS_TAGS)
		return fm_fail(err, v->line, v->col,
		    "too many tags (at most %d a post)", CAPS_TAGS);
	if (meta->ntags == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 8;
		char **tags = realloc(meta->tags, cap * sizeof(*tags));

		if (tags == NULL)
			return fm_fail(err, v->line, v->col, "out of memory");
		meta->tags = tags;
		ts->cap = cap;
	}
	if ((tag = strndup(p, n)) == NULL)
		return fm_fail(err, v->line, v->col, "out of memory");
	meta->tags[meta->ntags++] = tag;
	*slot = (uint32_t)meta->ntags;
	return 0;
}

/* One scalar of tags: the whole value split on commas, or one list item. */
static int
fm_tags_scalar(struct post_meta *meta, struct fm_tagset *ts,
    const struct ynode *v, int split, struct fm_error *err)
{
	const char *p, *comma, *end;

	if (memchr(v->str, '\0', v->len) != NULL)
		return fm_fail(err, v->line, v->col, "tags contain a NUL byte");
	if (fm_is_null(v))
		return 0;
	if (!split)
		return fm_tag_add(meta, ts, v->str, v->len, v, err);
	p = v->str;
	end = v->str + v->len;
	for (;;) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			return fm_tag_add(meta, ts, p, (size_t)(end - p), v,
			    err);
		if (fm_tag_add(meta, ts, p, (size_t)(comma - p), v, err) == -1)
			return -1;
		p = comma + 1;
	}
}

static int
fm_tags_read(struct post_meta *meta, struct fm_tagset *ts,
    const struct ynode *v, struct fm_error *err)
{
	const struct ynode *item;

	if (v->kind == Y_SCALAR)
		return fm_tags_scalar(meta, ts, v, 1, err);
	if (v->kind != Y_SEQ)
		return fm_fail(err, v->line, v->col, "%s", fm_tags_type);
	for (size_t i = 0; i < v->n; i++) {
		item = v->items[i];
		if (item->kind != Y_SCALAR)
			return fm_fail(err, item->line, item->col, "%s",
			    fm_tags_type);
		if (fm_tags_scalar(meta, ts, item, 0, err) == -1)
			return -1;
	}
	return 0;
}

static int
fm_tags(struct post_meta *meta, const struct ynode *v, struct fm_error *err)
{
	struct fm_tagset ts = {0};
	int rc = fm_tags_read(meta, &ts, v, err);
	char **tags;

	free(ts.slots);
	/* The list is kept with the post: at its size, not its room. */
	if (rc == 0 && meta->ntags > 0 && meta->ntags < ts.cap &&
	    (tags = realloc(meta->tags, meta->ntags * sizeof(*tags))) != NULL)
		meta->tags = tags;
	return rc;
}

static int
fm_value(enum fm_key k, const struct ynode *v, struct post_meta *meta,
    struct fm_error *err)
{
	const char *key = fm_key_names[k];
	long l;
	int b;

	switch (k) {
	case FM_TITLE:
		if (fm_string(v, key, &meta->title, err) == -1)
			return -1;
		if (meta->title == NULL)
			return fm_fail(err, v->line, v->col, "empty title");
		if (strlen(meta->title) > CAPS_TITLE_BYTES)
			return fm_fail(err, v->line, v->col,
			    "title longer than %d bytes", CAPS_TITLE_BYTES);
		return 0;
	case FM_DATE:
		return fm_date(v, key, &meta->date, &meta->has_date, err);
	case FM_UPDATED:
		return fm_date(v, key, &meta->updated, &meta->has_updated,
		    err);
	case FM_AUTHOR:
		return fm_string(v, key, &meta->author, err);
	case FM_LANG:
		return fm_string(v, key, &meta->lang, err);
	case FM_SUMMARY:
		return fm_string(v, key, &meta->summary, err);
	case FM_SLUG:
		return fm_string(v, key, &meta->slug, err);
	case FM_SOURCE:
		return fm_string(v, key, &meta->source, err);
	case FM_TAGS:
		return fm_tags(meta, v, err);
	case FM_DRAFT:
		if (fm_is_null(v))
			return 0;
		if ((b = ytree_bool(v)) == -1)
			return fm_fail(err, v->line, v->col,
			    "draft must be true or false");
		meta->draft = b;
		return 0;
	case FM_COMMENTS:
		if (fm_is_null(v))
			return 0;
		if (ytree_long(v, 0, LONG_MAX, &l) == -1)
			return fm_fail(err, v->line, v->col,
			    "comments must be a non-negative integer");
		meta->comments = l;
		return 0;
	case FM_NKEYS:
		break;
	}
	return 0;
}

/*
 * Walks the mapping in file order, so the first error reported is the
 * first in the file. A known key written twice is an error: libyaml lets
 * it through, and silently keeping one of two titles hides a mistake.
 */
static int
fm_read(const struct ynode *root, int flags, struct post_meta *meta,
    struct fm_error *err)
{
	const struct ynode *seen[FM_NKEYS] = {0};
	const struct ynode *key, *v;
	size_t k;

	if (root->kind != Y_MAP)
		return fm_fail(err, root->line, root->col,
		    "front matter must be a mapping of keys to values");
	meta->comments = -1;
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		key = root->items[i];
		v = root->items[i + 1];
		for (k = 0; k < FM_NKEYS; k++)
			if (strcmp(key->str, fm_key_names[k]) == 0)
				break;
		if (k == FM_NKEYS)
			continue;
		if (seen[k] != NULL)
			return fm_fail(err, key->line, key->col,
			    "duplicate key %s", fm_key_names[k]);
		seen[k] = v;
		if (fm_value((enum fm_key)k, v, meta, err) == -1)
			return -1;
	}
	/* A missing key has no node: point at the opening "---". */
	if (seen[FM_TITLE] == NULL)
		return fm_fail(err, 1, 1, "missing title");
	if ((flags & FM_NEED_DATE) && !meta->has_date) {
		if ((v = seen[FM_DATE]) != NULL)
			return fm_fail(err, v->line, v->col, "empty date");
		return fm_fail(err, 1, 1, "missing date");
	}
	return 0;
}

int
frontmatter_parse(const char *buf, size_t len, int flags,
    struct post_meta *meta, size_t *body_off, unsigned *body_line,
    struct fm_error *err)
{
	struct ynode *root;
	struct yerror yerr;
	size_t yaml_off = 0, yaml_end = 0, boff = 0, bad = 0;
	unsigned bline = 0;

	memset(meta, 0, sizeof(*meta));
	memset(err, 0, sizeof(*err));
	*body_off = 0;
	*body_line = 0;
	if (fm_split(buf, len, &yaml_off, &yaml_end, &boff, &bline,
	    err) == -1)
		return -1;
	/*
	 * libyaml refuses bad UTF-8 too, but reports it without a position;
	 * checking first points at the very byte.
	 */
	if (!utf8_valid(buf + yaml_off, yaml_end - yaml_off, &bad)) {
		utf8_position(buf, yaml_off + bad, &err->line, &err->col);
		snprintf(err->msg, sizeof(err->msg), "invalid UTF-8");
		return -1;
	}
	root = ytree_parse(buf + yaml_off, yaml_end - yaml_off, &yerr);
	if (root == NULL)
		return fm_fail(err, yerr.line + 1, yerr.col, "%s", yerr.msg);
	ytree_shift(root, 1);
	if (fm_read(root, flags, meta, err) == -1) {
		ytree_free(root);
		post_meta_free(meta);
		return -1;
	}
	ytree_free(root);
	*body_off = boff;
	*body_line = bline;
	return 0;
}

void
post_meta_free(struct post_meta *meta)
{
	free(meta->title);
	free(meta->author);
	free(meta->lang);
	free(meta->summary);
	free(meta->slug);
	free(meta->source);
	for (size_t i = 0; i < meta->ntags; i++)
		free(meta->tags[i]);
	free(meta->tags);
	memset(meta, 0, sizeof(*meta));
}
