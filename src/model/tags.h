/*
 * tags: the posts' tags gathered into the site's tags (pure).
 *
 * Two spellings are one tag when they are equal once Unicode case-folded
 * (u8_casefold, NFC, so composed and decomposed accents agree) with white
 * space and controls made single spaces: "Cuba", "CUBA" and "cuba" are
 * one tag; "Éte" and "Ete" are two. A tag is shown as it was first
 * written, in the oldest post that has it, so a new post never renames
 * it.
 *
 * Its path is /tags/<slug>/. The slug is the folded tag with Latin
 * letters transliterated loosely (accents dropped by NFKD: "Überraschung"
 * is "uberraschung", "Straße" "strasse", "İstanbul" "istanbul"), every
 * run of anything that is not a letter or a digit one "-", and no "-" at
 * either end. A letter of a script with no ASCII form (CJK, Cyrillic,
 * Greek, Hangul…) stays itself and is percent-encoded in UTF-8 ("東京"
 * is "%E6%9D%B1%E4%BA%AC"), so the slug is always ASCII: Gemini clients
 * show it decoded, Gopher clients send it back as it is. A slug is cut at
 * 80 bytes (never inside a character), a tag with no letter or digit at
 * all is "tag", and when two tags would share a slug the one first used
 * keeps it and the other gets "-2" (then "-3", …).
 */
#ifndef CAPSULED_TAGS_H
#define CAPSULED_TAGS_H

#include <stddef.h>

struct site;

#define TAGS_SLUG_MAX 80

/* The key that makes spellings one tag (malloc'd; NULL on memory). */
char *tags_key(const char *tag);

/* The slug of one tag, before any "-2" (malloc'd; NULL on memory). */
char *tags_slug(const char *tag);

/*
 * Percent-decodes a slug (what a Gemini request's path holds once url.c
 * has decoded it): out gets at most n - 1 bytes and a NUL.
 */
void tags_slug_decode(const char *slug, char *out, size_t n);

/*
 * Gathers the tags of s->posts (sorted newest first) into s->tags, sorted
 * for reading (loosely folded names, so "Über" sits with the u's), each
 * with its posts newest first and each post once; sets every post's
 * tag_ids, and its ndistinct and distinct (its tags, each once).
 * Returns 0 or -1 (memory).
 */
int tags_build(struct site *s);

/* Frees s->tags (the posts' tag_ids are freed with the posts). */
void tags_free(struct site *s);

#endif
