/* content: walk the tree, read every file, build and render a snapshot. */
#include "daemon/content.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text/caps.h"
#include "base/clean.h"
#include "text/frontmatter.h"
#include "text/gemtext.h"
#include "text/markdown.h"
#include "model/finish.h"
#include "model/search.h"
#include "base/utf8.h"
#include "base/ytree.h"

#define FILE_MAX (16 * 1024 * 1024) /* no post is this long */
#define DEPTH_MAX CONTENT_DEPTH_MAX

struct loader {
	struct site *site;
	struct diags *d;
	const atomic_int *cancel; /* non-zero: give up (NULL: never) */
	const char *root;
	size_t max_bytes;  /* of posts and pages (0: no limit) */
	size_t bytes;      /* read so far */
	int over;          /* max_bytes was passed: the load is refused */
};

/* Asked between files and between render steps: a stop cannot wait. */
static int
cancelled(const atomic_int *cancel)
{
	return cancel != NULL && atomic_load(cancel) != 0;
}

/*
 * Counts a file of size bytes against max_content_bytes before it is
 * read: a tree too big to hold is refused as the walk finds it, before
 * more of it is read. 1 when it may be read.
 */
static int
within_max(struct loader *l, const char *path, size_t size)
{
	if (l->over)
		return 0;
	if (l->max_bytes == 0 || size <= l->max_bytes - l->bytes) {
		l->bytes += size;
		return 1;
	}
	l->over = 1;
	diags_add(l->d, l->root, 0, 0, "the posts and pages are larger than "
	    "max_content_bytes (%zu bytes): %zu bytes read, and %s has %zu "
	    "more; the content is not loaded (raise max_content_bytes, or "
	    "set it to 0 for no limit)", l->max_bytes, l->bytes, path, size);
	return 0;
}

/*
 * Reads a regular file below dirfd without following a symbolic link, so
 * nothing outside the tree is read even if the tree changes meanwhile.
 */
static char *
read_at(int dirfd, const char *name, const char *path, size_t *len,
    struct loader *l, struct diags *d)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	ssize_t r;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		diags_add(d, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		diags_add(d, path, 0, 0, "not a regular file");
		goto fail;
	}
	if (st.st_size > FILE_MAX) {
		diags_add(d, path, 0, 0, "file larger than %d bytes", FILE_MAX);
		goto fail;
	}
	if (l != NULL && !within_max(l, path, (size_t)st.st_size))
		goto fail;
	if ((data = malloc((size_t)st.st_size + 1)) == NULL) {
		diags_add(d, path, 0, 0, "out of memory");
		goto fail;
	}
	while (got < (size_t)st.st_size &&
	    (r = read(fd, data + got, (size_t)st.st_size - got)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			diags_add(d, path, 0, 0, "read: %s", strerror(errno));
			goto fail;
		}
		got += (size_t)r;
	}
	data[got] = '\0';
	*len = got;
	close(fd);
	return data;
fail:
	free(data);
	close(fd);
	return NULL;
}

/* The files served: gemtext, and CommonMark made gemtext at load. */
static const char *const suffixes[] = {".gmi", ".md", ".markdown"};

/* The length of name's suffix if it is one of ours, else 0. */
static size_t
suffix_len(const char *name)
{
	size_t n = strlen(name), k;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		k = strlen(suffixes[i]);
		if (n > k && strcmp(name + n - k, suffixes[i]) == 0)
			return k;
	}
	return 0;
}

static int
is_markdown(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".gmi") != 0;
}

/* A slug becomes a path segment in both protocols: keep it plain. */
static int
slug_ok(const char *s)
{
	if (*s == '\0' || *s == '.' || *s == '-' || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
			*s == '.'))
			return 0;
	return 1;
}

/*
 * What caps.h refuses in a body: more than CAPS_LINKS link lines, named at
 * the first one too many (a markdown body's lines are its conversion's:
 * then at the line where the body starts).
 */
static int
links_ok(const char *path, const char *body, size_t len, unsigned body_line,
    int markdown, struct diags *d)
{
	unsigned line, col;
	size_t over = 0;

	if (gemtext_links(body, len, CAPS_LINKS, &over) <= CAPS_LINKS)
		return 1;
	utf8_position(body, over, &line, &col);
	diags_add(d, path, markdown ? body_line : body_line + line - 1, 1,
	    "too many links (at most %d a post or page)", CAPS_LINKS);
	return 0;
}

/*
 * The body into the site's texts: copied, or when it is big, the buffer
 * that holds it (*held: the file read, or a markdown conversion) taken
 * over as it is, so a big post is never twice in memory as it is read.
 * *held is NULL then. NULL on memory.
 */
static const char *
keep_body(struct site *site, char **held, char *text, size_t n)
{
	if (n < POOL_ADOPT_MIN || *held == NULL)
		return site_keep_text(site, text, n);
	if (site_adopt_text(site, *held) == NULL) {
		*held = NULL; /* freed */
		return NULL;
	}
	*held = NULL;
	return text;
}

/*
 * Parses front matter and checks the body; on success hands back the meta
 * and the body as gemtext in the site's texts: the file's, or for markdown
 * its conversion, cleaned of controls (clean.h) once for every renderer.
 * The whole file must be UTF-8. *data is the file, which this may change,
 * or keep (then *data is NULL).
 */
static int
parse_file(const char *path, char **datap, size_t len, int flags,
    int markdown, struct site *site, struct post_meta *meta,
    const char **body, size_t *body_len, struct diags *d)
{
	struct fm_error err;
	struct buf b;
	char *data = *datap, *text, *conv = NULL;
	size_t off, bad, n;
	unsigned line, col, body_line;

	if (!utf8_valid(data, len, &bad)) {
		utf8_position(data, bad, &line, &col);
		diags_add(d, path, line, col, "invalid UTF-8");
		return -1;
	}
	if (frontmatter_parse(data, len, flags, meta, &off, &body_line,
		&err) == -1) {
		diags_add(d, path, err.line, err.col, "%s", err.msg);
		return -1;
	}
	text = data + off;
	n = len - off;
	if (markdown) {
		buf_init(&b);
		if (markdown_to_gemtext(text, n, &b) == -1)
			b.failed = 1;
		n = b.len;
		/* NULL only when the conversion ran out of memory; an empty
		 * conversion gives a buffer of no bytes, read by n only. */
		if ((text = conv = buf_steal(&b, NULL)) == NULL)
			goto oom;
	}
	if (n > 0)
		n = clean_body(text, n);
	if (!links_ok(path, text, n, body_line, markdown, d)) {
		free(conv);
		post_meta_free(meta);
		return -1;
	}
	*body = keep_body(site, markdown ? &conv : datap, text, n);
	*body_len = n;
	free(conv);
	if (*body == NULL)
		goto oom;
	return 0;
oom:
	post_meta_free(meta);
	diags_add(d, path, 0, 0, "out of memory");
	return -1;
}

/* Name without its suffix, checked as a path segment. */
static char *
name_of(const char *file, const char *path, struct diags *d)
{
	char *name = strndup(file, strlen(file) - suffix_len(file));

	if (name != NULL && !slug_ok(name)) {
		diags_add(d, path, 0, 0,
		    "file name must be letters, digits, '-', '_' or '.'");
		free(name);
		return NULL;
	}
	return name;
}

/*
 * Jekyll names a post "2013-08-08-slug.md": the date, when the front
 * matter has none, and the slug. Returns 1 and fills *date if file is
 * named so.
 */
static int
jekyll_name(const char *file, struct date *date)
{
	const char *why;

	return strlen(file) > 11 + suffix_len(file) && file[10] == '-' &&
	    date_parse(file, 10, date, &why) == 0;
}

/*
 * The slug of a markdown post without one in its front matter: Jekyll's
 * name without the date, or for Hugo's "SLUG/index.md" the directory's.
 */
static char *
markdown_slug(const char *file, const char *path, struct diags *d)
{
	struct date date;
	const char *end, *start;
	char *s;

	if (strncmp(file, "index.", 6) == 0) {
		end = strrchr(path, '/');
		for (start = end; start > path && start[-1] != '/'; start--)
			;
		if (end != NULL && end > start &&
		    (s = strndup(start, (size_t)(end - start))) != NULL) {
			if (slug_ok(s))
				return s;
			free(s);
		}
	}
	return name_of(jekyll_name(file, &date) ? file + 11 : file, path, d);
}

/* Reads one post or page file and parses its front matter and body. */
static int
read_entry(struct loader *l, int dirfd, const char *file, const char *path,
    int flags, struct post_meta *meta, const char **body, size_t *body_len)
{
	char *data;
	size_t len;
	int rc;

	if ((data = read_at(dirfd, file, path, &len, l, l->d)) == NULL)
		return -1;
	rc = parse_file(path, &data, len, flags, is_markdown(file), l->site,
	    meta, body, body_len, l->d);
	free(data);
	return rc;
}

static void
load_post(struct loader *l, int dirfd, const char *file, const char *path)
{
	struct post *p;
	int md = is_markdown(file);

	if (md && strncmp(file, "_index.", 7) == 0)
		return; /* Hugo's page of a section, not a post */
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	if (read_entry(l, dirfd, file, path, md ? 0 : FM_NEED_DATE, &p->meta,
		&p->body, &p->body_len) == -1) {
		free(p);
		return;
	}
	if (p->meta.draft)
		goto fail;
	if (!p->meta.has_date) {
		/* Only markdown gets here: a Jekyll name may give the date. */
		if (!jekyll_name(file, &p->meta.date)) {
			diags_add(l->d, path, 1, 1, "missing date");
			goto fail;
		}
		p->meta.has_date = 1;
	}
	if ((p->file = site_keep_text(l->site, path, strlen(path))) == NULL)
		goto fail;
	if (p->meta.slug) {
		if (!slug_ok(p->meta.slug)) {
			diags_add(l->d, path, 1, 1, "slug must be letters, "
			    "digits, '-', '_' or '.'");
			goto fail;
		}
		p->slug = strdup(p->meta.slug);
	} else if ((p->slug = md ? markdown_slug(file, path, l->d)
				 : name_of(file, path, l->d)) == NULL)
		goto fail;
	if (p->slug == NULL)
		goto fail;
	{
		/* Sort by the local date as written (see site.h). */
		struct date local = p->meta.date;

		local.has_offset = 0;
		p->when = date_epoch(&local);
	}
	if (site_add_post(l->site, p) == -1) {
		diags_add(l->d, path, 0, 0, "out of memory");
		goto fail;
	}
	return;
fail:
	post_free(p);
}

static void
load_page(struct loader *l, int dirfd, const char *file, const char *path)
{
	struct page *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	if (read_entry(l, dirfd, file, path, 0, &p->meta, &p->body,
		&p->body_len) == -1) {
		free(p);
		return;
	}
	if (p->meta.draft)
		goto fail;
	if ((p->file = site_keep_text(l->site, path, strlen(path))) == NULL)
		goto fail;
	if ((p->name = name_of(file, path, l->d)) == NULL)
		goto fail;
	if (site_add_page(l->site, p) == -1) {
		diags_add(l->d, path, 0, 0, "out of memory");
		goto fail;
	}
	return;
fail:
	page_free(p);
}

typedef void (*load_fn)(struct loader *, int, const char *, const char *);

/* Sorted names, so messages and ties never depend on the disk's order. */
static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
walk(struct loader *l, int dirfd, const char *dirpath, int depth,
    int recurse, load_fn load)
{
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *dir;
	int fd;

	if ((fd = dup(dirfd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		diags_add(l->d, dirpath, 0, 0, "cannot read: %s",
		    strerror(errno));
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		char **p;

		if (e->d_name[0] == '.')
			continue; /* ".", "..", and hidden files */
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((p = realloc(names, cap * sizeof(*p))) == NULL)
				break;
			names = p;
		}
		if ((names[n] = strdup(e->d_name)) == NULL)
			break;
		n++;
	}
	closedir(dir);
	if (n > 0) /* qsort(NULL, 0) is undefined */
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n && !l->over && !cancelled(l->cancel); i++) {
		char path[4096];
		struct stat st;
		int sub;

		snprintf(path, sizeof(path), "%s/%s", dirpath, names[i]);
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (S_ISLNK(st.st_mode)) {
			diags_add(l->d, path, 0, 0,
			    "symbolic link skipped (only files in the tree "
			    "are served)");
		} else if (S_ISDIR(st.st_mode) && recurse) {
			if (depth >= DEPTH_MAX) {
				diags_add(l->d, path, 0, 0, "too deep");
				continue;
			}
			sub = openat(dirfd, names[i],
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub == -1) {
				diags_add(l->d, path, 0, 0, "cannot open: %s",
				    strerror(errno));
				continue;
			}
			walk(l, sub, path, depth + 1, recurse, load);
			close(sub);
		} else if (S_ISREG(st.st_mode) && suffix_len(names[i]) > 0)
			load(l, dirfd, names[i], path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void
walk_dir(struct loader *l, int rootfd, const char *root, const char *name,
    int recurse, load_fn load)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno != ENOENT)
			diags_add(l->d, path, 0, 0, "cannot open: %s",
			    strerror(errno));
		return;
	}
	walk(l, fd, path, 0, recurse, load);
	close(fd);
}

static int
load_site_info(int rootfd, const char *root, struct site_info *info,
    struct diags *d)
{
	struct yerror err;
	char path[4096], *data;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/site.yaml", root);
	if ((data = read_at(rootfd, "site.yaml", path, &len, NULL, d)) == NULL)
		return -1;
	rc = site_info_parse(data, len, info, &err);
	if (rc == -1)
		diags_add(d, path, err.line, err.col, "%s", err.msg);
	free(data);
	return rc;
}

static void
report_dup(void *ctx, const char *file)
{
	diags_add(ctx, file, 1, 1, "another file is already served at the "
	    "same path; this one is left out");
}

/*
 * Rendering, in two rounds of two threads each: the Gopher side on a
 * thread of its own beside the Gemini side and the search index (on two
 * cores a 10,000-post load takes about a quarter less: 0.85 s -> 0.65 s).
 * Each side fills its own table and only reads the model.
 *
 *   round 1: Gemini posts and pages      | Gopher menus
 *            (then the bodies move into their Gemini pages, and the copies
 *            read from disk go: the load never holds a body twice)
 *   round 2: search index, Gemini indexes | Gopher posts and pages
 */
struct renders {
	struct snapshot *snap;
	const struct render_opts *o;
	const struct gopher_opts *go;
	struct gemini_span *at; /* round 1: where each body went */
	int round;
	int rc;                 /* the Gopher thread's */
	const atomic_int *cancel;
};

static void *
gopher_round(void *arg)
{
	struct renders *r = arg;
	const struct site *s = &r->snap->site;

	r->rc = r->round == 1 ? render_gopher_menus(s, r->go, &r->snap->gopher)
			      : render_gopher_texts(s, r->go, &r->snap->gopher);
	return NULL;
}

static int
gemini_round(struct renders *r)
{
	struct site *s = &r->snap->site;

	if (r->round == 1)
		return render_gemini_texts(s, &r->snap->gemini, r->at);
	/* The index reads the bodies where they now are. */
	return site_index(s) == -1 || cancelled(r->cancel) ||
	    render_gemini_indexes(s, r->o, &r->snap->gemini) == -1 ? -1 : 0;
}

static int
render_round(struct renders *r, int round)
{
	pthread_t t;
	int threaded, rc;

	r->round = round;
	r->rc = -1;
	threaded = pthread_create(&t, NULL, gopher_round, r) == 0;
	rc = gemini_round(r);
	if (threaded)
		pthread_join(t, NULL);
	else
		gopher_round(r);
	return rc == -1 || r->rc == -1 ? -1 : 0;
}

/*
 * Each body now read where its Gemini page holds it (the same bytes but
 * its leading blank lines, which no reader of gemtext sees: clean_body
 * left no lone CR that would make one a line of text), for as long as
 * the snapshot lives; the texts read from disk go back.
 */
static int
move_bodies(struct snapshot *snap, const struct gemini_span *at)
{
	struct site *s = &snap->site;
	char path[512];
	const struct response *r;

	for (size_t i = 0; i < s->nposts + s->npages; i++) {
		const char **body;
		size_t *len;

		if (i < s->nposts) {
			gemini_post_path(path, sizeof(path), s->posts[i]);
			body = &s->posts[i]->body;
			len = &s->posts[i]->body_len;
		} else {
			snprintf(path, sizeof(path), "/%s.gmi",
			    s->pages[i - s->nposts]->name);
			body = &s->pages[i - s->nposts]->body;
			len = &s->pages[i - s->nposts]->body_len;
		}
		if ((r = routes_get(&snap->gemini, path, strlen(path))) ==
		    NULL || at[i].off + at[i].len > r->len)
			return -1;
		*body = r->data + at[i].off;
		*len = at[i].len;
	}
	site_drop_texts(s);
	return 0;
}

static int
render_all(struct snapshot *snap, const struct render_opts *o,
    const struct gopher_opts *go, const atomic_int *cancel)
{
	const struct site *s = &snap->site;
	struct renders r = {snap, o, go, NULL, 0, 0, cancel};
	int rc = -1;

	if ((r.at = calloc(s->nposts + s->npages + 1, sizeof(*r.at))) == NULL)
		return -1;
	if (render_round(&r, 1) == 0 && move_bodies(snap, r.at) == 0 &&
	    !cancelled(cancel) && render_round(&r, 2) == 0)
		rc = 0;
	free(r.at);
	return rc;
}

/*
 * glibc maps an allocation of 128 KiB or more on its own and unmaps it
 * when freed, but after freeing one it raises that threshold to its size
 * (up to 32 MiB): from then on a load's big transient buffers (a file
 * read, a page being rendered, a post's plain text for the index) come
 * from the heap, and what they leave there stays resident until the
 * load's closing malloc_trim. Four posts of 15 MB: 41 MB of such at the
 * peak of a load, on top of the snapshot (docs/PERFORMANCE.md). Fixed at
 * its default, the threshold stays put, and each such buffer goes back
 * to the system as it is freed.
 */
static void
fix_mmap_threshold(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

struct snapshot *
content_load(const char *root, const struct render_opts *o,
    const struct gopher_opts *go, size_t max_bytes, const atomic_int *cancel,
    struct diags *d)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct snapshot *snap;
	struct loader l;
	int rootfd;

	pthread_once(&once, fix_mmap_threshold);

	if ((rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		diags_add(d, root, 0, 0, "cannot open content directory: %s",
		    strerror(errno));
		return NULL;
	}
	if ((snap = snapshot_new()) == NULL) {
		close(rootfd);
		diags_add(d, root, 0, 0, "out of memory");
		return NULL;
	}
	memset(&l, 0, sizeof(l));
	l.site = &snap->site;
	l.d = d;
	l.cancel = cancel;
	l.root = root;
	l.max_bytes = max_bytes;
	if (load_site_info(rootfd, root, &snap->site.info, d) == -1)
		goto fail;
	walk_dir(&l, rootfd, root, "posts", 1, load_post);
	walk_dir(&l, rootfd, root, "pages", 0, load_page);
	close(rootfd);
	rootfd = -1;
	if (l.over)
		goto fail;
	if (cancelled(cancel))
		goto abandon;
	if (site_finish_model(&snap->site, report_dup, d) == -1 ||
	    render_all(snap, o, go, cancel) == -1) {
		if (cancelled(cancel))
			goto abandon;
		goto oom;
	}
	if (cancelled(cancel))
		goto abandon;
	routes_seal(&snap->gemini);
	routes_seal(&snap->gopher);
	/* The load's scratch space goes back to the system. */
	malloc_trim(0);
	return snap;
abandon:
	diags_add(d, root, 0, 0, "load abandoned: the server is stopping");
	goto fail;
oom:
	diags_add(d, root, 0, 0, "out of memory");
fail:
	if (rootfd != -1)
		close(rootfd);
	snapshot_unref(snap);
	return NULL;
}
