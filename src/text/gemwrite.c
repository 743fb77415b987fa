/*
 * gemwrite: the line being built is kept apart from the output until a
 * block boundary ends it, because only then is its prefix known for sure
 * (a heading, an item's first line, a quotation). Links wait in a list of
 * their own until the block at top level ends.
 */
#include "text/gemwrite.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NEST_SHOWN 8 /* "› " and "> " markers shown at most */

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/*
 * The code point at s (len > 0), strictly decoded; *cp is -1 for a byte
 * that starts no well-formed sequence. Returns the bytes it took (1 for a
 * bad byte).
 */
static size_t
next_cp(const unsigned char *s, size_t len, int32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = (int32_t)c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		*cp = -1;
		return 1;
	}
	if (len < n) {
		*cp = -1;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = -1;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = -1;
		return 1;
	}
	*cp = (int32_t)c;
	return n;
}

/* White space that collapses: HTML's, and no-break and line separators. */
static int
is_space(int32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v' || c == 0xA0 || c == 0x2028 || c == 0x2029;
}

/* Characters no line of ours carries: C0 and C1 controls, DEL, BOM. */
static int
is_control(int32_t c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) ||
	    c == 0xFEFF;
}

/*
 * Appends inline text to b with white space collapsed: *space is a space
 * owed before the next character, *cell (may be NULL) a " | " owed.
 * Nothing is owed at the start of b.
 */
static void
add_inline(struct buf *b, int *space, int *cell, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	int32_t c;

	while (i < len) {
		n = next_cp(p + i, len - i, &c);
		if (c >= 0 && is_space(c)) {
			*space = 1;
		} else if (c < 0 || !is_control(c)) {
			if (b->len > 0) {
				if (cell != NULL && *cell)
					buf_puts(b, " | ");
				else if (*space)
					buf_putc(b, ' ');
			}
			if (cell != NULL)
				*cell = 0;
			*space = 0;
			if (c < 0)
				buf_puts(b, replacement);
			else
				buf_add(b, p + i, n);
		}
		i += n;
	}
}

/* A string's inline form: collapsed, trimmed; NULL when out of memory. */
static char *
inline_copy(const char *s)
{
	struct buf b;
	int space = 0;

	buf_init(&b);
	if (s != NULL)
		add_inline(&b, &space, NULL, s, strlen(s));
	buf_putc(&b, '\0');
	return buf_steal(&b, NULL);
}

/*
 * A URL fit for a link line, or NULL: trimmed; empty, fragment-only and
 * script or data URLs refused; white space, controls and bytes that are
 * not UTF-8 percent-encoded, so the URL is one word.
 */
static char *
clean_url(const char *url, int *oom)
{
	static const char *const refused[] = {"javascript", "data", "vbscript"};
	const unsigned char *p = (const unsigned char *)url;
	size_t len, i, n;
	struct buf b;
	char *s;
	int32_t c;

	if (url == NULL)
		return NULL;
	len = strlen(url);
	while (len > 0 && p[len - 1] <= 0x20)
		len--;
	while (len > 0 && *p <= 0x20) {
		p++;
		len--;
	}
	if (len == 0 || *p == '#')
		return NULL;
	for (i = 0; i < len && p[i] != ':' && p[i] != '/' && p[i] != '?' &&
	     p[i] != '#'; i++)
		;
	if (i < len && p[i] == ':')
		for (size_t k = 0; k < sizeof(refused) / sizeof(*refused); k++)
			if (strlen(refused[k]) == i &&
			    strncasecmp((const char *)p, refused[k], i) == 0)
				return NULL;
	buf_init(&b);
	for (i = 0; i < len; i += n) {
		n = next_cp(p + i, len - i, &c);
		if (c < 0 || c <= 0x20 || is_control(c) || is_space(c)) {
			for (size_t k = 0; k < n; k++)
				buf_printf(&b, "%%%02X", p[i + k]);
		} else
			buf_add(&b, p + i, n);
	}
	buf_putc(&b, '\0');
	if ((s = buf_steal(&b, NULL)) == NULL)
		*oom = 1;
	return s;
}

void
gemwrite_init(struct gemwrite *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	buf_init(&w->line);
	buf_init(&w->label);
	w->item_number = -1;
}

static int
top(const struct gemwrite *w)
{
	return w->list == 0 && w->quote == 0;
}

/* One whole line to the output, after the blank line owed, if any. */
static void
write_line(struct gemwrite *w, const char *s, size_t n)
{
	if (w->blank && w->lines > 0 && !w->last_blank)
		buf_putc(w->out, '\n');
	w->blank = 0;
	buf_add(w->out, s, n);
	buf_putc(w->out, '\n');
	w->lines++;
	w->last_blank = 0;
}

/* Would a text line starting with s be read as another line type? */
static int
looks_typed(const char *s, size_t n)
{
	return (n >= 2 && s[0] == '=' && s[1] == '>') || s[0] == '#' ||
	    s[0] == '>' || (n >= 3 && strncmp(s, "```", 3) == 0) ||
	    (n >= 2 && s[0] == '*' && s[1] == ' ');
}

/* Writes the line being built, with the prefix its context gives it. */
static void
end_line(struct gemwrite *w)
{
	struct buf l;

	w->space = 0;
	w->cell = 0;
	if (w->line.len == 0)
		return;
	buf_init(&l);
	if (w->heading > 0 && top(w)) {
		buf_add(&l, "###", (size_t)w->heading);
		buf_putc(&l, ' ');
	} else {
		for (int i = 0; i < w->quote && i < NEST_SHOWN; i++)
			buf_puts(&l, "> ");
		if (w->list > 0) {
			buf_puts(&l, "* ");
			for (int i = 1; i < w->list && i <= NEST_SHOWN; i++)
				buf_puts(&l, "\xE2\x80\xBA "); /* "› " */
			if (w->item_first && w->item_number >= 0)
				buf_printf(&l, "%ld. ", w->item_number);
		} else if (w->quote == 0 &&
		    looks_typed(w->line.data, w->line.len))
			buf_putc(&l, ' ');
	}
	w->item_first = 0;
	buf_add(&l, w->line.data, w->line.len);
	if (l.failed)
		w->failed = 1;
	else
		write_line(w, l.data, l.len);
	buf_free(&l);
	w->line.len = 0;
}

static void
free_links(struct gemwrite *w)
{
	for (size_t i = 0; i < w->nlinks; i++) {
		free(w->links[i].url);
		free(w->links[i].label);
	}
	w->nlinks = 0;
}

/* The links of the block just ended, at top level only. */
static void
flush_links(struct gemwrite *w)
{
	struct buf l;

	if (!top(w))
		return;
	for (size_t i = 0; i < w->nlinks; i++) {
		buf_init(&l);
		buf_printf(&l, "=> %s", w->links[i].url);
		if (w->links[i].label[0] != '\0')
			buf_printf(&l, " %s", w->links[i].label);
		if (l.failed)
			w->failed = 1;
		else
			write_line(w, l.data, l.len);
		buf_free(&l);
	}
	free_links(w);
}

/* Ends the line; a paragraph also ends the block at top level. */
static void
boundary(struct gemwrite *w, int para)
{
	end_line(w);
	if (para && top(w)) {
		flush_links(w);
		w->blank = 1;
	}
}

/*
 * Adds a pending line (url already clean and owned: freed here if not
 * kept). Returns 1 if added, 0 for a duplicate or a failure.
 */
static int
add_link(struct gemwrite *w, char *url, const char *label)
{
	struct gemwrite_link *p;
	char *l;

	if ((l = inline_copy(label)) == NULL) {
		w->failed = 1;
		free(url);
		return 0;
	}
	if (strcmp(l, url) == 0)
		l[0] = '\0';
	for (size_t i = 0; i < w->nlinks; i++)
		if (strcmp(w->links[i].url, url) == 0 &&
		    strcmp(w->links[i].label, l) == 0) {
			free(url);
			free(l);
			return 0;
		}
	if (w->nlinks == w->caplinks) {
		size_t cap = w->caplinks ? w->caplinks * 2 : 8;

		if ((p = realloc(w->links, cap * sizeof(*p))) == NULL) {
			w->failed = 1;
			free(url);
			free(l);
			return 0;
		}
		w->links = p;
		w->caplinks = cap;
	}
	w->links[w->nlinks].url = url;
	w->links[w->nlinks].label = l;
	w->nlinks++;
	return 1;
}

void
gemwrite_text(struct gemwrite *w, const char *s, size_t len)
{
	add_inline(&w->line, &w->space, &w->cell, s, len);
	if (w->link > 0)
		add_inline(&w->label, &w->label_space, NULL, s, len);
}

void
gemwrite_break(struct gemwrite *w)
{
	if (w->heading > 0 || w->list > 0) {
		w->space = 1;
		w->label_space = 1;
	} else if (w->line.len > 0)
		end_line(w);
	else if (top(w)) {
		flush_links(w);
		w->blank = 1;
	}
}

void
gemwrite_para(struct gemwrite *w)
{
	boundary(w, 1);
}

void
gemwrite_line(struct gemwrite *w)
{
	boundary(w, 0);
}

void
gemwrite_cell(struct gemwrite *w)
{
	if (w->line.len > 0)
		w->cell = 1;
	w->label_space = 1;
}

void
gemwrite_heading(struct gemwrite *w, int level)
{
	boundary(w, 1);
	w->heading = level < 1 ? 1 : level > 3 ? 3 : level;
}

void
gemwrite_heading_end(struct gemwrite *w)
{
	boundary(w, 1);
	w->heading = 0;
}

void
gemwrite_list(struct gemwrite *w, int ordered, long start)
{
	boundary(w, 1);
	if (w->list < GEMWRITE_LIST_MAX) {
		w->ordered[w->list] = ordered;
		w->number[w->list] = start;
	}
	w->list++;
}

void
gemwrite_list_end(struct gemwrite *w)
{
	end_line(w);
	if (w->list > 0)
		w->list--;
	w->item_first = 0;
	boundary(w, 1);
}

void
gemwrite_item(struct gemwrite *w)
{
	int d = w->list - 1;

	end_line(w);
	if (w->list == 0)
		return;
	w->item_first = 1;
	w->item_number = -1;
	if (d < GEMWRITE_LIST_MAX && w->ordered[d]) {
		w->item_number = w->number[d];
		if (w->number[d] < 999999999)
			w->number[d]++;
	}
}

void
gemwrite_item_end(struct gemwrite *w)
{
	end_line(w);
	w->item_first = 0;
}

void
gemwrite_quote(struct gemwrite *w)
{
	boundary(w, 1);
	w->quote++;
}

void
gemwrite_quote_end(struct gemwrite *w)
{
	end_line(w);
	if (w->quote > 0)
		w->quote--;
	boundary(w, 1);
}

void
gemwrite_rule(struct gemwrite *w)
{
	boundary(w, 1);
	buf_puts(&w->line, "---");
	boundary(w, 1);
}

/* Is line [s, s+n) empty or only spaces, tabs and ASCII controls? */
static int
blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] > 0x20 && s[i] != 0x7F)
			return 0;
	return 1;
}

/* Next line of a block: *n its length, the return value where it ends. */
static size_t
pre_line(const char *text, size_t len, size_t off, size_t *n)
{
	size_t e = off;

	while (e < len && text[e] != '\n' && text[e] != '\r')
		e++;
	*n = e - off;
	if (e < len && text[e] == '\r' && e + 1 < len && text[e + 1] == '\n')
		return e + 2;
	return e < len ? e + 1 : e;
}

void
gemwrite_pre(struct gemwrite *w, const char *alt, const char *text,
    size_t len)
{
	size_t off, n, first, last, next;
	struct buf l;
	char *a;

	/* The first and last lines that are not blank. */
	first = len;
	last = 0;
	for (off = 0; off < len; off = next) {
		next = pre_line(text, len, off, &n);
		if (!blank_line(text + off, n)) {
			if (first == len)
				first = off;
			last = next;
		}
	}
	if (first == len)
		return;
	boundary(w, 1);
	if ((a = inline_copy(alt)) == NULL) {
		w->failed = 1;
		return;
	}
	buf_init(&l);
	buf_puts(&l, "```");
	buf_puts(&l, a);
	free(a);
	if (l.failed) {
		w->failed = 1;
		buf_free(&l);
		return;
	}
	write_line(w, l.data, l.len);
	for (off = first; off < last; off = next) {
		const unsigned char *p = (const unsigned char *)text + off;
		size_t i, k, skip;
		int32_t c;

		next = pre_line(text, len, off, &n);
		l.len = 0;
		buf_putc(&l, ' '); /* dropped below unless the line needs it */
		for (i = 0; i < n; i += k) {
			k = next_cp(p + i, n - i, &c);
			if (c < 0)
				buf_puts(&l, replacement);
			else if (c == '\t' || !is_control(c))
				buf_add(&l, p + i, k);
		}
		/* A line that would close the block is shifted by a space. */
		skip = !(l.len >= 4 && strncmp(l.data + 1, "```", 3) == 0);
		if (l.failed)
			w->failed = 1;
		else
			write_line(w, l.data + skip, l.len - skip);
	}
	write_line(w, "```", 3);
	buf_free(&l);
}

void
gemwrite_link(struct gemwrite *w, const char *url)
{
	int oom = 0;

	if (w->link++ > 0)
		return;
	w->link_url = clean_url(url, &oom);
	if (oom)
		w->failed = 1;
	w->label.len = 0;
	w->label_space = 0;
	w->link_first = w->nlinks;
	w->link_images = 0;
	w->link_alt = NULL;
}

void
gemwrite_link_end(struct gemwrite *w)
{
	const char *label;

	if (w->link == 0 || --w->link > 0)
		return;
	buf_putc(&w->label, '\0');
	label = w->label.failed ? "" : w->label.data;
	if (w->link_url == NULL)
		;
	else if (label[0] == '\0' && w->link_images == 1 &&
	    w->nlinks == w->link_first + 1) {
		/* A linked image: one line, to where the link leads. */
		free(w->links[w->link_first].url);
		w->links[w->link_first].url = w->link_url;
		w->link_url = NULL;
	} else if (label[0] == '\0' && w->link_alt != NULL)
		add_link(w, w->link_url, w->link_alt);
	else
		add_link(w, w->link_url, label);
	if (w->label.failed)
		w->failed = 1;
	w->link_url = NULL; /* freed or kept by add_link */
	free(w->link_alt);
	w->link_alt = NULL;
	w->label.len = 0;
}

void
gemwrite_image(struct gemwrite *w, const char *src, const char *alt)
{
	char *url, *a;
	int oom = 0;

	if ((a = inline_copy(alt)) == NULL) {
		w->failed = 1;
		return;
	}
	if (w->link > 0 && w->link_alt == NULL && a[0] != '\0') {
		w->link_alt = a;
		a = NULL;
	}
	url = clean_url(src, &oom);
	if (oom)
		w->failed = 1;
	if (url != NULL) {
		const char *label = a != NULL ? a : w->link_alt;

		if (add_link(w, url, label[0] != '\0' ? label : "Image") &&
		    w->link > 0)
			w->link_images++;
	}
	free(a);
}

void
gemwrite_link_line(struct gemwrite *w, const char *url, const char *label)
{
	char *u;
	int oom = 0;

	if ((u = clean_url(url, &oom)) != NULL)
		add_link(w, u, label != NULL ? label : "");
	if (oom)
		w->failed = 1;
}

int
gemwrite_finish(struct gemwrite *w)
{
	int failed;

	end_line(w);
	while (w->link > 0)
		gemwrite_link_end(w);
	w->heading = 0;
	w->list = 0;
	w->quote = 0;
	flush_links(w);
	failed = w->failed || w->line.failed || w->out->failed;
	free_links(w);
	free(w->links);
	free(w->link_url);
	free(w->link_alt);
	buf_free(&w->line);
	buf_free(&w->label);
	memset(w, 0, sizeof(*w));
	return failed ? -1 : 0;
}
