/* postfile: an imported post's file, and whether it is still as written. */
#include "import/postfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define HASH_KEY "import_hash: "
#define HASH_HEX 64

void
postfile_free(struct postfile *p)
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
char *
postfile_render(const struct postfile *p, size_t *len)
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
int
postfile_untouched(const char *data, size_t len)
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
