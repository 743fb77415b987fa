/*
 * clean: which characters of the content may reach a reader's screen
 * (pure). Every renderer (Gemini pages, the Atom feed, Gopher menus and
 * texts, search snippets) cleans through this one module, so no protocol
 * lets through what another strips.
 *
 * A control is C0 (U+0000 to U+001F), DEL, C1 (U+0080 to U+009F: U+0085
 * ends a line in some clients, U+009B is the 8-bit CSI that starts a
 * terminal escape as ESC [ does) or a Unicode line or paragraph separator
 * (U+2028, U+2029).
 *
 * - Display strings (titles, tags, names, summaries, link labels and
 *   URLs shown as text) are one line: each control becomes a space.
 * - Bodies keep their lines and their TABs: LF, a CR before an LF and TAB
 *   stay; every other C0, DEL and C1 is dropped (the ESC of "ESC [ 2 J",
 *   a lone CR that would overwrite a line, U+009B). The separators stay in
 *   bodies, which are text: the Gopher wrapper makes them spaces.
 *
 * Content was checked as UTF-8 when it was read; invalid bytes are left
 * as they are here (wrap.c turns them into U+FFFD for Gopher).
 */
#ifndef CAPSULED_CLEAN_H
#define CAPSULED_CLEAN_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* 1 when the code point uc is a control as above. */
int clean_is_control(uint32_t uc);

/*
 * The bytes of the control character that s[0..len) starts with (1 for
 * C0 and DEL, 2 for C1, 3 for U+2028 and U+2029), or 0 when it starts
 * with anything else.
 */
size_t clean_control_len(const char *s, size_t len);

/* Appends s[0..len) with each control a space. */
void clean_display(struct buf *out, const char *s, size_t len);

/*
 * Cleans a body in place (it only shrinks): returns its new length. A
 * byte after it is not touched.
 */
size_t clean_body(char *s, size_t len);

#endif
