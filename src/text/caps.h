/*
 * caps: what no post needs, refused as the post is read (pure: constants).
 *
 * A post over one of these is reported as "file:line:col: message" and
 * left out like any other bad post; the rest of the site is served. The
 * limits sit far above what real blogs have and below what would make
 * one file cost the whole server's memory:
 *
 * - Tags: real posts have a handful (Blogger's label field holds 200
 *   characters in all; a heavily tagged WordPress post has some tens).
 *   Each distinct tag is a page in both protocols, named in the post's
 *   own pages and listing the post: about 1 KB of snapshot a tag on a
 *   post that has it alone (docs/PERFORMANCE.md), so 25,000 tags are
 *   some 25 MB, from one file of a few hundred kilobytes. 25,000 leaves
 *   room above the 20,000 that the load test serves.
 * - Links: a links roundup has hundreds; every link is a line of the
 *   Gemini page, a "[n]" line and a list entry of the Gopher text and an
 *   item of the post's Gopher links menu (about 0.3 KB in all), so
 *   25,000 links are some 8 MB.
 * - A title is written into every listing of its post: the home page,
 *   its year and month, and each of its tag pages, in both protocols;
 *   a long title times many tags is what would grow without bound (a
 *   16 MB file could hold an 8 MB title and 25,000 tags). Real titles
 *   are a line; 1,024 bytes is 340 characters of CJK, or a paragraph.
 */
#ifndef CAPSULED_CAPS_H
#define CAPSULED_CAPS_H

#define CAPS_TAGS 25000       /* distinct tags of one post */
#define CAPS_LINKS 25000      /* link lines of one post or page */
#define CAPS_TITLE_BYTES 1024 /* bytes of a title, once trimmed */

#endif
