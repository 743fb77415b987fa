/*
 * import: `capsuled import blogger EXPORT.xml DIR [--force]`, a blog
 * brought in from elsewhere as posts of the content tree.
 *
 * Reads a Blogger export (the Atom file of "Back up content": the classic
 * form, whose entries carry a kind category, and the 2018 form, whose
 * entries carry blogger:type and blogger:status) with libxml2, and writes
 * each post as DIR/YYYY/MM/SLUG.gmi: front matter (title, date with its
 * offset, updated, author, labels as tags, the original URL as source,
 * the comment count, draft: true for a draft) and the HTML body as
 * gemtext (html2gemtext). Comments, pages, settings and the template are
 * skipped. YYYY/MM is the date's; the slug is the original URL's (or
 * blogger:filename's), else made from the title.
 *
 * Each file's front matter ends with "import_hash:", the SHA-256 of the
 * file without that line. A second run writes only what changed in the
 * export; a file whose hash no longer matches (edited by hand), or that
 * has none, is kept unless force is given. The output depends on the
 * export alone, so two runs write identical bytes.
 */
#ifndef CAPSULED_IMPORT_H
#define CAPSULED_IMPORT_H

/*
 * argv[0] is "import". Prints problems as "file:line: message" and a
 * summary; returns the exit status: 0, 1 when an entry or a file failed,
 * 2 for a usage error.
 */
int import_main(int argc, char **argv);

#endif
