/*
 * test_logwrite: whole log lines whatever write(2) does: short writes,
 * EINTR, a full disk or the file size limit midway, with and without a
 * file that can be cut back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/logwrite.h"

/* A script step: write at most n bytes (n > 0), or fail. */
#define ZERO (-1)   /* returns 0 */
#define FULL (-2)   /* -1, ENOSPC */
#define BIG (-3)    /* -1, EFBIG */
#define INTR (-4)   /* -1, EINTR */
#define END 0

/* The fake file. */
static struct {
	char data[4096];
	size_t len;
	const int *script;  /* steps, END-terminated; then all fit */
	int after;          /* once the script is done: 0 fit, else fail */
	int can_cut;        /* unwrite works */
	size_t calls;
	size_t starts[64];  /* file offset where each write began */
	size_t ncalls;
} f;

static ssize_t
fake_write(int fd, const void *p, size_t n)
{
	int step = *f.script != END ? *f.script++ : f.after;
	size_t k = n;

	(void)fd;
	if (f.ncalls < 64)
		f.starts[f.ncalls++] = f.len;
	switch (step) {
	case ZERO:
		return 0;
	case FULL:
		errno = ENOSPC;
		return -1;
	case BIG:
		errno = EFBIG;
		return -1;
	case INTR:
		errno = EINTR;
		return -1;
	}
	if (step > 0 && (size_t)step < k)
		k = (size_t)step;
	assert_true(f.len + k <= sizeof(f.data));
	memcpy(f.data + f.len, p, k);
	f.len += k;
	return (ssize_t)k;
}

static int
fake_unwrite(int fd, size_t n)
{
	(void)fd;
	if (!f.can_cut || n > f.len)
		return -1;
	f.len -= n;
	return 0;
}

static const struct logwrite_ops ops = {fake_write, fake_unwrite};

static void
reset(const int *script, int after, int can_cut)
{
	memset(&f, 0, sizeof(f));
	f.script = script;
	f.after = after;
	f.can_cut = can_cut;
}

static const struct {
	const char *name;
	const char *first, *second;  /* two calls; second may be NULL */
	size_t chunk;
	int script[8];
	int after, can_cut;
	size_t lost1, lost2;
	int err;                     /* of the first call's loss */
	const char *file;            /* what the file holds at the end */
	int torn;
} cases[] = {
	{"all fits", "a\nbb\n", NULL, 4096, {END}, 0, 1, 0, 0, 0, "a\nbb\n",
	    0},
	{"short write, rest retried", "hello\nworld\n", NULL, 4096, {3, 2,
	    END}, 0, 1, 0, 0, 0, "hello\nworld\n", 0},
	{"EINTR retried", "a\n", NULL, 4096, {INTR, INTR, END}, 0, 1, 0, 0, 0,
	    "a\n", 0},
	{"full disk mid-line: cut back", "aaaa\nbbbb\n", "cccc\n", 4096, {7,
	    FULL, END}, 0, 1, 1, 0, ENOSPC, "aaaa\ncccc\n", 0},
	{"file size limit mid-line: cut back", "aaaa\nbbbb\n", "cccc\n", 4096,
	    {7, BIG, END}, 0, 1, 1, 0, EFBIG, "aaaa\ncccc\n", 0},
	{"mid-line, cannot cut: the next starts on a new line", "aaaa\nbbbb\n",
	    "cccc\n", 4096, {7, FULL, END}, 0, 0, 1, 0, ENOSPC,
	    "aaaa\nbb\ncccc\n", 0},
	{"cut line, later lines of the chunk lost too", "aa\nbb\ncc\n", "dd\n",
	    4096, {4, FULL, END}, 0, 1, 2, 0, ENOSPC, "aa\ndd\n", 0},
	{"nothing written: nothing to cut", "aa\nbb\n", "cc\n", 4096, {FULL,
	    END}, 0, 1, 2, 0, ENOSPC, "cc\n", 0},
	{"a write of 0 is an error", "aa\n", "bb\n", 4096, {1, ZERO, END}, 0,
	    1, 1, 0, EIO, "bb\n", 0},
	{"torn, and the newline cannot be written either", "aaaa\n", "bb\n",
	    4096, {2, FULL, FULL, END}, 0, 0, 1, 1, ENOSPC, "aa", 1},
	{"torn, the disk still full: both lost, still torn", "aaaa\n",
	    "bb\ncc\n", 4096, {2, FULL, END}, FULL, 0, 1, 2, ENOSPC, "aa", 1},
	{"chunks cut at line ends", "aaa\nbbb\nccc\n", NULL, 9, {END}, 0, 1, 0,
	    0, 0, "aaa\nbbb\nccc\n", 0},
	{"a line longer than the chunk: one write", "0123456789abc\nd\n", NULL,
	    4, {END}, 0, 1, 0, 0, 0, "0123456789abc\nd\n", 0},
	{"second chunk fails, first stays", "aaa\nbbb\nccc\n", "ddd\n", 8, {8,
	    2, FULL, END}, 0, 1, 1, 0, ENOSPC, "aaa\nbbb\nddd\n", 0},
};

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct logwrite w = {3, 0, &ops};
		size_t lost;
		int err = 0;

		reset(cases[i].script, cases[i].after, cases[i].can_cut);
		lost = logwrite_lines(&w, cases[i].first,
		    strlen(cases[i].first), cases[i].chunk, &err);
		if (lost != cases[i].lost1 || (lost && err != cases[i].err))
			fail_msg("%s: first call lost %zu (errno %d), want %zu "
			    "(%d)", cases[i].name, lost, err, cases[i].lost1,
			    cases[i].err);
		if (cases[i].second) {
			lost = logwrite_lines(&w, cases[i].second,
			    strlen(cases[i].second), cases[i].chunk, &err);
			if (lost != cases[i].lost2)
				fail_msg("%s: second call lost %zu, want %zu",
				    cases[i].name, lost, cases[i].lost2);
		}
		if (f.len != strlen(cases[i].file) ||
		    memcmp(f.data, cases[i].file, f.len) != 0)
			fail_msg("%s: file \"%.*s\", want \"%s\"", cases[i].name,
			    (int)f.len, f.data, cases[i].file);
		if (w.torn != cases[i].torn)
			fail_msg("%s: torn %d", cases[i].name, w.torn);
	}
}

/* Each write of a chunk begins where a line begins (or is a retry). */
static void
test_writes_start_at_lines(void **state)
{
	static const int none[] = {END};
	struct logwrite w = {3, 0, &ops};
	int err;

	(void)state;
	reset(none, 0, 1);
	logwrite_lines(&w, "aaa\nbbb\nccc\nddd\n", 16, 8, &err);
	assert_int_equal(f.ncalls, 2);
	assert_int_equal(f.starts[0], 0);
	assert_int_equal(f.starts[1], 8);
}

static uint32_t seed = 12345;

static uint32_t
rnd(uint32_t n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) % n;
}

/*
 * Any mix of short writes and failures: with cutting, the file is whole
 * input lines in order and no other bytes; without, every line in it is
 * a whole input line or the start of one, never two glued; and the
 * lines lost plus the lines written are the lines given.
 */
static void
test_any_failures(void **state)
{
	(void)state;
	for (int run = 0; run < 3000; run++) {
		int script[8], can_cut = run % 2;
		char in[512], lines[40][16];
		size_t n = 0, nl = 0, lost = 0, whole = 0;
		struct logwrite w = {3, 0, &ops};
		int err;

		for (int i = 0; i < 7; i++) {
			int r = (int)rnd(6);

			script[i] = r == 0 ? FULL : r == 1 ? BIG : r == 2 ? INTR
			    : (int)rnd(20) + 1;
		}
		script[7] = END;
		reset(script, rnd(2) ? 0 : FULL, can_cut);
		for (size_t c = 0; c < 4; c++) {
			size_t start = n, k = rnd(4) + 1;

			for (size_t j = 0; j < k && nl < 40; j++, nl++) {
				size_t len = rnd(10) + 1;

				for (size_t b = 0; b < len; b++)
					lines[nl][b] = (char)('a' + nl % 26);
				lines[nl][len] = '\0';
				n += (size_t)snprintf(in + n, sizeof(in) - n,
				    "%s\n", lines[nl]);
			}
			lost += logwrite_lines(&w, in + start, n - start,
			    rnd(2) ? 8 : 4096, &err);
		}
		/* Walk the file line by line against the input's lines. */
		for (size_t off = 0, li = 0; off < f.len;) {
			const char *e = memchr(f.data + off, '\n', f.len - off);
			size_t len = e ? (size_t)(e - f.data) - off : f.len - off;
			int found = 0;

			for (; li < nl && !found; li++) {
				size_t ll = strlen(lines[li]);

				if (len == ll && memcmp(f.data + off, lines[li],
				    ll) == 0) {
					found = 1;
					whole += e != NULL;
				} else if (!can_cut && len < ll && memcmp(f.data +
				    off, lines[li], len) == 0)
					found = 2;
			}
			if (!found || (found == 1 && e == NULL && can_cut))
				fail_msg("run %d (cut %d): \"%.*s\" is no line "
				    "of the input", run, can_cut, (int)len,
				    f.data + off);
			if (can_cut && found == 2)
				fail_msg("run %d: a fragment stayed", run);
			off += len + (e != NULL);
		}
		if (can_cut && whole + lost != nl)
			fail_msg("run %d: %zu written + %zu lost != %zu lines",
			    run, whole, lost, nl);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_writes_start_at_lines),
		cmocka_unit_test(test_any_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
