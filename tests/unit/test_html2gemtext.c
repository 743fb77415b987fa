/*
 * test_html2gemtext: HTML fragments (as Blogger keeps a post's body) and
 * the gemtext each must become, one table row per fragment. Every failing
 * row is printed with what it gave.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "text/html2gemtext.h"
#include "base/utf8.h"

struct h2g_case {
	const char *html;
	const char *want;
};

static const struct h2g_case h2g_cases[] = {
    /* nothing in, nothing out */
    {"", ""},
    {"   \n\t ", ""},
    {"<p></p><div></div><p>&nbsp;</p>", ""},
    {"<!-- a comment -->", ""},

    /* paragraphs: a blank line between, none at either end */
    {"<p>One.</p><p>Two.</p>", "One.\n\nTwo.\n"},
    {"plain text", "plain text\n"},
    {"<p>a</p>\n\n\n<p>b</p>", "a\n\nb\n"},
    /* white space collapses, no-break spaces too */
    {"<p>  a \n\t b&nbsp;&nbsp;c  </p>", "a b c\n"},
    {"<p><b>bold</b><i>italic</i> <u>and</u></p>", "bolditalic and\n"},

    /* <br>: a line end; two of them, a paragraph break */
    {"<p>a<br>b<br/>c</p>", "a\nb\nc\n"},
    {"<p>a<br><br>b</p>", "a\n\nb\n"},
    {"<p>a<br><br><br><br>b</p>", "a\n\nb\n"},
    {"<br><br>a<br>", "a\n"},

    /* <div>s are lines; Blogger's <div><br></div> a blank line */
    {"<div>a</div><div>b</div>", "a\nb\n"},
    {"<div>a</div><div><br></div><div>b</div>", "a\n\nb\n"},
    {"<div>a<br></div><div>b</div>", "a\nb\n"},
    {"<div><div><div>deep</div></div></div>", "deep\n"},

    /* entities */
    {"<p>&amp; &lt;b&gt; &quot;q&quot; &#39;s&#39; &eacute; &#x263A; "
     "&hellip; &euro;</p>",
     "& <b> \"q\" 's' \xC3\xA9 \xE2\x98\xBA \xE2\x80\xA6 \xE2\x82\xAC\n"},
    /* an unknown entity is text, and so is one without its ';' */
    {"<p>&nosuch; &amp</p>", "&nosuch; &amp\n"},

    /* headings: h4-h6 as level 3 */
    {"<h1>One</h1><h2>Two</h2><h3>Three</h3><h4>Four</h4><h6>Six</h6>",
     "# One\n\n## Two\n\n### Three\n\n### Four\n\n### Six\n"},
    {"<p>before</p><h2>Head <em>ing</em></h2>after",
     "before\n\n## Head ing\n\nafter\n"},
    {"<h2>a<br>b</h2>", "## a b\n"},
    {"<h2></h2><p>x</p>", "x\n"},

    /* lists */
    {"<ul><li>a</li><li>b</li></ul>", "* a\n* b\n"},
    {"<p>x</p><ul><li>a</li></ul><p>y</p>", "x\n\n* a\n\ny\n"},
    {"<ol><li>a</li><li>b</li></ol>", "* 1. a\n* 2. b\n"},
    {"<ol start=\"7\"><li>a</li><li>b</li></ol>", "* 7. a\n* 8. b\n"},
    {"<ol start=\"x\"><li>a</li></ol>", "* 1. a\n"},
    /* nesting flattened: one marker a level */
    {"<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li><li>d</li></ul>",
     "* a\n* \xE2\x80\xBA b\n* \xE2\x80\xBA \xE2\x80\xBA c\n* d\n"},
    {"<ul><li>a<ol><li>one</li><li>two</li></ol>after</li></ul>",
     "* a\n* \xE2\x80\xBA 1. one\n* \xE2\x80\xBA 2. two\n* after\n"},
    /* paragraphs and breaks inside an item stay in it */
    {"<ul><li><p>a</p><p>b</p></li><li>c<br>d</li></ul>",
     "* a\n* b\n* c d\n"},
    /* an empty item is no line (but takes its number) */
    {"<ol><li></li><li>b</li></ol>", "* 2. b\n"},
    /* unclosed items, as HTML allows */
    {"<ul><li>a<li>b</ul>", "* a\n* b\n"},

    /* quotations */
    {"<blockquote>q</blockquote>", "> q\n"},
    {"<p>a</p><blockquote><p>q1</p><p>q2</p></blockquote><p>b</p>",
     "a\n\n> q1\n> q2\n\nb\n"},
    {"<blockquote>a<blockquote>b</blockquote>c</blockquote>",
     "> a\n> > b\n> c\n"},
    {"<blockquote>a<br><br>b</blockquote>", "> a\n> b\n"},
    {"<blockquote><ul><li>i</li></ul></blockquote>", "> * i\n"},

    /* preformatted text: verbatim, white space and all */
    {"<pre>a  b\n\tc &lt;d&gt;\n</pre>", "```\na  b\n\tc <d>\n```\n"},
    {"<p>x</p><pre>code</pre><p>y</p>", "x\n\n```\ncode\n```\n\ny\n"},
    {"<pre>\n\n  \nkeep\n\n</pre>", "```\nkeep\n```\n"},
    {"<pre>a<br>b</pre>", "```\na\nb\n```\n"},
    {"<pre><b>bold</b> <code>code</code></pre>", "```\nbold code\n```\n"},
    /* a line that would close the block is shifted */
    {"<pre>```\nx\n```</pre>", "```\n ```\nx\n ```\n```\n"},
    {"<pre>a\r\nb\rc</pre>", "```\na\nb\nc\n```\n"},
    /* ... also when a control character (dropped) stood before it */
    {"<pre>\x01```\nx\x02\n\x03</pre>", "```\n ```\nx\n```\n"},
    {"<pre>   </pre>", ""},
    /* links inside: after the block */
    {"<pre>see <a href=\"/x\">x</a></pre>", "```\nsee x\n```\n=> /x x\n"},

    /* links: after the paragraph that holds them */
    {"<p>see <a href=\"https://a.example/\">A</a> and "
     "<a href=\"/b\">B</a>.</p><p>next</p>",
     "see A and B.\n=> https://a.example/ A\n=> /b B\n\nnext\n"},
    {"<a href=\"gemini://g/\">g</a>", "g\n=> gemini://g/ g\n"},
    {"<p><a href=\"/x\"><b>bold</b> label</a></p>",
     "bold label\n=> /x bold label\n"},
    /* the label is the URL: no label */
    {"<p><a href=\"https://x/\">https://x/</a></p>",
     "https://x/\n=> https://x/\n"},
    /* no text: the bare URL */
    {"<p><a href=\"/x\"></a>t</p>", "t\n=> /x\n"},
    /* the same twice: once */
    {"<p><a href=\"/x\">x</a> <a href=\"/x\">x</a> <a href=\"/x\">y</a></p>",
     "x x y\n=> /x x\n=> /x y\n"},
    /* links that lead nowhere */
    {"<p><a href=\"#top\">up</a> <a href=\"javascript:go()\">go</a> "
     "<a href=\" JavaScript:go()\">go</a> <a name=\"more\"></a>"
     "<a>bare</a> <a href=\"\">empty</a></p>",
     "up go go bare empty\n"},
    /* white space in a URL is encoded, around it trimmed */
    {"<a href=\" /a b\tc \">l</a>", "l\n=> /a%20b%09c l\n"},
    /* a link over two <div> lines: after both */
    {"<div>a <a href=\"/1\">1</a></div><div>b</div><div><br></div>"
     "<div>c</div>",
     "a 1\nb\n=> /1 1\n\nc\n"},
    /* in a list or a quotation: after the whole of it */
    {"<ul><li><a href=\"/1\">1</a></li><li><a href=\"/2\">2</a></li></ul>"
     "<p>p</p>",
     "* 1\n* 2\n=> /1 1\n=> /2 2\n\np\n"},
    {"<blockquote>q <a href=\"/q\">src</a></blockquote>",
     "> q src\n=> /q src\n"},
    /* in a heading: after it */
    {"<h2><a href=\"/h\">Head</a></h2><p>t</p>",
     "## Head\n=> /h Head\n\nt\n"},
    /* nested links (broken HTML): the outer one */
    {"<a href=\"/o\">o<a href=\"/i\">i</a></a>",
     "oi\n=> /o o\n=> /i i\n"},

    /* images */
    {"<img src=\"/a.png\" alt=\"A cat\">", "=> /a.png A cat\n"},
    {"<p>text <img src=\"/a.png\"> more</p>",
     "text more\n=> /a.png Image\n"},
    {"<img src=\"/a.png\" alt=\"  spaced\n alt \">", "=> /a.png spaced alt\n"},
    {"<img alt=\"no src\"><img src=\"data:image/png;base64,AAAA\">", ""},
    /* a linked image: one line, to where the link leads */
    {"<a href=\"/big.jpg\"><img src=\"/small.jpg\" alt=\"Sea\"></a>",
     "=> /big.jpg Sea\n"},
    {"<a href=\"/big.jpg\"><img src=\"/small.jpg\"></a>",
     "=> /big.jpg Image\n"},
    /* ... unless the link has words of its own */
    {"<a href=\"/p\"><img src=\"/i.png\" alt=\"i\"> page</a>",
     "page\n=> /i.png i\n=> /p page\n"},
    /* an image whose own URL is useless, in a link: its alt labels it */
    {"<a href=\"/p\"><img src=\"data:x\" alt=\"pic\"></a>", "=> /p pic\n"},

    /* dropped with everything inside */
    {"<p>a</p><script>var x = '<p>no</p>';</script><p>b</p>", "a\n\nb\n"},
    {"<style>p { color: red }</style>t", "t\n"},
    {"<iframe src=\"https://video.example/embed/1\">fallback</iframe>t",
     "t\n"},
    {"<noscript><img src=\"/pixel.gif\"></noscript>t", "t\n"},
    {"<object><embed src=\"x.swf\"></object>t", "t\n"},
    {"<form><input value=\"v\"><select><option>o</option></select>"
     "<textarea>ta</textarea><button>b</button>f</form>",
     "f\n"},
    {"<svg><text>no</text></svg>t", "t\n"},
    {"<head><title>T</title></head><body>b</body>", "b\n"},

    /* rules */
    {"<p>a</p><hr><p>b</p>", "a\n\n---\n\nb\n"},

    /* tables: cells joined, rows as lines */
    {"<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr>"
     "</table>",
     "A | B\n1 | 2\n"},
    {"<table><tr><td></td><td>x</td><td> </td><td>y</td></tr></table>",
     "x | y\n"},
    {"<p>a</p><table><tr><td>t</td></tr></table><p>b</p>",
     "a\n\nt\n\nb\n"},

    /* text that would read as another line type gets a space */
    {"<p># not a heading</p><p>=&gt; not a link</p><p>* not an item</p>"
     "<p>&gt; not a quote</p><p>``` not pre</p>",
     " # not a heading\n\n => not a link\n\n * not an item\n\n"
     " > not a quote\n\n ``` not pre\n"},
    /* ... but not when it is not one */
    {"<p>*bold* =not &lt;x&gt;</p>", "*bold* =not <x>\n"},
    {"<ul><li># in an item</li></ul>", "* # in an item\n"},

    /* control characters dropped, the BOM too */
    {"<p>a\x01\x7f b\xc2\x85" "c\xef\xbb\xbf" "d</p>", "a bcd\n"},
    {"<pre>a\x01\tb</pre>", "```\na\tb\n```\n"},

    /* a charset named inside is ignored: the input is UTF-8 */
    {"<meta charset=\"iso-8859-1\"><p>\xC3\xA9t\xC3\xA9</p>",
     "\xC3\xA9t\xC3\xA9\n"},
    {"<meta http-equiv=\"Content-Type\" content=\"text/html; "
     "charset=windows-1252\"><p>\xE2\x80\x99</p>",
     "\xE2\x80\x99\n"},

    /* broken markup, repaired as a browser would */
    {"<p>a<b>b</p>c", "ab\n\nc\n"},
    {"<div>a</span></div>b", "a\nb\n"},
    {"<p>unclosed", "unclosed\n"},
    {"</p></div></li>text", "text\n"},
    {"<ul><li>a</ul></li><p>b", "* a\n\nb\n"},

    /* Blogger's own shapes */
    {"<div dir=\"ltr\" style=\"text-align: left;\" trbidi=\"on\">"
     "<div class=\"separator\" style=\"clear: both; text-align: center;\">"
     "<a href=\"https://bp.example/s1600/p.jpg\" imageanchor=\"1\">"
     "<img border=\"0\" src=\"https://bp.example/s320/p.jpg\" "
     "width=\"320\" /></a></div>Caption text<br /></div>",
     "Caption text\n=> https://bp.example/s1600/p.jpg Image\n"},
    {"<span style=\"font-family: Georgia;\">styled</span> "
     "<font color=\"red\">old</font>",
     "styled old\n"},
};

static void
test_h2g_table(void **state)
{
	size_t n = sizeof(h2g_cases) / sizeof(h2g_cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct h2g_case *c = &h2g_cases[i];
		size_t len = strlen(c->html);
		char *copy = malloc(len + 1), *got;
		struct buf b;

		/* a copy exactly as long, so the sanitizers see overreads */
		assert_non_null(copy);
		memcpy(copy, c->html, len);
		buf_init(&b);
		assert_int_equal(html2gemtext(copy, len, &b), 0);
		buf_putc(&b, '\0');
		got = buf_steal(&b, NULL);
		assert_non_null(got);
		if (strcmp(got, c->want) != 0) {
			print_message("row %zu: %s\n--- want\n%s--- got\n%s---\n",
			    i, c->html, c->want, got);
			failed++;
		}
		assert_true(utf8_valid(got, strlen(got), NULL));
		free(got);
		free(copy);
	}
	assert_int_equal(failed, 0);
}

/* Bytes that are not UTF-8 never reach the output as they are. */
static void
test_h2g_bad_utf8(void **state)
{
	static const char *const inputs[] = {
	    "<p>\xff\xfe</p>", "<p>a\xc3</p>", "\xed\xa0\x80", "<pre>\x80</pre>",
	    "<a href=\"/\xff\">\xc0\xaf</a>", "<img src=\"x\" alt=\"\xfe\">",
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++) {
		struct buf b;
		char *got;

		buf_init(&b);
		assert_int_equal(html2gemtext(inputs[i], strlen(inputs[i]), &b),
		    0);
		buf_putc(&b, '\0');
		got = buf_steal(&b, NULL);
		assert_non_null(got);
		assert_true(utf8_valid(got, strlen(got), NULL));
		free(got);
	}
}

/*
 * Nesting: 60 levels of lists in quotations in <div>s (deeper than any
 * post) keep their text; past libxml2's limit of 256 open elements the
 * rest is cut, and nothing breaks.
 */
static void
test_h2g_deep(void **state)
{
	static const int depths[] = {60, 5000};

	for (size_t k = 0; k < sizeof(depths) / sizeof(*depths); k++) {
		struct buf in, out;
		char *got;

		buf_init(&in);
		for (int i = 0; i < depths[k]; i++)
			buf_puts(&in, "<div><ul><li><blockquote>");
		buf_puts(&in, "bottom");
		buf_init(&out);
		assert_int_equal(html2gemtext(in.data, in.len, &out), 0);
		buf_putc(&out, '\0');
		got = buf_steal(&out, NULL);
		assert_non_null(got);
		if (depths[k] < 60 + 1)
			assert_non_null(strstr(got, "bottom"));
		free(got);
		buf_free(&in);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_h2g_table),
	    cmocka_unit_test(test_h2g_bad_utf8),
	    cmocka_unit_test(test_h2g_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
