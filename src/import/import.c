/*
 * import: a Blogger export read with libxml2, one entry at a time in the
 * order of the file, each post written as a file of the content tree.
 */
#include "import/import.h"

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

#include "base/buf.h"
#include "base/date.h"
#include "text/gemwrite.h"
#include "text/html2gemtext.h"
#include "import/postfile.h"
#include "import/safe_write.h"

#define KIND_SCHEME "http://schemas.google.com/g/2005#kind"
#define LABEL_SCHEME "http://www.blogger.com/atom/ns#"
#define SLUG_MAX 80
#define EXISTING_MAX (64 * 1024 * 1024)
#define WAIT_S 10 /* for another import's lock, unless --wait */

static const char usage[] =
    "usage: capsuled import blogger EXPORT.xml DIR [--force] [--wait S]\n"
    "\n"
    "Writes each post of a Blogger export (Settings, Back up content) as\n"
    "DIR/YYYY/MM/SLUG.gmi, its HTML as gemtext. Point DIR at the content\n"
    "tree's posts/ directory. A file changed by hand since it was imported\n"
    "is kept, unless --force. Symbolic links inside DIR are not followed.\n"
    "One import at a time writes to DIR: another waits for it up to S\n"
    "seconds (default 10; 0: not at all), then gives up, writing nothing.\n";

/* What a run did, for the summary. */
struct run {
	const char *file; /* the export, for messages */
	const char *dir;
	int root;         /* dir, open and locked */
	int force, wait_s;
	size_t posts, drafts, written, unchanged, kept, failed;
	size_t comments, pages, settings, templates, trashed, other;
	char **paths;     /* written (or kept) this run: no two posts share */
	size_t npaths, cappaths;
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

/* Labels: the classic scheme, or (2018 form) a category with none. */
static int
read_tags(const xmlNode *entry, struct postfile *p)
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
read_body(const xmlNode *entry, struct postfile *p)
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
read_post(const xmlNode *entry, int modern, struct postfile *p,
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

static const char *
why_not(int e)
{
	return e == ELOOP ? "a symbolic link, not followed" : strerror(e);
}

/*
 * The directory of path (DIR/YYYY/MM/NAME) beneath DIR, made when
 * missing, no link followed on the way; *name its last part. -1 once
 * the problem is told.
 */
static int
post_dir(struct run *r, const xmlNode *entry, const char *path,
    const char **name)
{
	const char *rel = path + strlen(r->dir) + 1;
	char sub[64], bad[64];
	int fd;

	*name = strrchr(rel, '/') + 1;
	snprintf(sub, sizeof(sub), "%.*s", (int)(*name - 1 - rel), rel);
	if ((fd = safe_open_dir(r->root, sub, 1, bad, sizeof(bad))) == -1)
		problem(r, entry, "%s: %s/%s: %s", path, r->dir, bad,
		    why_not(errno));
	return fd;
}

/* One post entry, read and written (or kept). */
static void
import_post(struct run *r, const xmlNode *entry, int modern)
{
	struct postfile p;
	struct date d;
	const char *why, *name;
	char path[4096], *text = NULL, *old = NULL;
	size_t len, oldlen;
	int has, dir = -1;

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
	    (text = postfile_render(&p, &len)) == NULL) {
		problem(r, entry, "out of memory");
		r->failed++;
		goto done;
	}
	if ((dir = post_dir(r, entry, path, &name)) == -1) {
		r->failed++;
		goto done;
	}
	if ((has = safe_read_at(dir, name, EXISTING_MAX, &old, &oldlen)) ==
	    -1) {
		problem(r, entry, "%s: %s", path, why_not(errno));
		r->failed++;
		goto done;
	}
	if (has && oldlen == len && memcmp(old, text, len) == 0) {
		r->unchanged++;
		goto done;
	}
	if (has && !r->force && !postfile_untouched(old, oldlen)) {
		fprintf(stderr, "%s: kept: changed since it was imported "
		    "(--force overwrites it)\n", path);
		r->kept++;
		goto done;
	}
	if (safe_write_at(dir, name, text, len, 0666) == -1) {
		problem(r, entry, "%s: %s", path, strerror(errno));
		r->failed++;
		goto done;
	}
	r->written++;
done:
	if (dir != -1)
		close(dir);
	free(old);
	free(text);
	postfile_free(&p);
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

static void
say_waiting(void *arg)
{
	const struct run *r = arg;

	fprintf(stderr, "%s: another import is writing there; waiting for it "
	    "(up to %d s)\n", r->dir, r->wait_s);
}

/*
 * DIR, made when missing, and locked for this run: two imports at once
 * would each find the other's half-done work (see safe_write.h for how
 * each file is written).
 */
static int
open_target(struct run *r)
{
	if ((r->root = safe_open_root(r->dir, 1)) == -1) {
		fprintf(stderr, "%s: %s\n", r->dir, strerror(errno));
		return -1;
	}
	if (safe_lock(r->root, r->wait_s, say_waiting, r) == -1) {
		if (errno == EWOULDBLOCK)
			fprintf(stderr, "%s: locked by another import (waited %d "
			    "s); nothing written (--wait S waits longer)\n",
			    r->dir, r->wait_s);
		else
			fprintf(stderr, "%s: cannot lock: %s\n", r->dir,
			    strerror(errno));
		close(r->root);
		r->root = -1;
		return -1;
	}
	return 0;
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
	if (open_target(r) == -1) {
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
	r.root = -1;
	r.wait_s = WAIT_S;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			r.force = 1;
		else if (strcmp(argv[i], "--wait") == 0) {
			char *end = NULL;
			long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;

			if (end == NULL || *end != '\0' || end == argv[i + 1] ||
			    v < 0 || v > 86400) {
				fprintf(stderr, "capsuled import: --wait takes "
				    "seconds, 0 to 86400\n%s", usage);
				return 2;
			}
			r.wait_s = (int)v;
			i++;
		}
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
	if (r.root != -1)
		close(r.root); /* and the lock with it */
	for (size_t i = 0; i < r.npaths; i++)
		free(r.paths[i]);
	free(r.paths);
	return rc;
}
