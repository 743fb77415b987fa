/*
 * import: a Blogger export read with libxml2, one entry at a time in the
 * order of the file, each post written as a file of the content tree.
 */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "buf.h"
#include "date.h"
#include "gemwrite.h"
#include "html2gemtext.h"

#define KIND_SCHEME "http://schemas.google.com/g/2005#kind"
#define LABEL_SCHEME "http://www.blogger.com/atom/ns#"
#define HASH_KEY "import_hash: "
#define HASH_HEX 64
#define SLUG_MAX 80
#define EXISTING_MAX (64 * 1024 * 1024)

static const char usage[] =
    "usage: capsuled import blogger EXPORT.xml DIR [--force]\n"
    "\n"
    "Writes each post of a Blogger export (Settings, Back up content) as\n"
    "DIR/YYYY/MM/SLUG.gmi, its HTML as gemtext. Point DIR at the content\n"
    "tree's posts/ directory. A file changed by hand since it was imported\n"
    "is kept, unless --force.\n";

/* What a run did, for the summary. */
struct run {
	const char *file; /* the export, for messages */
	const char *dir;
	int force;
	size_t posts, drafts, written, unchanged, kept, failed;
	size_t comments, pages, settings, templates, trashed, other;
	char **paths;     /* written (or kept) this run: no two posts share */
	size_t npaths, cappaths;
};

/* One post, read from its entry. */
struct post_in {
	char *title, *date, *updated, *author, *source, *slug;
	char **tags;
	size_t ntags;
	long comments;    /* -1: none given */
	int draft;
	struct buf body;
};

static int
named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The first child element of that local name (any namespace). */
static xmlNode *
child(const xmlNode *parent, const char *name)
{
	for (xmlNode *n = parent->children; n != NULL; n = n->next)
		if (named(n, name))
			return n;
	return NULL;
}

static char *
prop(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static int
prop_is(const xmlNode *n, const char *name, const char *value)
{
	char *v = prop(n, name);
	int eq = v != NULL && strcmp(v, value) == 0;

	xmlFree(v);
	return eq;
}

/*
 * s on one line: white space collapsed and trimmed, control characters
 * dropped. A copy to free(); NULL when nothing is left (or no memory).
 */
static char *
one_line_of(const char *s)
{
	char *out, *o;
	int space = 0;

	if ((out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f' || *p == '\v')
			space = 1;
		else if (*p >= 0x20 && *p != 0x7F) {
			if (space && o > out)
				*o++ = ' ';
			space = 0;
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	if (*out == '\0') {
		free(out);
		return NULL;
	}
	return out;
}

/* The text of a node on one line, or NULL (see one_line_of). */
static char *
one_line(const xmlNode *n)
{
	char *raw, *s;

	if (n == NULL || (raw = (char *)xmlNodeGetContent(n)) == NULL)
		return NULL;
	s = one_line_of(raw);
	xmlFree(raw);
	return s;
}

/*
 * "2013-08-08T13:32:00.001-07:00" as "2013-08-08T13:32:00-07:00": the
 * fraction dropped, the offset kept as written. NULL with *why when the
 * date is not one the loader accepts.
 */
static char *
clean_date(const xmlNode *n, const char **why)
{
	char *s = one_line(n), *p;
	struct date d;

	*why = "missing";
	if (s == NULL)
		return NULL;
	if (strlen(s) > 19 && s[19] == '.') {
		p = s + 20;
		while (*p >= '0' && *p <= '9')
			p++;
		memmove(s + 19, p, strlen(p) + 1);
	}
	if (date_parse(s, strlen(s), &d, why) == -1) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * A slug from s: ASCII letters, digits, '-' and '_' kept (lowercased
 * when from_title), every other run of characters one '-', no '-' at
 * either end, at most SLUG_MAX bytes. NULL when nothing is left.
 */
static char *
slugify(const char *s, size_t len, int from_title)
{
	char *out = malloc(len + 1), *o = out;
	int dash = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len && o - out < SLUG_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c >= 'A' && c <= 'Z') || c == '_' ||
		    (c == '-' && !from_title)) {
			if (dash && o > out)
				*o++ = '-';
			dash = 0;
			if (o - out < SLUG_MAX)
				*o++ = (char)(from_title && c >= 'A' &&
				    c <= 'Z' ? c + 32 : c);
		} else if (c != '\'' || !from_title)
			dash = 1; /* "don't" makes "dont" */
	}
	while (o > out && o[-1] == '-')
		o--;
	*o = '\0';
	if (*out == '\0') {
		free(out);
		return NULL;
	}
	return out;
}

/* The last path segment of a URL or blogger:filename, without ".html". */
static char *
slug_of_url(const char *url)
{
	const char *end, *start;

	end = url + strcspn(url, "?#");
	while (end > url && end[-1] == '/')
		end--;
	start = end;
	while (start > url && start[-1] != '/')
		start--;
	if (end - start > 5 && strncasecmp(end - 5, ".html", 5) == 0)
		end -= 5;
	else if (end - start > 4 && strncasecmp(end - 4, ".htm", 4) == 0)
		end -= 4;
	if (start == end || memchr(start, ':', (size_t)(end - start)))
		return NULL;
	return slugify(start, (size_t)(end - start), 0);
}

/* "tag:blogger.com,1999:blog-1.post-42" gives "post-42". */
static char *
slug_of_id(const xmlNode *entry)
{
	char *id = one_line(child(entry, "id")), *p, *s = NULL;

	if (id != NULL && (p = strstr(id, ".post-")) != NULL)
		s = slugify(p + 1, strlen(p + 1), 0);
	free(id);
	return s;
}

/* "post", "comment", "page", "settings", "template", or NULL. */
static char *
kind_of(const xmlNode *entry, int *modern)
{
	char *term, *hash, *k = NULL;
	xmlNode *t;

	*modern = 0;
	for (xmlNode *n = entry->children; n != NULL; n = n->next) {
		if (!named(n, "category") || !prop_is(n, "scheme", KIND_SCHEME))
			continue;
		if ((term = prop(n, "term")) == NULL)
			continue;
		if ((hash = strrchr(term, '#')) != NULL)
			k = strdup(hash + 1);
		xmlFree(term);
		return k;
	}
	if ((t = child(entry, "type")) != NULL && (k = one_line(t)) != NULL) {
		*modern = 1;
		for (char *p = k; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
	}
	return k;
}

static void
post_in_free(struct post_in *p)
{
	free(p->title);
	free(p->date);
	free(p->updated);
	free(p->author);
	free(p->source);
	free(p->slug);
	for (size_t i = 0; i < p->ntags; i++)
		free(p->tags[i]);
	free(p->tags);
	buf_free(&p->body);
}

/* Labels: the classic scheme, or (2018 form) a category with none. */
static int
read_tags(const xmlNode *entry, struct post_in *p)
{
	for (xmlNode *n = entry->children; n != NULL; n = n->next) {
		char *scheme, *term, *t, **v;
		int label;

		if (!named(n, "category"))
			continue;
		scheme = prop(n, "scheme");
		label = scheme == NULL || strcmp(scheme, LABEL_SCHEME) == 0;
		xmlFree(scheme);
		if (!label || (term = prop(n, "term")) == NULL)
			continue;
		t = one_line_of(term);
		xmlFree(term);
		if (t == NULL)
			continue;
		for (size_t i = 0; i < p->ntags; i++)
			if (strcasecmp(p->tags[i], t) == 0) {
				free(t);
				t = NULL;
				break;
			}
		if (t == NULL)
			continue;
		if ((v = realloc(p->tags, (p->ntags + 1) * sizeof(*v))) == NULL) {
			free(t);
			return -1;
		}
		p->tags = v;
		p->tags[p->ntags++] = t;
	}
	return 0;
}

/* The body: HTML (the usual), or plain text, as gemtext. */
static int
read_body(const xmlNode *entry, struct post_in *p)
{
	xmlNode *c = child(entry, "content");
	char *raw, *type;
	int rc = 0;

	if (c == NULL || (raw = (char *)xmlNodeGetContent(c)) == NULL)
		return 0;
	type = prop(c, "type");
	if (type == NULL || strcmp(type, "html") == 0)
		rc = html2gemtext(raw, strlen(raw), &p->body);
	else {
		/* text (or xhtml, taken as its text): one line per line */
		struct gemwrite w;
		char *line = raw, *nl;

		gemwrite_init(&w, &p->body);
		for (;;) {
			nl = strchr(line, '\n');
			gemwrite_text(&w, line,
			    nl ? (size_t)(nl - line) : strlen(line));
			if (nl == NULL)
				break;
			gemwrite_break(&w);
			line = nl + 1;
		}
		rc = gemwrite_finish(&w);
	}
	xmlFree(type);
	xmlFree(raw);
	return rc;
}

/*
 * Reads a post entry. Returns 0, or -1 with *why set (a static reason,
 * or NULL for out of memory).
 */
static int
read_post(const xmlNode *entry, int modern, struct post_in *p,
    const char **why)
{
	const char *dwhy;
	xmlNode *n, *ctl;
	char *href, *s;

	memset(p, 0, sizeof(*p));
	buf_init(&p->body);
	p->comments = -1;
	*why = NULL;
	if ((p->title = one_line(child(entry, "title"))) == NULL &&
	    (p->title = strdup("(untitled)")) == NULL)
		return -1;
	if ((p->date = clean_date(child(entry, "published"), &dwhy)) == NULL) {
		*why = dwhy;
		return -1;
	}
	p->updated = clean_date(child(entry, "updated"), &dwhy);
	if ((n = child(entry, "author")) != NULL)
		p->author = one_line(child(n, "name"));
	for (n = entry->children; n != NULL; n = n->next)
		if (named(n, "link") && prop_is(n, "rel", "alternate")) {
			href = prop(n, "href");
			if (href != NULL && href[0] != '\0' &&
			    (p->source = strdup(href)) == NULL) {
				xmlFree(href);
				return -1;
			}
			xmlFree(href);
			if (p->source != NULL)
				break;
		}
	if ((s = one_line(child(entry, "total"))) != NULL) {
		char *end;
		long v = strtol(s, &end, 10);

		if (*end == '\0' && end != s && v >= 0)
			p->comments = v;
		free(s);
	}
	if (modern) {
		s = one_line(child(entry, "status"));
		p->draft = s != NULL && strcasecmp(s, "draft") == 0;
		free(s);
	} else if ((ctl = child(entry, "control")) != NULL) {
		s = one_line(child(ctl, "draft"));
		p->draft = s != NULL && strcmp(s, "yes") == 0;
		free(s);
	}
	if ((s = one_line(child(entry, "filename"))) != NULL) {
		p->slug = slug_of_url(s);
		free(s);
	}
	if (p->slug == NULL && p->source != NULL)
		p->slug = slug_of_url(p->source);
	if (p->slug == NULL)
		p->slug = slugify(p->title, strlen(p->title), 1);
	if (p->slug == NULL)
		p->slug = slug_of_id(entry);
	if (p->slug == NULL && (p->slug = strdup("untitled")) == NULL)
		return -1;
	if (read_tags(entry, p) == -1 || read_body(entry, p) == -1)
		return -1;
	return 0;
}

/* A YAML double-quoted scalar: only \, " and what YAML cannot hold raw. */
static void
put_quoted(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_putc(b, '"');
	for (; *p; p++) {
		if (*p == '\\' || *p == '"') {
			buf_putc(b, '\\');
			buf_putc(b, (char)*p);
		} else if (*p < 0x20 || *p == 0x7F)
			buf_printf(b, "\\x%02X", *p);
		else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			buf_printf(b, "\\x%02X", p[1]); /* C1 controls */
			p++;
		} else if (p[0] == 0xE2 && p[1] == 0x80 &&
		    (p[2] == 0xA8 || p[2] == 0xA9)) {
			buf_printf(b, "\\u%04X", 0x2000 + p[2] - 0x80);
			p += 2;
		} else if (p[0] == 0xEF && ((p[1] == 0xBB && p[2] == 0xBF) ||
		    (p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)))) {
			buf_printf(b, "\\u%s", p[1] == 0xBB ? "FEFF"
			    : p[2] == 0xBE ? "FFFE" : "FFFF");
			p += 2;
		} else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
}

static void
hash_hex(const char *data, size_t len, char hex[HASH_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	hex[0] = '\0';
	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 ||
	    n * 2 != HASH_HEX)
		return;
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/*
 * The file of a post: front matter, the hash line last in it, the body.
 * NULL when out of memory.
 */
static char *
render_post(const struct post_in *p, size_t *len)
{
	struct buf b;
	char hex[HASH_HEX + 1], *s;
	size_t head;

	buf_init(&b);
	buf_puts(&b, "---\ntitle: ");
	put_quoted(&b, p->title);
	buf_printf(&b, "\ndate: %s\n", p->date);
	if (p->updated)
		buf_printf(&b, "updated: %s\n", p->updated);
	if (p->author) {
		buf_puts(&b, "author: ");
		put_quoted(&b, p->author);
		buf_putc(&b, '\n');
	}
	if (p->ntags > 0) {
		buf_puts(&b, "tags: [");
		for (size_t i = 0; i < p->ntags; i++) {
			if (i > 0)
				buf_puts(&b, ", ");
			put_quoted(&b, p->tags[i]);
		}
		buf_puts(&b, "]\n");
	}
	if (p->source) {
		buf_puts(&b, "source: ");
		put_quoted(&b, p->source);
		buf_putc(&b, '\n');
	}
	if (p->comments >= 0)
		buf_printf(&b, "comments: %ld\n", p->comments);
	if (p->draft)
		buf_puts(&b, "draft: true\n");
	head = b.len;
	buf_puts(&b, "---\n");
	if (p->body.len > 0)
		buf_add(&b, p->body.data, p->body.len);
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	hash_hex(b.data, b.len, hex);
	/* The hash line goes in before the closing "---". */
	buf_puts(&b, HASH_KEY);
	buf_puts(&b, hex);
	buf_putc(&b, '\n');
	if ((s = buf_steal(&b, len)) == NULL)
		return NULL;
	{
		size_t hl = strlen(HASH_KEY) + HASH_HEX + 1, tail = *len - hl;
		char line[sizeof(HASH_KEY) + HASH_HEX + 1];

		memcpy(line, s + tail, hl);
		memmove(s + head + hl, s + head, tail - head);
		memcpy(s + head, line, hl);
	}
	return s;
}

/*
 * Was data written by import and not changed since? Its front matter
 * holds a hash line, and the rest of the file hashes to it.
 */
static int
untouched(const char *data, size_t len)
{
	size_t off, end, hl = strlen(HASH_KEY);
	char want[HASH_HEX + 1], got[HASH_HEX + 1], *rest;
	int ok;

	if (len < 4 || strncmp(data, "---\n", 4) != 0)
		return 0;
	for (off = 4; off < len; off = end + 1) {
		const char *nl = memchr(data + off, '\n', len - off);

		end = nl ? (size_t)(nl - data) : len;
		if ((end - off == 3 && (strncmp(data + off, "---", 3) == 0 ||
		    strncmp(data + off, "...", 3) == 0)) || nl == NULL)
			return 0; /* the block ended: no hash in it */
		if (end - off == hl + HASH_HEX &&
		    strncmp(data + off, HASH_KEY, hl) == 0)
			break;
	}
	if (off >= len)
		return 0;
	memcpy(want, data + off + hl, HASH_HEX);
	want[HASH_HEX] = '\0';
	if ((rest = malloc(len)) == NULL)
		return 0;
	memcpy(rest, data, off);
	memcpy(rest + off, data + end + 1, len - end - 1);
	hash_hex(rest, len - (end + 1 - off), got);
	ok = strcmp(want, got) == 0;
	free(rest);
	return ok;
}

/* The file at path, if any: 1 and *data, 0 when absent, -1 on error. */
static int
read_existing(const char *path, char **data, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd;

	*data = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > EXISTING_MAX ||
	    (*data = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	while (got < (size_t)st.st_size &&
	    (r = read(fd, *data + got, (size_t)st.st_size - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			free(*data);
			*data = NULL;
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 1;
}

/* mkdir -p of every directory in path before its last '/'. */
static int
make_parents(char *path)
{
	for (char *s = strchr(path + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

/* Written beside it as a hidden file (which the loader skips), renamed. */
static int
write_file(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	const char *base = strrchr(path, '/');
	FILE *f;
	int ok;

	base = base ? base + 1 : path;
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp", (int)(base - path),
		path, base) >= (int)sizeof(tmp))
		return -1;
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	if (fclose(f) != 0 || !ok || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* A path no other post of this run has: "-2", "-3"... when taken. */
static int
claim_path(struct run *r, const struct date *d, const char *slug, char *out,
    size_t size)
{
	char **v;

	for (int k = 1; k < 10000; k++) {
		size_t i;

		if (k == 1)
			snprintf(out, size, "%s/%04d/%02d/%s.gmi", r->dir,
			    d->year, d->month, slug);
		else
			snprintf(out, size, "%s/%04d/%02d/%s-%d.gmi", r->dir,
			    d->year, d->month, slug, k);
		for (i = 0; i < r->npaths && strcmp(r->paths[i], out) != 0; i++)
			;
		if (i < r->npaths)
			continue;
		if (r->npaths == r->cappaths) {
			size_t cap = r->cappaths ? r->cappaths * 2 : 64;

			if ((v = realloc(r->paths, cap * sizeof(*v))) == NULL)
				return -1;
			r->paths = v;
			r->cappaths = cap;
		}
		if ((r->paths[r->npaths] = strdup(out)) == NULL)
			return -1;
		r->npaths++;
		return 0;
	}
	return -1;
}

static void problem(const struct run *, const xmlNode *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* "EXPORT.xml:LINE: message", the line of the entry. */
static void
problem(const struct run *r, const xmlNode *n, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%ld: ", r->file, n ? xmlGetLineNo(n) : 0L);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One post entry, read and written (or kept). */
static void
import_post(struct run *r, const xmlNode *entry, int modern)
{
	struct post_in p;
	struct date d;
	const char *why;
	char path[4096], *text = NULL, *old = NULL;
	size_t len, oldlen;
	int has;

	if (read_post(entry, modern, &p, &why) == -1) {
		if (why != NULL)
			problem(r, entry, "post \"%s\": published date %s, "
			    "left out", p.title ? p.title : "", why);
		else
			problem(r, entry, "out of memory");
		r->failed++;
		goto done;
	}
	r->posts++;
	if (p.draft)
		r->drafts++;
	date_parse(p.date, strlen(p.date), &d, &why);
	if (claim_path(r, &d, p.slug, path, sizeof(path)) == -1 ||
	    (text = render_post(&p, &len)) == NULL) {
		problem(r, entry, "out of memory");
		r->failed++;
		goto done;
	}
	if ((has = read_existing(path, &old, &oldlen)) == -1) {
		problem(r, entry, "%s: %s", path, strerror(errno));
		r->failed++;
		goto done;
	}
	if (has && oldlen == len && memcmp(old, text, len) == 0) {
		r->unchanged++;
		goto done;
	}
	if (has && !r->force && !untouched(old, oldlen)) {
		fprintf(stderr, "%s: kept: changed since it was imported "
		    "(--force overwrites it)\n", path);
		r->kept++;
		goto done;
	}
	if (make_parents(path) == -1 || write_file(path, text, len) == -1) {
		problem(r, entry, "%s: %s", path, strerror(errno));
		r->failed++;
		goto done;
	}
	r->written++;
done:
	free(old);
	free(text);
	post_in_free(&p);
}

static void
count_skipped(struct run *r, const char *kind)
{
	if (kind == NULL)
		r->other++;
	else if (strcmp(kind, "comment") == 0)
		r->comments++;
	else if (strcmp(kind, "page") == 0)
		r->pages++;
	else if (strcmp(kind, "settings") == 0)
		r->settings++;
	else if (strcmp(kind, "template") == 0)
		r->templates++;
	else
		r->other++;
}

static int
import_blogger(struct run *r)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlNode *root;
	size_t entries = 0;

	if (access(r->file, R_OK) == -1) {
		fprintf(stderr, "%s: %s\n", r->file, strerror(errno));
		return 1;
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		fprintf(stderr, "capsuled: out of memory\n");
		return 1;
	}
	doc = xmlCtxtReadFile(ctxt, r->file, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		xmlErrorPtr e = xmlCtxtGetLastError(ctxt);

		if (e != NULL && e->message != NULL)
			fprintf(stderr, "%s:%d: %s", r->file, e->line,
			    e->message);
		else
			fprintf(stderr, "%s: cannot read\n", r->file);
		xmlFreeParserCtxt(ctxt);
		return 1;
	}
	xmlFreeParserCtxt(ctxt);
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !named(root, "feed")) {
		fprintf(stderr, "%s: not an Atom feed (a Blogger export is "
		    "one <feed>)\n", r->file);
		xmlFreeDoc(doc);
		return 1;
	}
	for (xmlNode *n = root->children; n != NULL; n = n->next) {
		char *kind;
		int modern;

		if (!named(n, "entry"))
			continue;
		entries++;
		kind = kind_of(n, &modern);
		if (kind != NULL && strcmp(kind, "post") == 0) {
			char *status = modern ? one_line(child(n, "status"))
					      : NULL;

			if (status != NULL && strcasecmp(status, "live") != 0 &&
			    strcasecmp(status, "draft") != 0)
				r->trashed++; /* SOFT_TRASHED and the like */
			else
				import_post(r, n, modern);
			free(status);
		} else
			count_skipped(r, kind);
		free(kind);
	}
	xmlFreeDoc(doc);
	printf("%s: %zu posts (drafts: %zu); written %zu, unchanged %zu, "
	    "kept %zu\n", r->dir, r->posts, r->drafts, r->written,
	    r->unchanged, r->kept);
	printf("%s: %zu entries; skipped: comments %zu, pages %zu, settings "
	    "%zu, template %zu, trashed %zu, other %zu\n", r->file, entries,
	    r->comments, r->pages, r->settings, r->templates, r->trashed,
	    r->other);
	if (r->failed > 0)
		fprintf(stderr, "%s: %zu posts failed\n", r->file, r->failed);
	return r->failed > 0 ? 1 : 0;
}

int
import_main(int argc, char **argv)
{
	const char *pos[3];
	struct run r;
	int npos = 0, rc;

	memset(&r, 0, sizeof(r));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			r.force = 1;
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "capsuled import: unknown option %s\n%s",
			    argv[i], usage);
			return 2;
		} else if (npos < 3)
			pos[npos++] = argv[i];
		else
			npos = 4;
	}
	if (npos != 3 || strcmp(pos[0], "blogger") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	r.file = pos[1];
	r.dir = pos[2];
	if (strlen(r.dir) > 3000) {
		fprintf(stderr, "capsuled import: %s: path too long\n", r.dir);
		return 2;
	}
	html2gemtext_init();
	rc = import_blogger(&r);
	for (size_t i = 0; i < r.npaths; i++)
		free(r.paths[i]);
	free(r.paths);
	return rc;
}
