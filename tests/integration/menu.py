"""Gopher menu and text validators for the integration tests (Python 3
standard library only), after /work/shared/PROTOCOLS.md, Gopher section.

    problems = validate_menu(data, width=67, host="localhost", port=7070)
    problems = validate_text(data, width=67, allow_wide=[...])

Each returns a list of human-readable problems (empty when the document is
valid). parse_menu() gives the items of a menu for the tests to look at.
"""

import unicodedata

# RFC 1436 types, the Gopher+ ones and the common extensions (i, h, ...).
ITEM_TYPES = set("0123456789+TgIhisdp;crMwPX")

# Zero-width code points that are not combining marks by category.
_ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF}


def char_width(ch):
    """Terminal columns of one code point: East Asian Wide/Fullwidth 2,
    combining marks and zero-width characters 0, anything else 1."""
    cp = ord(ch)
    if cp in _ZERO_WIDTH or unicodedata.combining(ch):
        return 0
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def display_width(s):
    return sum(char_width(c) for c in s)


def control_chars(s, allow_tab=False):
    """The control characters in s: C0, DEL, C1 and U+2028/U+2029."""
    bad = []
    for c in s:
        cp = ord(c)
        if c == "\t" and allow_tab:
            continue
        if cp < 0x20 or cp == 0x7F or 0x80 <= cp <= 0x9F or \
                cp in (0x2028, 0x2029):
            bad.append(c)
    return bad


def _short(b, n=80):
    r = repr(b)
    return r if len(r) <= n else r[:n] + "..."


def _split_crlf(data, problems, what):
    """Splits bytes into lines on CRLF, reporting bare CR or LF and a
    missing final line end. Returns the lines (bytes, ends removed)."""
    if data and not data.endswith(b"\r\n"):
        problems.append("%s does not end in CRLF (ends %s)"
                        % (what, _short(data[-20:])))
    parts = data.split(b"\r\n")
    if parts and parts[-1] == b"":
        parts.pop()
    for i, line in enumerate(parts, 1):
        if b"\n" in line:
            problems.append("line %d: bare LF (line ends must be CRLF): %s"
                            % (i, _short(line)))
        if b"\r" in line:
            problems.append("line %d: bare CR: %s" % (i, _short(line)))
    return parts


def parse_menu(data):
    """The items of a menu, up to its "." line, as dicts with type, display,
    selector, host, port (str) and raw (the line); lines that do not have
    four fields come back with type None."""
    items = []
    for raw in data.split(b"\r\n"):
        if raw == b".":
            break
        line = raw.decode("utf-8", "replace")
        f = line.split("\t")
        if len(f) != 4 or not f[0]:
            items.append({"type": None, "raw": line})
            continue
        items.append({"type": f[0][0], "display": f[0][1:],
                      "selector": f[1], "host": f[2], "port": f[3],
                      "raw": line})
    return items


def validate_menu(data, width=67, host=None, port=None, external=(),
                  error_host=("error.host", "1")):
    """Problems of a Gopher menu (bytes), as a list of strings.

    host/port: what every item of ours must carry (None: not checked).
    external: (host, port) pairs that items may also point at (links to
    other Gopher servers). Error items (type 3) may carry error_host.
    """
    problems = []
    if not isinstance(data, (bytes, bytearray)):
        return ["menu is not bytes"]
    data = bytes(data)
    if not data:
        return ["menu is empty"]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append("not valid UTF-8 at byte %d: %s"
                        % (e.start, _short(data[max(0, e.start - 20):
                                                e.start + 10])))
    if not data.endswith(b"\r\n.\r\n") and data != b".\r\n":
        problems.append("does not end with \".\\r\\n\" (ends %s)"
                        % _short(data[-20:]))
    lines = _split_crlf(data, problems, "menu")
    # The terminator is the first "." line; nothing may follow it.
    end = None
    for i, line in enumerate(lines):
        if line == b".":
            end = i
            break
    if end is None:
        problems.append("no \".\" line ends the menu")
        end = len(lines)
    elif end != len(lines) - 1:
        problems.append("%d line(s) after the \".\" line (first: %s)"
                        % (len(lines) - 1 - end, _short(lines[end + 1])))
    ours = None
    if host is not None or port is not None:
        ours = (host, None if port is None else str(port))
    allowed = set((h, str(p)) for h, p in external)

    for n, raw in enumerate(lines[:end], 1):
        line = raw.decode("utf-8", "replace")
        fields = line.split("\t")
        if len(fields) != 4:
            problems.append("line %d: %d TAB-separated field(s), want 4: %s"
                            % (n, len(fields), _short(line)))
            continue
        first, selector, h, p = fields
        if not first:
            problems.append("line %d: no item type: %s" % (n, _short(line)))
            continue
        t, display = first[0], first[1:]
        if t not in ITEM_TYPES:
            problems.append("line %d: unknown item type %r: %s"
                            % (n, t, _short(line)))
        for name, val in (("display", display), ("selector", selector),
                          ("host", h), ("port", p)):
            bad = control_chars(val)
            if bad:
                problems.append("line %d: control character(s) %r in the "
                                "%s: %s" % (n, "".join(bad), name,
                                            _short(line)))
        w = display_width(display)
        if w > width:
            problems.append("line %d: display is %d columns wide, over %d: "
                            "%s" % (n, w, width, _short(display)))
        if t not in ("i", "3") and not display:
            problems.append("line %d: a %s item with an empty display"
                            % (n, t))
        if not p.isdigit() or not (0 <= int(p) <= 65535):
            problems.append("line %d: port %r is not a number" % (n, p))
        if not h:
            problems.append("line %d: empty host: %s" % (n, _short(line)))
        is_error = t == "3" and (h, p) == tuple(error_host)
        is_external = (h, p) in allowed
        if ours is not None and not is_error and not is_external:
            if ours[0] is not None and h != ours[0]:
                problems.append("line %d: host %r, want %r: %s"
                                % (n, h, ours[0], _short(line)))
            if ours[1] is not None and p != ours[1]:
                problems.append("line %d: port %r, want %r: %s"
                                % (n, p, ours[1], _short(line)))
        # Selectors are absolute.
        if t in ("i", "3"):
            if selector not in ("",) and not selector.startswith("/"):
                problems.append("line %d: %s line with selector %r"
                                % (n, t, selector))
        elif selector.startswith("URL:"):
            if t != "h":
                problems.append("line %d: URL: selector on a %s item: %s"
                                % (n, t, _short(line)))
            elif len(selector) <= 4:
                problems.append("line %d: empty URL: selector" % n)
        elif selector.startswith("/"):
            pass
        elif selector == "" and is_external:
            pass  # the root of another server
        else:
            problems.append("line %d: selector %r is not absolute: %s"
                            % (n, selector, _short(line)))
    return problems


def validate_text(data, width=67, allow_wide=(), check_width=True):
    """Problems of a Gopher text document (bytes), as a list of strings.

    allow_wide: lines (str, without line end) that may be wider than width,
    such as verbatim lines of a preformatted block."""
    problems = []
    if not isinstance(data, (bytes, bytearray)):
        return ["text is not bytes"]
    data = bytes(data)
    if not data:
        return ["text is empty"]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append("not valid UTF-8 at byte %d: %s"
                        % (e.start, _short(data[max(0, e.start - 20):
                                                e.start + 10])))
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append("starts with a BOM")
    lines = _split_crlf(data, problems, "text")
    if lines and lines[-1].strip() == b".":
        problems.append("ends with a \".\" line: %s" % _short(lines[-1]))
    allowed = set(allow_wide)
    for n, raw in enumerate(lines, 1):
        line = raw.decode("utf-8", "replace")
        if line == ".":
            problems.append("line %d is a lone \".\"" % n)
        bad = control_chars(line.replace("\r", "").replace("\n", ""),
                            allow_tab=False)
        if bad:
            problems.append("line %d: control character(s) %r: %s"
                            % (n, "".join(bad), _short(line)))
        if check_width and line not in allowed:
            w = display_width(line)
            if w > width:
                problems.append("line %d is %d columns wide, over %d: %s"
                                % (n, w, width, _short(line)))
    return problems


def self_test():
    """Each rule against a document that breaks it: a list of the rules
    the validators failed to catch (empty when all were caught)."""
    ok = (b"iHello\t\tlocalhost\t70\r\n"
          b"0A post\t/a.txt\tlocalhost\t70\r\n"
          b"hWeb\tURL:https://x/\tlocalhost\t70\r\n"
          b"1There\t/x\tother.example\t7070\r\n.\r\n")
    ext = [("other.example", 7070)]
    missed = []
    if validate_menu(ok, 67, "localhost", 70, ext):
        missed.append("a valid menu was refused: %r"
                      % validate_menu(ok, 67, "localhost", 70, ext))

    def bad(name, data, **kw):
        args = dict(width=67, host="localhost", port=70, external=ext)
        args.update(kw)
        if not validate_menu(data, **args):
            missed.append("menu: " + name)

    def sub(old, new):
        return ok.replace(old, new, 1)

    bad("invalid UTF-8", sub(b"Hello", b"H\xffllo"))
    bad("bare LF", sub(b"70\r\n0A", b"70\n0A"))
    bad("bare CR", sub(b"Hello", b"He\rllo"))
    bad("no terminator", ok[:-3])
    bad("bytes after the terminator", ok + b"junk\r\n")
    bad("terminator without CRLF", ok[:-2])
    bad("three fields", sub(b"\t\tlocalhost\t70", b"\tlocalhost\t70"))
    bad("five fields", sub(b"localhost\t70\r\n0A", b"localhost\t70\t+\r\n0A"))
    bad("blank line", sub(b"\r\n0A", b"\r\n\r\n0A"))
    bad("port not a number", sub(b"\t70\r\n0A", b"\tx70\r\n0A"))
    bad("wrong host", sub(b"/a.txt\tlocalhost", b"/a.txt\t127.0.0.1"))
    bad("wrong port", sub(b"/a.txt\tlocalhost\t70", b"/a.txt\tlocalhost\t71"))
    bad("control byte in display", sub(b"A post", b"A \x1bpost"))
    bad("C1 control in display", sub(b"A post", b"A \xc2\x85post"))
    bad("DEL in selector", sub(b"/a.txt", b"/a\x7f.txt"))
    bad("too wide", sub(b"A post", b"A" * 68))
    bad("too wide (CJK)", sub(b"A post", "\u6771".encode() * 34))
    bad("relative selector", sub(b"/a.txt", b"a.txt"))
    bad("URL: on a 0 item", sub(b"/a.txt", b"URL:https://x/"))
    bad("empty selector on a 0 item", sub(b"/a.txt", b""))
    bad("unknown type", sub(b"0A post", b"\x01A post"))
    bad("empty", b"")
    if validate_menu(sub(b"A post", "\u6771".encode() * 33 + b"e\xcc\x81"),
                     67, "localhost", 70, ext):
        missed.append("33 wide characters and a combining mark are 67 "
                      "columns")
    text = b"Title\r\n=====\r\n\r\nA line.\r\n"
    if validate_text(text):
        missed.append("a valid text was refused: %r" % validate_text(text))
    for name, data in [
            ("lone dot", text + b".\r\nmore\r\n"),
            ("trailing dot", text + b".\r\n"),
            ("bare LF", text + b"x\n"),
            ("no final CRLF", text + b"x"),
            ("invalid UTF-8", text + b"\xc3\r\n"),
            ("too wide", text + b"x" * 68 + b"\r\n"),
            ("too wide (CJK)", text + "\u6771".encode() * 34 + b"\r\n"),
            ("control byte", text + b"a\x1bb\r\n"),
            ("TAB", text + b"a\tb\r\n")]:
        if not validate_text(data):
            missed.append("text: " + name)
    if validate_text(text + b"x" * 80 + b"\r\n", allow_wide=["x" * 80]):
        missed.append("text: an allowed wide line was refused")
    return missed


if __name__ == "__main__":
    # menu.py --self-test | menu.py menu|text FILE [WIDTH [HOST PORT]]
    import sys
    if sys.argv[1:] == ["--self-test"]:
        m = self_test()
        print("\n".join(m) if m else "validators: every rule caught")
        sys.exit(1 if m else 0)
    kind, path = sys.argv[1], sys.argv[2]
    w = int(sys.argv[3]) if len(sys.argv) > 3 else 67
    h = sys.argv[4] if len(sys.argv) > 4 else None
    p = sys.argv[5] if len(sys.argv) > 5 else None
    with open(path, "rb") as fh:
        d = fh.read()
    probs = validate_menu(d, w, h, p) if kind == "menu" else \
        validate_text(d, w)
    for pr in probs:
        print(pr)
    sys.exit(1 if probs else 0)
