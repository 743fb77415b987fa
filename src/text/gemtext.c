/* gemtext: one line of text/gemini at a time, pointers into the source. */
#include "text/gemtext.h"

#include <string.h>

/* Gemtext whitespace is space and TAB only (spec v0.24.1, section 1.3.3). */
static int
gemtext_is_space(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
gemtext_skip_space(const char *p, const char *end)
{
	while (p < end && gemtext_is_space(*p))
		p++;
	return p;
}

static const char *
gemtext_trim_end(const char *start, const char *end)
{
	while (end > start && gemtext_is_space(end[-1]))
		end--;
	return end;
}

/* Content after a line-type prefix: leading and trailing whitespace go. */
static void
gemtext_set_trimmed(struct gemtext_line *line, const char *p, const char *end)
{
	p = gemtext_skip_space(p, end);
	line->text = p;
	line->text_len = (size_t)(gemtext_trim_end(p, end) - p);
}

static int
gemtext_starts(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

/* "=>" [ws] URL [ws label]: a line with no URL is text, kept as written. */
static void
gemtext_link(struct gemtext_line *line, const char *p, const char *end)
{
	const char *u = gemtext_skip_space(p + 2, end), *ue = u;

	while (ue < end && !gemtext_is_space(*ue))
		ue++;
	if (ue == u) {
		line->kind = GT_TEXT;
		line->text = p;
		line->text_len = (size_t)(end - p);
		return;
	}
	line->kind = GT_LINK;
	line->url = u;
	line->url_len = (size_t)(ue - u);
	gemtext_set_trimmed(line, ue, end);
}

void
gemtext_init(struct gemtext_reader *r, const char *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->pre = 0;
}

int
gemtext_next(struct gemtext_reader *r, struct gemtext_line *line)
{
	const char *p, *end, *nl;

	/* Empty input has no lines, and text ending in LF has no empty
	 * line after it: a line exists only if a byte of it does. */
	if (r->off >= r->len)
		return 0;
	p = r->buf + r->off;
	nl = memchr(p, '\n', r->len - r->off);
	if (nl != NULL) {
		end = nl;
		r->off = (size_t)(nl - r->buf) + 1;
	} else {
		end = r->buf + r->len;
		r->off = r->len;
	}
	/* The CR of a CRLF; a last line cut after its CR loses it too. */
	if (end > p && end[-1] == '\r')
		end--;

	memset(line, 0, sizeof(*line));
	line->kind = GT_TEXT;
	line->text = p;
	line->text_len = (size_t)(end - p);

	if (r->pre) {
		if (gemtext_starts(p, end, "```")) {
			/* What follows a closing fence means nothing. */
			r->pre = 0;
			line->kind = GT_PRE_END;
			line->text = end;
			line->text_len = 0;
		} else
			line->kind = GT_PRE;
		return 1;
	}
	if (gemtext_starts(p, end, "```")) {
		r->pre = 1;
		line->kind = GT_PRE_START;
		gemtext_set_trimmed(line, p + 3, end);
	} else if (gemtext_starts(p, end, "=>")) {
		gemtext_link(line, p, end);
	} else if (gemtext_starts(p, end, "###")) {
		line->kind = GT_HEADING3;
		gemtext_set_trimmed(line, p + 3, end);
	} else if (gemtext_starts(p, end, "##")) {
		line->kind = GT_HEADING2;
		gemtext_set_trimmed(line, p + 2, end);
	} else if (gemtext_starts(p, end, "#")) {
		line->kind = GT_HEADING1;
		gemtext_set_trimmed(line, p + 1, end);
	} else if (gemtext_starts(p, end, "* ")) {
		/* The space is part of the marker: "*word" is text. */
		line->kind = GT_LIST;
		gemtext_set_trimmed(line, p + 2, end);
	} else if (gemtext_starts(p, end, ">")) {
		line->kind = GT_QUOTE;
		gemtext_set_trimmed(line, p + 1, end);
	}
	return 1;
}

size_t
gemtext_links(const char *buf, size_t len, size_t max, size_t *over)
{
	struct gemtext_reader r;
	struct gemtext_line line;
	size_t n = 0, at = 0;

	gemtext_init(&r, buf, len);
	while (at = r.off, gemtext_next(&r, &line))
		if (line.kind == GT_LINK && ++n > max) {
			if (over != NULL)
				*over = at;
			break;
		}
	return n;
}
